import { expect } from 'chai';
import { readJpegBlocks } from '../../src/jpeg/blocks';
import { cropJpeg } from '../../src/jpeg/crop';
import { lumaLines } from '../../src/jpeg/luma';
import { optimalSpec } from '../../src/jpeg/huffman';
import { bounds, Rect } from '../../src/layer/damage';
import { LiveCrop, LiveRect } from '../../src/layer/live-crop';
import { area } from '../../src/layer/damage';
import { Rgba } from '../../src/png/decode';
import { jpegOf, lumaPlane as luma, picture, rgbaOf, square } from './jpeg-pictures';

/** Pixels of `part` (a plane of `at`'s size) that differ from `at` in `whole` (a plane `width` wide). */
function differing(part: Buffer, whole: Buffer, width: number, at: Rect): number {
  let n = 0;
  for (let y = 0; y < at.h; y++) for (let x = 0; x < at.w; x++) if (part[y * at.w + x] !== whole[(at.y + y) * width + at.x + x]) n++;
  return n;
}

describe('orchestrator/jpeg: coefficients read and cropped without a DCT', () => {
  const W = 320;
  const H = 176;
  const base = picture(W, H, 7);
  const jpeg = jpegOf(base, W, H);

  it('reads a baseline JPEG to its MCUs and writes it back to the same pixels', () => {
    const blocks = readJpegBlocks(jpeg);
    expect(blocks).to.not.equal(null);
    const b = blocks!;
    expect([b.width, b.height, b.mcuW, b.mcuH, b.mcusX, b.mcusY]).to.deep.equal([W, H, 16, 16, 20, 11]);
    expect(b.comps.map((c) => [c.h, c.v])).to.deep.equal([[2, 2], [1, 1], [1, 1]]);
    const again = cropJpeg(b, { x: 0, y: 0, w: b.mcusX, h: b.mcusY });
    expect(luma(again).equals(luma(jpeg))).to.equal(true);
    // Tables made for the data: never larger than the encoder's own.
    expect(again.length).to.be.at.most(jpeg.length + 64);
  });

  it('crops whole MCUs, partial ones at the right and bottom edges included, to the source luma', () => {
    const b = readJpegBlocks(jpeg)!;
    const whole = luma(jpeg);
    for (const r of [{ x: 3, y: 2, w: 5, h: 4 }, { x: 17, y: 8, w: 3, h: 3 }, { x: 0, y: 10, w: 20, h: 1 }]) {
      const part = luma(cropJpeg(b, r));
      const pw = Math.min(r.w * 16, W - r.x * 16);
      const ph = Math.min(r.h * 16, H - r.y * 16);
      expect(part.length).to.equal(pw * ph);
      expect(differing(part, whole, W, { x: r.x * 16, y: r.y * 16, w: pw, h: ph }), `crop ${JSON.stringify(r)}`).to.equal(0);
    }
    expect(() => cropJpeg(b, { x: 18, y: 0, w: 3, h: 1 })).to.throw(RangeError);
  });

  it("writes crops with the source's Huffman tables, and with tables of their own where those lack a code", () => {
    // A frame with tables made for it (as Chromium's screencast writes): a smooth gradient, whose
    // blocks differ from their neighbours by little, so its DC table codes small differences only.
    const smooth = Buffer.alloc(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) smooth.fill(Math.round((x * 255) / W), (y * W + x) * 3, (y * W + x) * 3 + 3);
    const source = readJpegBlocks(jpegOf(smooth, W, H))!;
    const frame = cropJpeg(source, { x: 0, y: 0, w: source.mcusX, h: source.mcusY }, true);
    const b = readJpegBlocks(frame)!;
    const whole = luma(frame);
    const at = (r: { x: number; y: number; w: number; h: number }): Rect => ({ x: r.x * 16, y: r.y * 16, w: r.w * 16, h: r.h * 16 });
    // Rows as wide as the frame's: the same differences as in the frame, its own tables serve.
    const wide = { x: 0, y: 3, w: b.mcusX, h: 4 };
    const own = cropJpeg(b, wide);
    expect(own.equals(cropJpeg(b, wide, true)), 'written with the source tables').to.equal(false);
    expect(differing(luma(own), whole, W, at(wide))).to.equal(0);
    // Its first block starts from a bright DC, a difference the frame never codes: tables of its own.
    const bright = { x: 12, y: 2, w: 6, h: 3 };
    const fallback = cropJpeg(b, bright);
    expect(fallback.equals(cropJpeg(b, bright, true)), 'written with tables of its own').to.equal(true);
    expect(differing(luma(fallback), whole, W, at(bright))).to.equal(0);
  });

  it('says null for what it does not read (not a JPEG, progressive) and throws on a cut-off scan', () => {
    expect(readJpegBlocks(Buffer.from('not a jpeg at all'))).to.equal(null);
    // ffmpeg writes baseline only: a progressive frame header (SOF2) is made by hand.
    const prog = Buffer.from(jpeg);
    prog[jpeg.indexOf(Buffer.from([0xff, 0xc0])) + 1] = 0xc2;
    expect(readJpegBlocks(prog)).to.equal(null);
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    expect(() => readJpegBlocks(Buffer.concat([jpeg.subarray(0, sos + 200), Buffer.from([0xff, 0xd9])]))).to.throw(/cut short|Huffman|JPEG/);
    expect(() => readJpegBlocks(jpeg.subarray(0, sos + 200))).to.throw(/cut short|Huffman|JPEG/);
  });

  it("knows where each block's coefficients end, and reads its luma on every eighth line as a decoder does", () => {
    // A photograph under a flat panel: blocks with detail, and blocks that are their DC alone.
    const ui = jpegOf(square(base, W, 0, 0, 160, 96, 200), W, H);
    const b = readJpegBlocks(ui)!;
    let flat = 0;
    for (const c of b.comps) {
      for (let i = 0; i < c.bw * c.bh; i++) {
        let end = 0;
        for (let k = 0; k < 64; k++) if (c.coeffs[i * 64 + k] !== 0) end = k + 1;
        expect(c.ends[i], `block ${i}`).to.equal(end);
        if (end <= 1) flat++;
      }
    }
    expect(flat, 'blocks that are their DC alone').to.be.above(100);
    const box = { x: 0, y: 0, w: W / 8, h: H / 8 };
    const decoded = luma(ui);
    // Row 4 of each block row (lines along x) and column 4 of each block column (along y).
    const rows = lumaLines(b, box, 'x');
    const cols = lumaLines(b, box, 'y');
    expect(rows.length).to.equal((W * H) / 8);
    expect(cols.length).to.equal((W * H) / 8);
    let sum = 0;
    let worst = 0;
    for (let l = 0; l < H / 8; l++) {
      for (let x = 0; x < W; x++) {
        const d = Math.abs(rows[l * W + x] - decoded[(l * 8 + 4) * W + x]);
        sum += d;
        worst = Math.max(worst, d);
      }
    }
    for (let l = 0; l < W / 8; l++) {
      for (let y = 0; y < H; y++) {
        const d = Math.abs(cols[l * H + y] - decoded[y * W + l * 8 + 4]);
        sum += d;
        worst = Math.max(worst, d);
        // Where a row and a column cross, both computed the same pixel.
        if (y % 8 === 4) expect(Math.abs(cols[l * H + y] - rows[((y - 4) / 8) * W + l * 8 + 4]), `pixel ${l * 8 + 4},${y}`).to.be.at.most(1);
      }
    }
    expect(sum / (rows.length + cols.length), "mean difference from ffmpeg's decode").to.be.below(0.5);
    expect(worst, "largest difference from ffmpeg's decode").to.be.at.most(3);
    // A box inside the picture: its lines are the same pixels as the whole picture's.
    const inner = lumaLines(b, { x: 2, y: 3, w: 5, h: 4 }, 'y');
    for (let l = 0; l < 5; l++) for (let y = 0; y < 32; y++) expect(inner[l * 32 + y]).to.equal(cols[(l + 2) * H + 24 + y]);
  });

  it('builds optimal Huffman tables no longer than 16 bits, with no all-ones code', () => {
    // Fibonacci frequencies make the longest codes an unlimited builder would give.
    const freq = new Array<number>(256).fill(0);
    let a = 1;
    let b = 1;
    for (let s = 0; s < 30; s++) {
      freq[s] = a;
      [a, b] = [b, a + b];
    }
    const spec = optimalSpec(freq);
    expect(spec.values.length).to.equal(30);
    expect(spec.bits.slice(17)).to.deep.equal([]);
    let kraft = 0;
    for (let len = 1; len <= 16; len++) kraft += spec.bits[len] / 2 ** len;
    expect(kraft).to.be.below(1);
    expect(optimalSpec(new Array(256).fill(0))).to.deep.equal({ bits: new Array(17).fill(0), values: [] });
  });
});

