import { expect } from 'chai';
import { area, Rect } from '../../src/layer/damage';
import { LiveCrop, LiveRect } from '../../src/layer/live-crop';
import { jpegOf, lumaPlane as luma, picture } from './jpeg-pictures';

describe('orchestrator/layer/live-scroll: a scroll between live frames is a copy and the strip that scrolled in', () => {
  const W = 320;
  const H = 240;
  /** A tall page of posters (textured tiles) and a fixed header, scrolled by `offset` pixels. */
  function page(offset: number, fade = 0): Buffer {
    const tall = picture(W, H * 3, 21, 12);
    const rgb = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++) {
      if (y < 32) rgb.fill(40, y * W * 3, (y + 1) * W * 3);
      else tall.copy(rgb, y * W * 3, (y + offset) * W * 3, (y + offset + 1) * W * 3);
    }
    if (fade) for (let i = 0; i < rgb.length; i++) rgb[i] = Math.max(0, rgb[i] - fade);
    return rgb;
  }

  /** What the device's luma becomes from `before`'s luma with the live frame's rectangles applied. */
  function apply(dev: Buffer, rects: LiveRect[], W = 320): Buffer {
    const out = Buffer.from(dev);
    for (const r of rects) {
      if ('copy' in r) {
        for (let y = 0; y < r.rect.h; y++) dev.copy(out, (r.rect.y + y) * W + r.rect.x, (r.copy.sy + y) * W + r.copy.sx, (r.copy.sy + y) * W + r.copy.sx + r.rect.w);
      }
    }
    for (const r of rects) {
      if ('jpeg' in r) {
        const part = luma(r.jpeg);
        for (let y = 0; y < r.rect.h; y++) part.copy(out, (r.rect.y + y) * W + r.rect.x, y * r.rect.w, (y + 1) * r.rect.w);
      }
    }
    return out;
  }

  /** No MCU of the device's luma off the frame's by more than JPEG noise: none left behind as the frames go on. */
  function expectWithinNoise(dev: Buffer, truth: Buffer, offset: number, W = 320, H = 240, bound = (_mx: number, _my: number): number => 8): void {
    for (let my = 0; my < H / 16; my++) {
      for (let mx = 0; mx < W / 16; mx++) {
        let sum = 0;
        for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) sum += Math.abs(dev[(my * 16 + y) * W + mx * 16 + x] - truth[(my * 16 + y) * W + mx * 16 + x]);
        expect(sum / 256, `MCU ${mx},${my} at offset ${offset}`).to.be.below(bound(mx, my));
      }
    }
  }

  it('moves what scrolled, sends the strip, and leaves the device within JPEG noise of the new frame, frame after frame', () => {
    const crop = new LiveCrop();
    let frame = jpegOf(page(0), W, H);
    crop.next(frame, W, H, true);
    let dev = luma(frame);
    for (const offset of [21, 45, 50, 83]) {
      frame = jpegOf(page(offset), W, H);
      const rects = crop.next(frame, W, H, true);
      const copy = rects.find((r) => 'copy' in r);
      expect(copy, `a copy at offset ${offset}`).to.not.equal(undefined);
      const bytes = rects.reduce((n, r) => n + ('jpeg' in r ? r.jpeg.length : 4), 0);
      expect(bytes, 'bytes against the whole frame').to.be.below(frame.length / 2);
      dev = apply(dev, rects);
      expectWithinNoise(dev, luma(frame), offset);
    }
    // The header did not move: the copy is below it.
    const last = crop.next(jpegOf(page(120), W, H), W, H, true).find((r) => 'copy' in r) as { rect: Rect; copy: { sx: number; sy: number } };
    expect(last.rect.y).to.be.at.least(32);
    expect(last.copy.sy - last.rect.y).to.equal(120 - 83);
    expect(last.copy.sx).to.equal(last.rect.x);
  });

  it('finds a sideways scroll as well, and searches the other axis only when the likelier one matched badly', () => {
    const sideways = (offset: number): Buffer => strip(offset);
    const crop = new LiveCrop();
    let frame = jpegOf(sideways(0), W, H);
    crop.next(frame, W, H, true);
    let dev = luma(frame);
    for (const offset of [24, 53, 70]) {
      frame = jpegOf(sideways(offset), W, H);
      const rects = crop.next(frame, W, H, true);
      const copy = rects.find((r) => 'copy' in r) as { rect: Rect; copy: { sx: number; sy: number } } | undefined;
      expect(copy, `a copy at offset ${offset}`).to.not.equal(undefined);
      expect(copy!.copy.sy).to.equal(copy!.rect.y);
      expect(copy!.rect.x, 'the menu did not move').to.be.at.least(48);
      dev = apply(dev, rects);
      expectWithinNoise(dev, luma(frame), offset);
    }
    const last = crop.next(jpegOf(sideways(99), W, H), W, H, true).find((r) => 'copy' in r) as { rect: Rect; copy: { sx: number; sy: number } };
    expect(last.copy.sx - last.rect.x).to.equal(99 - 70);
    // Each of these scrolls matched closely along x: y was never looked at.
    expect(crop.searches.run).to.equal(4);
    expect(crop.searches.axes).to.equal(4);
    // Scrolls by less than a block, down: no shift at all looks as likely along x as along y at
    // the blocks' size, so both axes are candidates; y matches closely, and x is not looked at.
    const down = new LiveCrop();
    down.next(jpegOf(page(0), W, H), W, H, true);
    for (const offset of [5, 10, 13]) expect(down.next(jpegOf(page(offset), W, H), W, H, true).some((r) => 'copy' in r), `a copy at ${offset}`).to.equal(true);
    expect(down.searches).to.deep.equal({ run: 3, still: 0, axes: 3 });
  });

  /** A strip of posters `width` wide slid left by `offset` pixels, beside a fixed menu on the left, `menu` its grey. */
  function strip(offset: number, width = W, menu = 40): Buffer {
    const wide = picture(width * 3, H, 33, 12);
    const rgb = Buffer.alloc(width * H * 3);
    for (let y = 0; y < H; y++) {
      rgb.fill(menu, y * width * 3, (y * width + 48) * 3);
      wide.copy(rgb, (y * width + 48) * 3, (y * width * 3 + 48 + offset) * 3, (y * width * 3 + width + offset) * 3);
    }
    return rgb;
  }

  it('copies a row that scrolls while its focused poster grows and the one before shrinks, and sends those two', () => {
    // Two posters of the strip (a quarter of it) change as they move with it, one growing and one
    // shrinking about its centre: over the whole strip no shift matches, but most of it only moved.
    const WW = 960;
    const P = 112;
    const poster = picture(P, H, 77, 12);
    const row = (offset: number): Buffer => {
      const rgb = strip(offset, WW);
      for (const [at, scale] of [[300, 1 + offset / 40], [600, 2.5 - offset / 40]]) {
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < P; x++) {
            const sx = Math.min(P - 1, Math.max(0, Math.round(P / 2 + (x - P / 2) / scale)));
            const sy = Math.min(H - 1, Math.max(0, Math.round(H / 2 + (y - H / 2) / scale)));
            poster.copy(rgb, (y * WW + at - offset + x) * 3, (sy * P + sx) * 3, (sy * P + sx + 1) * 3);
          }
        }
      }
      return rgb;
    };
    const crop = new LiveCrop();
    let frame = jpegOf(row(0), WW, H);
    crop.next(frame, WW, H, true);
    let dev = luma(frame);
    let last = 0;
    for (const offset of [16, 37, 55]) {
      frame = jpegOf(row(offset), WW, H);
      const rects = crop.next(frame, WW, H, true);
      const copy = rects.find((r) => 'copy' in r) as { rect: Rect; copy: { sx: number; sy: number } } | undefined;
      expect(copy, `a copy at offset ${offset}`).to.not.equal(undefined);
      expect(copy!.copy.sx - copy!.rect.x).to.equal(offset - last);
      const sent = area(rects.flatMap((r) => ('jpeg' in r ? [r.rect] : [])));
      expect(sent, 'the changed posters and the strip that came in, not the row').to.be.below((WW - 48) * H * 0.6);
      dev = apply(dev, rects, WW);
      // Within noise but on the two posters, where the residual check (two lines of each MCU's
      // sixteen) lets through some of a scaled poster's MCUs, near its centre, that changed less.
      const onPoster = (mx: number): boolean => [300, 600].some((at) => mx * 16 + 16 > at - offset && mx * 16 < at - offset + P);
      expectWithinNoise(dev, luma(frame), offset, WW, H, (mx) => (onPoster(mx) ? 16 : 8));
      last = offset;
    }
  });

  it("a motion's frames that change a sixth of the frame in place (a poster growing) spend a part of its searches, and the scroll after them is found", () => {
    const crop = new LiveCrop();
    // A motion that found no scroll: the next one starts with a single search's worth.
    crop.next(jpegOf(strip(0, W, 40), W, H), W, H, true);
    expect(crop.next(jpegOf(strip(0, W, 90), W, H), W, H, true).some((r) => 'copy' in r)).to.equal(false);
    crop.reset();
    crop.next(jpegOf(strip(0, W, 90), W, H), W, H, true);
    // The menu (15 % of the frame) changes twice in place: each search misses.
    crop.next(jpegOf(strip(0, W, 140), W, H), W, H, true);
    crop.next(jpegOf(strip(0, W, 190), W, H), W, H, true);
    expect(crop.searches.run).to.equal(3);
    const rects = crop.next(jpegOf(strip(30, W, 190), W, H), W, H, true);
    expect(crop.searches.run).to.equal(4);
    expect(rects.some((r) => 'copy' in r), 'the scroll copied').to.equal(true);
    // A cross-fade of the whole frame still ends the searches after one miss.
    crop.reset();
    crop.next(jpegOf(page(0), W, H), W, H, true);
    crop.next(jpegOf(page(0, 60), W, H), W, H, true);
    crop.reset();
    crop.next(jpegOf(page(0, 60), W, H), W, H, true);
    crop.next(jpegOf(page(0, 30), W, H), W, H, true);
    expect(crop.next(jpegOf(page(30, 30), W, H), W, H, true).some((r) => 'copy' in r)).to.equal(false);
  });

  it('copies detailed content that scrolls by fractions of a pixel (a page at a fractional scale) at live quality, frame after frame, within noise', () => {
    // Posters softened as a photograph's detail is, sampled between pixels where a scroll of 2/3
    // px per CSS px puts them (linear interpolation, as a scaled page's raster), encoded as
    // coarsely as the screencast's live frames: a copy by whole pixels differs from such a frame
    // by more than MCU_MEAN, the more where the detail is sharper.
    const tall = picture(W, H * 3, 21, 12);
    const soft = new Float64Array(tall.length);
    for (let i = 0; i < tall.length; i++) {
      const x = Math.floor(i / 3) % W;
      const y = Math.floor(i / (3 * W));
      let sum = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (x + dx >= 0 && x + dx < W && y + dy >= 0 && y + dy < H * 3) (sum += tall[i + (dy * W + dx) * 3]), n++;
      soft[i] = sum / n;
    }
    const scrolled = (offset: number): Buffer => {
      const rgb = Buffer.alloc(W * H * 3);
      const whole = Math.floor(offset);
      const part = offset - whole;
      for (let y = 0; y < H; y++) {
        for (let i = 0; i < W * 3; i++) {
          const a = soft[(y + whole) * W * 3 + i];
          rgb[y * W * 3 + i] = y < 32 ? 40 : Math.round(a + (soft[(y + whole + 1) * W * 3 + i] - a) * part);
        }
      }
      return rgb;
    };
    const LIVE_Q = 10;
    const crop = new LiveCrop();
    let frame = jpegOf(scrolled(0), W, H, LIVE_Q);
    crop.next(frame, W, H, true);
    let dev = luma(frame);
    // Steps of 13, 20 and 15 CSS px, twice over, then an eased end's pixel, which no shift at all
    // explains almost as well as the scroll.
    for (const offset of [8 + 2 / 3, 22, 32, 40 + 2 / 3, 54, 64, 65]) {
      frame = jpegOf(scrolled(offset), W, H, LIVE_Q);
      const rects = crop.next(frame, W, H, true);
      expect(rects.some((r) => 'copy' in r), `a copy at offset ${offset}`).to.equal(true);
      const sent = area(rects.flatMap((r) => ('jpeg' in r ? [r.rect] : [])));
      expect(sent, 'the strip that came in, not what moved').to.be.below(W * (H - 32) * 0.3);
      dev = apply(dev, rects);
      expectWithinNoise(dev, luma(frame), offset);
    }
  });

  it('finds no scroll in a fade, nor when the device cannot copy', () => {
    const crop = new LiveCrop();
    crop.next(jpegOf(page(0), W, H), W, H, true);
    const faded = jpegOf(page(0, 60), W, H);
    expect(crop.next(faded, W, H, true).some((r) => 'copy' in r)).to.equal(false);
    const moved = jpegOf(page(30, 60), W, H);
    expect(crop.next(moved, W, H, false).some((r) => 'copy' in r)).to.equal(false);
  });

  it('stops looking after two frames of a motion found no scroll, until the next motion', () => {
    const crop = new LiveCrop();
    crop.next(jpegOf(page(0), W, H), W, H, true);
    expect(crop.next(jpegOf(page(0, 60), W, H), W, H, true).some((r) => 'copy' in r)).to.equal(false);
    expect(crop.next(jpegOf(page(0, 30), W, H), W, H, true).some((r) => 'copy' in r)).to.equal(false);
    // A cross-fade so far: this scroll is not looked for.
    expect(crop.next(jpegOf(page(30, 30), W, H), W, H, true).some((r) => 'copy' in r)).to.equal(false);
    crop.reset();
    crop.next(jpegOf(page(30, 30), W, H), W, H, true);
    expect(crop.next(jpegOf(page(60, 30), W, H), W, H, true).some((r) => 'copy' in r)).to.equal(true);
  });

  it('after a motion that found no scroll, the next one gets a single search; after one that found a scroll, every search again', () => {
    const crop = new LiveCrop();
    const fade = (): void => {
      crop.reset();
      crop.next(jpegOf(page(0), W, H), W, H, true);
      crop.next(jpegOf(page(0, 60), W, H), W, H, true);
      crop.next(jpegOf(page(0, 30), W, H), W, H, true);
    };
    fade();
    // The next motion: a fade frame spends its one search, and the scroll after it is not looked for.
    crop.reset();
    crop.next(jpegOf(page(0), W, H), W, H, true);
    crop.next(jpegOf(page(0, 60), W, H), W, H, true);
    expect(crop.next(jpegOf(page(30, 60), W, H), W, H, true).some((r) => 'copy' in r)).to.equal(false);
    // A motion that starts with its scroll finds it at once, and then gets every search back.
    crop.reset();
    crop.next(jpegOf(page(30, 60), W, H), W, H, true);
    expect(crop.next(jpegOf(page(60, 60), W, H), W, H, true).some((r) => 'copy' in r)).to.equal(true);
    crop.reset();
    crop.next(jpegOf(page(60, 60), W, H), W, H, true);
    crop.next(jpegOf(page(60, 0), W, H), W, H, true);
    expect(crop.next(jpegOf(page(90, 0), W, H), W, H, true).some((r) => 'copy' in r)).to.equal(true);
  });

  it('does not search a frame whose blocks kept their mean luma: a fade just begun', () => {
    // Texture added everywhere that averages out over each 8×8 block: every MCU differs, no block's mean moved.
    const textured = (rgb: Buffer, amount: number): Buffer => {
      const out = Buffer.from(rgb);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
        const i = (y * W + x) * 3 + c;
        out[i] = Math.max(0, Math.min(255, out[i] + (((x >> 1) + (y >> 1)) % 2 ? amount : -amount)));
      }
      return out;
    };
    const crop = new LiveCrop();
    crop.next(jpegOf(page(0), W, H), W, H, true);
    const rects = crop.next(jpegOf(textured(page(0), 12), W, H), W, H, true);
    expect(rects.length, 'the frame changed').to.be.above(0);
    expect(crop.searches).to.deep.equal({ run: 1, still: 1, axes: 0 });
    // A scroll is searched in full.
    crop.next(jpegOf(page(30), W, H), W, H, true);
    expect(crop.searches.run).to.equal(2);
    expect(crop.searches.still).to.equal(1);
  });
});
