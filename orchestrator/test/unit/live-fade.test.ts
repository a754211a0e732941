import { expect } from 'chai';
import { ENCODINGS, TILE_CACHE_TILE, writeFade } from '@stratus/protocol';
import { readJpegBlocks } from '../../src/jpeg/blocks';
import { buildFrame } from '../../src/layer/frame-builder';
import { FadeRect, findFades } from '../../src/layer/live-fade';
import { KeptLooks } from '../../src/layer/tile-looks';
import { area, Rect } from '../../src/layer/damage';
import { LiveCrop, LiveRect } from '../../src/layer/live-crop';
import { TileCache } from '../../src/layer/tile-cache';
import { applyFrame, meanDiff, shownBefore } from './device-model';
import { blend, jpegOf, lumaPlane, picture, rgbaOf, square } from './jpeg-pictures';

const W = 320;
const H = 192;
const T = 64;

function slotsOf(fades: FadeRect[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const f of fades) f.fade.slots.forEach((slot, i) => out.set((f.rect.y / T) * 100 + f.rect.x / T + i, slot));
  return out;
}

describe('orchestrator/layer/live-fade: a cross-fade to a picture the device holds, drawn by the device', () => {
  // Posters' detail (4-px cells) and gradients: every block has some, as a photograph's do.
  const A = picture(W, H, 3, 4);
  const B = picture(W, H, 5, 4);
  const C = picture(W, H, 9, 4);
  const all = new Uint8Array((W / 16) * (H / 16)).fill(1);

  it('finds the weights, the colour and the tiles of a fade through a dark background, and the device draws it within noise', () => {
    const { cache, slots, tiles } = shownBefore([rgbaOf(B, W, H), rgbaOf(A, W, H)]);
    const truth = blend(A, B, 0.3, 0.6, 20);
    const found = findFades(readJpegBlocks(jpegOf(truth, W, H))!, all, new KeptLooks(rgbaOf(A, W, H)), cache);
    expect(found).to.not.equal(null);
    const { fades, covered } = found!;
    // Every tile, as one rectangle per row of tiles, from B's slots (A's are candidates too).
    expect(fades.map((f) => f.rect)).to.deep.equal([0, 1, 2].map((ty) => ({ x: 0, y: ty * T, w: W, h: T })));
    expect([...slotsOf(fades)]).to.deep.equal([...slots[0]]);
    // One set of weights a row: the tiles after the first take its weights.
    for (const { fade: f } of fades) {
      expect(f.keptWeight).to.be.within(0.3 * 255 - 6, 0.3 * 255 + 6);
      expect(f.slotWeight).to.be.within(0.6 * 255 - 6, 0.6 * 255 + 6);
      expect(f.color[0]).to.be.within(5, 35);
    }
    expect([...covered].every((c) => c === 1)).to.equal(true);
    // What the device draws from its kept layer and its tiles is the fade, within a JPEG's noise.
    const frame = buildFrame(rgbaOf(A, W, H), [], { frame: 1, inputSeq: 0, keyframe: false, pngLevel: 1 }, fades.map((g) => ({ rect: g.rect, encoding: ENCODINGS.fade, payload: Buffer.from(writeFade(g.fade)) })));
    const drawn = applyFrame(rgbaOf(A, W, H), frame.message, rgbaOf(A, W, H), tiles);
    expect(meanDiff(drawn, rgbaOf(truth, W, H))).to.be.below(2.5);
    // A fade is 5 bytes and a slot per tile: 3 rectangles, not a picture.
    expect(frame.message.length).to.be.below(200);
  });

  it('finds a plain cross-fade (no colour) with the kept layer at any share', () => {
    const { cache, slots } = shownBefore([rgbaOf(B, W, H), rgbaOf(A, W, H)]);
    for (const share of [0.15, 0.5, 0.85]) {
      const found = findFades(readJpegBlocks(jpegOf(blend(A, B, 1 - share, share, 0), W, H))!, all, new KeptLooks(rgbaOf(A, W, H)), cache);
      expect(found, `share ${share}`).to.not.equal(null);
      expect([...slotsOf(found!.fades)]).to.deep.equal([...slots[0]]);
      const f = found!.fades[0].fade;
      expect(f.slotWeight).to.be.within(share * 255 - 6, share * 255 + 6);
      expect(f.keptWeight + f.slotWeight).to.be.at.least(250);
    }
  });

  it('weighs the fade on the tiles that fade when others show a held picture whole (a row slid back to where it stood)', () => {
    // A backdrop's last frames: two rows of tiles are nearly the picture faded to, the kept one
    // and the dark behind both still showing a little; the third row is the held picture itself,
    // exactly (a row of posters back where it stood when it was shown). Fitted together, the two
    // kinds of tile met half-way, and neither fitted: the frames went whole.
    const { cache, slots } = shownBefore([rgbaOf(B, W, H), rgbaOf(A, W, H)]);
    const faded = blend(A, B, 0.05, 0.9, 14);
    const frame = Buffer.from(faded);
    B.copy(frame, 2 * T * W * 3, 2 * T * W * 3);
    const found = findFades(readJpegBlocks(jpegOf(frame, W, H))!, all, new KeptLooks(rgbaOf(A, W, H)), cache);
    expect(found).to.not.equal(null);
    const fadedRows = found!.fades.filter((f) => f.rect.y < 2 * T);
    expect(fadedRows.map((f) => f.rect)).to.deep.equal([0, 1].map((ty) => ({ x: 0, y: ty * T, w: W, h: T })));
    for (const { fade: f } of fadedRows) {
      expect(f.keptWeight).to.be.within(0.05 * 255 - 6, 0.05 * 255 + 6);
      expect(f.slotWeight).to.be.within(0.9 * 255 - 6, 0.9 * 255 + 6);
    }
    expect(slotsOf(fadedRows).get(0)).to.equal(slots[0].get(0));
  });

  it('finds nothing when the picture faded to is not one the device holds, or the frame is no fade', () => {
    const { cache } = shownBefore([rgbaOf(B, W, H), rgbaOf(A, W, H)]);
    expect(findFades(readJpegBlocks(jpegOf(blend(A, C, 0.4, 0.6, 0), W, H))!, all, new KeptLooks(rgbaOf(A, W, H)), cache)).to.equal(null);
    expect(findFades(readJpegBlocks(jpegOf(C, W, H))!, all, new KeptLooks(rgbaOf(A, W, H)), cache)).to.equal(null);
    // Nothing held at all.
    expect(findFades(readJpegBlocks(jpegOf(blend(A, B, 0.4, 0.6, 0), W, H))!, all, new KeptLooks(rgbaOf(A, W, H)), new TileCache(256, TILE_CACHE_TILE, true))).to.equal(null);
    // A kept layer with no opaque tiles (lossy there: marked transparent) fades nothing.
    const unknown = { width: W, height: H, data: Buffer.alloc(W * H * 4) };
    expect(findFades(readJpegBlocks(jpegOf(blend(A, B, 0.4, 0.6, 0), W, H))!, all, new KeptLooks(unknown), cache)).to.equal(null);
  });

  it('fades the tiles where the picture faded to looks like the kept one scaled, once the other tiles weigh the fade', () => {
    // Smooth corners of two photographs look alike in light, one a scale of the other: such a
    // slot cannot tell a fade from the kept picture alone, so it does not weigh the fade; under
    // the weights the other tiles give, it is the one to fade to there.
    const like = Buffer.from(B);
    for (let y = 0; y < H; y++) for (let i = y * W * 3; i < (y * W + T) * 3; i++) like[i] = Math.round(0.75 * A[i] + 3);
    const { cache, slots } = shownBefore([rgbaOf(like, W, H), rgbaOf(A, W, H)]);
    const found = findFades(readJpegBlocks(jpegOf(blend(A, like, 0.4, 0.6, 0), W, H))!, all, new KeptLooks(rgbaOf(A, W, H)), cache);
    expect(found).to.not.equal(null);
    expect([...slotsOf(found!.fades)]).to.deep.equal([...slots[0]]);
  });

  it('finds a fade between dark, smooth photographs, among many held, from its first frames', () => {
    // Broad waves in each picture's own direction, a faint grain: within a tile every held
    // picture explains the frame with the kept one about as well, so the fit weighs the pictures
    // as each frame drew them, whole.
    const smooth = (seed: number): Buffer => {
      const rgb = Buffer.alloc(W * H * 3);
      const [fx, fy] = [Math.cos(seed * 0.5), Math.sin(seed * 0.5)];
      let v = seed;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const t = (x * fx + y * fy) / 60 + seed;
          v = (v * 1103515245 + 12345) >>> 0;
          const grain = ((v >> 8) & 3) - 1.5;
          const o = (y * W + x) * 3;
          rgb[o] = 34 + 20 * Math.sin(t) + 6 * Math.cos(0.7 * t + seed) + grain;
          rgb[o + 1] = 30 + 18 * Math.sin(t) + grain;
          rgb[o + 2] = 42 + 14 * Math.sin(t) + 8 * Math.cos(0.5 * t) + grain;
        }
      }
      return rgb;
    };
    const pictures = [1, 2, 3, 4, 5, 6].map(smooth);
    const kept = pictures[5];
    const { cache, slots } = shownBefore(pictures.map((p) => rgbaOf(p, W, H)));
    for (const share of [0.15, 0.3, 0.6]) {
      const frame = blend(kept, pictures[2], 0.9 * (1 - share), share, 11);
      const found = findFades(readJpegBlocks(jpegOf(frame, W, H))!, all, new KeptLooks(rgbaOf(kept, W, H)), cache);
      expect(found, `share ${share}`).to.not.equal(null);
      const faded = slotsOf(found!.fades);
      expect([...faded].filter(([spot, slot]) => slots[2].get(spot) === slot).length, `share ${share}`).to.equal(15);
      for (const { fade: f } of found!.fades) expect(f.slotWeight, `share ${share}`).to.be.within(share * 255 - 10, share * 255 + 10);
    }
  });

  it('takes no held tile that only shows the kept picture again, fainter (its own fade-in), for a picture it does not hold', () => {
    // The device was shown A almost faded in over a dark background (a page's first frame on a
    // loaded machine), then A; the page now fades A out and C in over that background (two
    // layers' opacities: A's share falls as a square), and the device does not hold C. The
    // first tiles, a step or two off A's, fit the fade's first frames as a "slot" with the
    // kept layer, though they show nothing but A.
    const { cache } = shownBefore([rgbaOf(blend(A, A, 0.985, 0, 11), W, H), rgbaOf(A, W, H)]);
    for (const share of [0.02, 0.05, 0.1, 0.2]) {
      const frame = blend(A, C, (1 - share) ** 2, share, 11);
      const found = findFades(readJpegBlocks(jpegOf(frame, W, H))!, all, new KeptLooks(rgbaOf(A, W, H)), cache);
      const held = found ? found.fades.filter((f) => f.fade.slotWeight > 0) : [];
      expect(held, `share ${share}`).to.deep.equal([]);
    }
  });

  it('counts a held picture as shown only where its tile is no scale and shift of the kept one', () => {
    // The device's first frame caught the page loading: B's posters in the two left columns,
    // A fading in elsewhere; then A. A fade back to B on the left is weighed on B's tiles; on
    // the right, where the frame is still A, the same frame's tiles (A again, fainter) fit under
    // those weights too, and draw A: the device draws the frame, but no held picture shows there.
    const loading = Buffer.from(blend(A, A, 0.985, 0, 11));
    const frame = Buffer.from(A);
    const halfway = blend(A, B, 0.5, 0.5, 0);
    for (let y = 0; y < H; y++) {
      B.copy(loading, y * W * 3, y * W * 3, (y * W + 2 * T) * 3);
      halfway.copy(frame, y * W * 3, y * W * 3, (y * W + 2 * T) * 3);
    }
    const { cache, tiles } = shownBefore([rgbaOf(loading, W, H), rgbaOf(A, W, H)]);
    const found = findFades(readJpegBlocks(jpegOf(frame, W, H))!, all, new KeptLooks(rgbaOf(A, W, H)), cache);
    expect(found).to.not.equal(null);
    const weighted = found!.fades.filter((f) => f.fade.slotWeight >= 64);
    expect(weighted.reduce((n, f) => n + f.fade.slots.length, 0)).to.equal(15);
    expect(found!.fades.reduce((n, f) => n + f.held, 0)).to.equal(6);
    // And the device draws the frame from them.
    const built = buildFrame(rgbaOf(A, W, H), [], { frame: 1, inputSeq: 0, keyframe: false, pngLevel: 1 }, found!.fades.map((g) => ({ rect: g.rect, encoding: ENCODINGS.fade, payload: Buffer.from(writeFade(g.fade)) })));
    expect(meanDiff(applyFrame(rgbaOf(A, W, H), built.message, rgbaOf(A, W, H), tiles), rgbaOf(frame, W, H))).to.be.below(2.5);
  });

  it('leaves out a tile with a caption drawn over the fade, which goes as a JPEG crop of the frame', () => {
    const { cache, tiles } = shownBefore([rgbaOf(B, W, H), rgbaOf(A, W, H)]);
    // White text-like bars over the middle tile of the middle row.
    let captioned = blend(A, B, 0.5, 0.5, 0);
    for (let y = 72; y < 120; y += 12) captioned = square(captioned, W, 136, y, 48, 5, 255);
    const crop = new LiveCrop();
    crop.observe(jpegOf(A, W, H), 1000);
    crop.start(rgbaOf(A, W, H));
    const basis = { kept: new KeptLooks(rgbaOf(A, W, H)), sources: cache };
    // The motion's first frame (weighed for fades too: the next test), then the captioned one.
    crop.next(jpegOf(blend(A, B, 0.9, 0.1, 0), W, H), W, H, false, 1500, basis);
    const rects = crop.next(jpegOf(captioned, W, H), W, H, false, 2000, basis);
    const fades = rects.filter((r): r is FadeRect => 'fade' in r);
    const jpegs = rects.filter((r) => 'jpeg' in r);
    expect(slotsOf(fades).size).to.equal(14);
    expect(slotsOf(fades).has(102)).to.equal(false);
    expect(jpegs.map((r) => r.rect)).to.deep.equal([{ x: 128, y: 64, w: 64, h: 64 }]);
    // Fades come first: the crop paints over them.
    expect('fade' in rects[0]).to.equal(true);
    expect(tiles.size).to.equal(30);
  });

  it("a motion's first frame is faded too, from the layer it keeps, and the device draws it within noise", () => {
    const { cache, tiles } = shownBefore([rgbaOf(B, W, H), rgbaOf(A, W, H)]);
    const crop = new LiveCrop();
    crop.observe(jpegOf(A, W, H), 1000);
    crop.start(rgbaOf(A, W, H));
    const basis = { kept: new KeptLooks(rgbaOf(A, W, H)), sources: cache };
    const truth = blend(A, B, 0.7, 0.3, 0);
    const first = crop.next(jpegOf(truth, W, H), W, H, false, 2000, basis);
    expect(first.every((r) => 'fade' in r)).to.equal(true);
    expect(slotsOf(first as FadeRect[]).size).to.equal(15);
    // The device keeps A (the frame's keep flag), then draws the fades from it and B's tiles.
    const device = rgbaOf(A, W, H);
    const frame = buildFrame(device, [], { frame: 2, inputSeq: 0, keyframe: false, keep: true, pngLevel: 1 }, (first as FadeRect[]).map((r) => ({ rect: r.rect, encoding: ENCODINGS.fade, payload: Buffer.from(writeFade(r.fade)) })));
    const shown = applyFrame(device, frame.message, rgbaOf(A, W, H), tiles);
    expect(meanDiff(shown, rgbaOf(truth, W, H))).to.be.below(2.5);
    const next = crop.next(jpegOf(blend(A, B, 0.4, 0.6, 0), W, H), W, H, false, 2040, basis);
    expect(next.every((r) => 'fade' in r)).to.equal(true);
    expect(slotsOf(next as FadeRect[]).size).to.equal(15);
  });

  it('stops looking for fades in a motion after two frames in a row that none explained, until the next motion', () => {
    const { cache } = shownBefore([rgbaOf(B, W, H), rgbaOf(A, W, H)]);
    const crop = new LiveCrop();
    const basis = { kept: new KeptLooks(rgbaOf(A, W, H)), sources: cache };
    crop.observe(jpegOf(A, W, H), 1000);
    crop.start(rgbaOf(A, W, H));
    crop.next(jpegOf(blend(A, C, 0.9, 0.1, 0), W, H), W, H, false, 1500, basis);
    // Towards C, which the device does not hold: no fade, twice.
    for (const share of [0.3, 0.5]) expect(crop.next(jpegOf(blend(A, C, 1 - share, share, 0), W, H), W, H, false, 2000, basis).some((r) => 'fade' in r)).to.equal(false);
    // Then a frame a fade would explain is no longer looked at.
    expect(crop.next(jpegOf(blend(A, B, 0.4, 0.6, 0), W, H), W, H, false, 2080, basis).some((r) => 'fade' in r)).to.equal(false);
    crop.observe(jpegOf(A, W, H), 3000);
    crop.start(rgbaOf(A, W, H));
    crop.next(jpegOf(blend(A, B, 0.9, 0.1, 0), W, H), W, H, false, 3500, basis);
    expect(crop.next(jpegOf(blend(A, B, 0.4, 0.6, 0), W, H), W, H, false, 4000, basis).every((r) => 'fade' in r)).to.equal(true);
  });

  it('copies a row that slides beside a fade (a carousel under its backdrop) and sends only what scrolled in', () => {
    // Two rows of tiles fade from A to B (held); below them a row of posters slides left.
    const posters = picture(W + 96, T, 31, 4);
    const frame = (offset: number, share: number): Buffer => {
      const rgb = blend(A, B, 1 - share, share, 0);
      for (let y = 0; y < T; y++) posters.copy(rgb, ((2 * T + y) * W) * 3, (y * (W + 96) + offset) * 3, (y * (W + 96) + offset + W) * 3);
      return rgb;
    };
    const kept = rgbaOf(frame(0, 0), W, H);
    const { cache } = shownBefore([rgbaOf(frame(48, 1), W, H), kept]);
    const basis = { kept: new KeptLooks(kept), sources: cache };
    const second = (scroll: boolean): { rects: LiveRect[]; first: Buffer; truth: Buffer } => {
      const crop = new LiveCrop();
      crop.observe(jpegOf(frame(0, 0), W, H), 1000);
      crop.start(kept);
      const first = jpegOf(frame(8, 0.1), W, H);
      crop.next(first, W, H, scroll, 1500, basis);
      const truth = jpegOf(frame(16, 0.4), W, H);
      return { rects: crop.next(truth, W, H, scroll, 2000, basis), first, truth };
    };
    const { rects, first, truth } = second(true);
    const copies = rects.filter((r) => 'copy' in r) as { rect: Rect; copy: { sx: number; sy: number } }[];
    expect(copies.length).to.equal(1);
    const c = copies[0];
    // The posters moved 8 px left: each pixel comes from 8 px to its right, in the row's band.
    expect(c.rect.y).to.be.at.least(2 * T);
    expect(c.copy.sx - c.rect.x).to.equal(8);
    expect(c.copy.sy).to.equal(c.rect.y);
    expect(slotsOf(rects.filter((r): r is FadeRect => 'fade' in r)).size).to.equal(10);
    const jpegs = rects.filter((r) => 'jpeg' in r) as { rect: Rect; jpeg: Buffer }[];
    expect(area(jpegs.map((r) => r.rect))).to.be.below((W * T) / 3);
    // The device's row (the first frame's, copied, then the crops) is the new frame's within noise.
    const dev = lumaPlane(first);
    const out = Buffer.from(dev);
    for (let y = 0; y < c.rect.h; y++) dev.copy(out, (c.rect.y + y) * W + c.rect.x, (c.copy.sy + y) * W + c.copy.sx, (c.copy.sy + y) * W + c.copy.sx + c.rect.w);
    for (const r of jpegs) {
      const part = lumaPlane(r.jpeg);
      for (let y = 0; y < r.rect.h; y++) part.copy(out, (r.rect.y + y) * W + r.rect.x, y * r.rect.w, (y + 1) * r.rect.w);
    }
    const want = lumaPlane(truth);
    let sum = 0;
    for (let i = 2 * T * W; i < H * W; i++) sum += Math.abs(out[i] - want[i]);
    expect(sum / (T * W)).to.be.below(4);
    // A device that cannot copy gets the row as JPEG.
    const plain = second(false).rects;
    expect(plain.some((r) => 'copy' in r)).to.equal(false);
    expect(area(plain.filter((r) => 'jpeg' in r).map((r) => r.rect))).to.be.at.least(W * T * 0.75);
  });

  it('copies a row beside a fade that slides while a poster in it grows, and sends the poster as JPEG', () => {
    // As above, but the row's second and third posters change as it moves (the focused one
    // growing, the one before shrinking): two fifths of the row match no shift.
    const posters = picture(W + 96, T, 31, 4);
    const frame = (offset: number, share: number, grow: number): Buffer => {
      const rgb = blend(A, B, 1 - share, share, 0);
      for (let y = 0; y < T; y++) posters.copy(rgb, ((2 * T + y) * W) * 3, (y * (W + 96) + offset) * 3, (y * (W + 96) + offset + W) * 3);
      const grown = picture(2 * T, T, 50 + grow, 3);
      for (let y = 0; y < T; y++) grown.copy(rgb, ((2 * T + y) * W + T) * 3, y * 2 * T * 3, (y + 1) * 2 * T * 3);
      return rgb;
    };
    const kept = rgbaOf(frame(0, 0, 0), W, H);
    const { cache } = shownBefore([rgbaOf(frame(48, 1, 0), W, H), kept]);
    const basis = { kept: new KeptLooks(kept), sources: cache };
    const crop = new LiveCrop();
    crop.observe(jpegOf(frame(0, 0, 0), W, H), 1000);
    crop.start(kept);
    crop.next(jpegOf(frame(8, 0.1, 1), W, H), W, H, true, 1500, basis);
    const rects = crop.next(jpegOf(frame(16, 0.4, 2), W, H), W, H, true, 2000, basis);
    const copies = rects.filter((r) => 'copy' in r) as { rect: Rect; copy: { sx: number; sy: number } }[];
    expect(copies.length).to.equal(1);
    expect(copies[0].rect.y).to.be.at.least(2 * T);
    expect(copies[0].copy.sx - copies[0].rect.x).to.equal(8);
    // The grown posters go as JPEG over the copy; the rest of the row is copied.
    const jpegs = (rects.filter((r) => 'jpeg' in r) as { rect: Rect }[]).map((r) => r.rect).filter((r) => r.y + r.h > 2 * T);
    expect(area(jpegs)).to.be.at.least(2 * T * T);
    expect(area(jpegs)).to.be.below(0.75 * W * T);
  });

  it('copies a scroll that brings pictures the device holds into a few tiles: their fades do not pre-empt the copy', () => {
    // A grid of thumbnails scrolling up 8 px a frame, 5 x 5 tiles. The device was shown the top
    // two rows of tiles of the second frame before (thumbnails that come back), nothing else of it.
    const S = 5 * T;
    const tall = picture(S, S + 64, 41, 4);
    const frame = (offset: number): Buffer => Buffer.from(tall.subarray(offset * S * 3, (offset + S) * S * 3));
    const kept = rgbaOf(frame(0), S, S);
    const cache = new TileCache(256, TILE_CACHE_TILE, true);
    cache.plan(rgbaOf(frame(16), S, S), [{ x: 0, y: 0, w: S, h: 2 * T }]);
    cache.plan(kept, [{ x: 0, y: 0, w: S, h: S }]);
    const basis = { kept: new KeptLooks(kept), sources: cache };
    // The held rows alone are a fade the device could draw.
    const b = readJpegBlocks(jpegOf(frame(16), S, S))!;
    const found = findFades(b, new Uint8Array(b.mcusX * b.mcusY).fill(1), basis.kept, cache);
    expect(found?.fades.map((f) => f.rect)).to.deep.equal([0, 1].map((ty) => ({ x: 0, y: ty * T, w: S, h: T })));
    const crop = new LiveCrop();
    crop.observe(jpegOf(frame(0), S, S), 1000);
    crop.start(kept);
    crop.next(jpegOf(frame(8), S, S), S, S, true, 1500, basis);
    const rects = crop.next(jpegOf(frame(16), S, S), S, S, true, 2000, basis);
    const copies = rects.filter((r) => 'copy' in r) as { rect: Rect; copy: { sx: number; sy: number } }[];
    expect(copies.length, JSON.stringify(rects.map((r) => r.rect))).to.equal(1);
    expect(copies[0].copy.sy - copies[0].rect.y).to.equal(8);
    expect(copies[0].rect.h).to.be.at.least(S - 32);
    expect(rects.some((r) => 'fade' in r)).to.equal(false);
    // What the copy leaves: the strip that came in at the bottom, and JPEG noise here and there.
    expect(area((rects.filter((r) => 'jpeg' in r) as { rect: Rect }[]).map((r) => r.rect))).to.be.below((S * S) / 4);
  });

  it('the tile cache offers, per grid place, the slots drawn there, newest first, and forgets them with a keyframe', () => {
    const { cache, slots } = shownBefore([rgbaOf(B, W, H), rgbaOf(A, W, H), rgbaOf(C, W, H)]);
    expect(cache.fadeCandidates(1, 2).map((c) => c.slot)).to.deep.equal([slots[2].get(201), slots[1].get(201), slots[0].get(201)]);
    expect(cache.fadeCandidates(1, 2)[0].look.y.length).to.equal(64);
    // B shown again, from the cache: its slots come first again.
    const again = cache.plan(rgbaOf(B, W, H), [{ x: 0, y: 0, w: W, h: H }]);
    expect(again.stash).to.deep.equal([]);
    expect(cache.fadeCandidates(1, 2)[0].slot).to.equal(slots[0].get(201));
    // The frame that drew a picture is the same at all its places, and another picture's is not.
    const drawn = (tx: number, ty: number): number[] => cache.fadeCandidates(tx, ty).map((c) => c.drawn);
    expect(drawn(0, 0)).to.deep.equal(drawn(4, 2));
    expect(new Set(drawn(1, 2)).size).to.equal(3);
    cache.reset();
    expect(cache.fadeCandidates(1, 2)).to.deep.equal([]);
    // A device that draws no fades: nothing is weighed for them.
    const plain = new TileCache(256);
    plain.plan(rgbaOf(B, W, H), [{ x: 0, y: 0, w: W, h: H }]);
    expect(plain.size).to.equal(15);
    expect(plain.fadeCandidates(1, 2)).to.deep.equal([]);
  });
});