/** A live frame's rectangles, none a copy (no scroll is looked for). */
function cut(crop: LiveCrop, jpeg: Buffer, w: number, h: number): { rect: Rect; jpeg: Buffer }[] {
  const rects = crop.next(jpeg, w, h);
  for (const r of rects) if (!('jpeg' in r)) throw new Error('a copy where none was asked for');
  return rects as { rect: Rect; jpeg: Buffer }[];
}

describe('orchestrator/layer/live-crop: live frames cut to what changed', () => {
  const W = 320;
  const H = 176;
  const base = picture(W, H, 11);
  const before = jpegOf(base, W, H);

  it('sends the first frame whole, then only the MCUs that changed, and nothing for the same frame', () => {
    const crop = new LiveCrop();
    expect(cut(crop, before, W, H)).to.deep.equal([{ rect: { x: 0, y: 0, w: W, h: H }, jpeg: before }]);
    const after = jpegOf(square(base, W, 100, 40, 40, 24, 200), W, H);
    const rects = cut(crop, after, W, H);
    expect(rects.length).to.be.within(1, 3);
    const r = bounds(rects.map((x) => x.rect));
    // The square's MCUs (96..144 × 32..64), maybe a neighbour that 4:2:0 chroma touches.
    expect(r.x).to.be.at.most(100);
    expect(r.y).to.be.at.most(40);
    expect(r.x + r.w).to.be.at.least(140);
    expect(r.y + r.h).to.be.at.least(64);
    expect(r.w * r.h).to.be.below((W * H) / 8);
    expect(rects.reduce((n, x) => n + x.jpeg.length, 0)).to.be.below(after.length / 4);
    // Each crop shows the new frame's luma there.
    const whole = luma(after);
    for (const { rect, jpeg } of rects) {
      const part = luma(jpeg);
      expect(differing(part, whole, W, rect)).to.equal(0);
    }
    expect(cut(crop, after, W, H)).to.deep.equal([]);
  });

  it('sends a frame whole after reset(), when most of it changed, at another size, and when it cannot read it', () => {
    const crop = new LiveCrop();
    cut(crop, before, W, H);
    crop.reset();
    expect(cut(crop, before, W, H)[0].jpeg).to.equal(before);
    const other = jpegOf(picture(W, H, 12), W, H);
    expect(cut(crop, other, W, H)[0].jpeg).to.equal(other);
    const small = jpegOf(picture(160, 96, 12), 160, 96);
    expect(cut(crop, small, W, H)).to.deep.equal([{ rect: { x: 0, y: 0, w: W, h: H }, jpeg: small }]);
    const broken = Buffer.concat([before.subarray(0, 700), Buffer.from([0xff, 0xd9])]);
    expect(cut(crop, broken, W, H)[0].jpeg).to.equal(broken);
    // Nothing read from the broken frame: the next one goes whole too.
    expect(cut(crop, before, W, H)[0].jpeg).to.equal(before);
  });

  it('merges scattered changes into at most 8 crops that cover little more than what changed', () => {
    // One 16×16 square a row, down a diagonal: 11 runs of one MCU. Banded by rows as wide as
    // their dirty MCUs, they went as one 176×176 rectangle (11 times their area).
    let rgb = base;
    for (let i = 0; i < H / 16; i++) rgb = square(rgb, W, i * 16, i * 16, 16, 16, i % 2 ? 0 : 255);
    const after = jpegOf(rgb, W, H);
    const crop = new LiveCrop();
    cut(crop, before, W, H);
    const rects = cut(crop, after, W, H);
    expect(rects.length).to.be.within(1, 8);
    expect(area(rects.map((r) => r.rect))).to.be.below(3 * 11 * 256);
    const whole = luma(after);
    for (let i = 0; i < H / 16; i++) {
      const sq = { x: i * 16, y: i * 16, w: 16, h: 16 };
      expect(rects.some((r) => r.rect.x <= sq.x && r.rect.y <= sq.y && r.rect.x + r.rect.w >= sq.x + 16 && r.rect.y + r.rect.h >= sq.y + 16), `square ${i}`).to.equal(true);
    }
    for (const { rect, jpeg } of rects) expect(differing(luma(jpeg), whole, W, rect)).to.equal(0);
  });

  it("cuts a motion's first frame against the page's newest frame when that shows what the device has, and sends it whole when not", () => {
    const rgba = (rgb: Buffer): Rgba => rgbaOf(rgb, W, H);
    const after = jpegOf(square(base, W, 100, 40, 40, 24, 200), W, H);
    const crop = new LiveCrop();
    // Nothing seen yet: whole.
    crop.start(rgba(base));
    expect(cut(crop, after, W, H)[0].jpeg).to.equal(after);
    crop.reset();
    crop.observe(before, 1000);
    crop.start(rgba(base));
    const cutFirst = cut(crop, after, W, H);
    expect(cutFirst.length).to.be.at.least(1);
    expect(cutFirst.every((r) => r.jpeg !== after)).to.equal(true);
    expect(bounds(cutFirst.map((r) => r.rect)).w).to.be.below(W / 2);
    // The device shows another picture than the newest frame (a square elsewhere): whole.
    crop.reset();
    crop.observe(before, 1000);
    crop.start(rgba(square(base, W, 200, 100, 16, 16, 0)));
    expect(cut(crop, after, W, H)[0].jpeg).to.equal(after);
    expect(crop.seeds).to.deep.equal({ time: 0, luma: 1, none: 2 });
  });

  it("cuts a motion's first frame against a frame taken while the page was known still, whatever its luma, and only then", () => {
    const other = (rgb: Buffer): Rgba => rgbaOf(rgb, W, H);
    // The device's exact layer differs from the frame by more than its luma check allows (as the
    // capture and the screencast differ at a fractional scale); the frame was taken at 1000.
    const layer = other(square(base, W, 200, 100, 16, 16, 0));
    const after = jpegOf(square(base, W, 100, 40, 40, 24, 200), W, H);
    const crop = new LiveCrop();
    const first = (still: { from: number; to: number } | null, hold = true): { rect: Rect; jpeg: Buffer }[] => {
      crop.reset();
      crop.observe(before, 1000);
      if (hold) crop.hold();
      // A frame that came after the key's hold (it may show the key) is not the reference.
      crop.observe(after, 1200);
      crop.start(layer, still);
      return cut(crop, after, W, H);
    };
    const within = first({ from: 900, to: 1100 });
    expect(within.every((r) => r.jpeg !== after)).to.equal(true);
    expect(bounds(within.map((r) => r.rect)).w).to.be.below(W / 2);
    // Taken before the layer's capture began, or once the key was on its way: whole.
    expect(first({ from: 1001, to: 1100 })[0].jpeg).to.equal(after);
    expect(first({ from: 900, to: 1000 })[0].jpeg).to.equal(after);
    expect(first(null)[0].jpeg).to.equal(after);
    // Nothing held for a key: no frame is known to show what the device has.
    expect(first({ from: 900, to: 1100 }, false)[0].jpeg).to.equal(after);
    expect(crop.seeds).to.deep.equal({ time: 1, luma: 0, none: 4 });
  });
});

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
  function apply(dev: Buffer, rects: LiveRect[]): Buffer {
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
  function expectWithinNoise(dev: Buffer, truth: Buffer, offset: number): void {
    for (let my = 0; my < H / 16; my++) {
      for (let mx = 0; mx < W / 16; mx++) {
        let sum = 0;
        for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) sum += Math.abs(dev[(my * 16 + y) * W + mx * 16 + x] - truth[(my * 16 + y) * W + mx * 16 + x]);
        expect(sum / 256, `MCU ${mx},${my} at offset ${offset}`).to.be.below(8);
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
    /** A wide strip of posters slid left by `offset` pixels, beside a fixed menu on the left. */
    const sideways = (offset: number): Buffer => {
      const wide = picture(W * 3, H, 33, 12);
      const rgb = Buffer.alloc(W * H * 3);
      for (let y = 0; y < H; y++) {
        rgb.fill(40, y * W * 3, (y * W + 48) * 3);
        wide.copy(rgb, (y * W + 48) * 3, (y * W * 3 + 48 + offset) * 3, (y * W * 3 + W + offset) * 3);
      }
      return rgb;
    };
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
