import { expect } from 'chai';
import { readJpegBlocks } from '../../src/jpeg/blocks';
import { cropJpeg } from '../../src/jpeg/crop';
import { lumaLines } from '../../src/jpeg/luma';
import { optimalSpec } from '../../src/jpeg/huffman';
import { bounds, Rect } from '../../src/layer/damage';
import { LiveCrop } from '../../src/layer/live-crop';
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

  it('reads a frame into the arrays of one nothing reads any more: the same coefficients as read anew, and the old one left empty', () => {
    // A busy picture first (many coefficients not 0), then a flat one: none of the first may stay.
    const busy = readJpegBlocks(jpeg)!;
    const arrays = busy.comps.map((c) => c.coeffs);
    const flat = jpegOf(square(Buffer.alloc(W * H * 3, 0x80), W, 10, 10, 60, 60, 240), W, H);
    const fresh = readJpegBlocks(flat)!;
    const reused = readJpegBlocks(flat, busy)!;
    reused.comps.forEach((c, i) => {
      expect(c.coeffs).to.equal(arrays[i]);
      expect(Buffer.from(c.coeffs.buffer, c.coeffs.byteOffset, c.coeffs.byteLength).equals(Buffer.from(fresh.comps[i].coeffs.buffer))).to.equal(true);
      expect(Buffer.from(c.ends).equals(Buffer.from(fresh.comps[i].ends))).to.equal(true);
    });
    expect(busy.comps.map((c) => c.coeffs.length + c.ends.length)).to.deep.equal([0, 0, 0]);
    expect(luma(cropJpeg(reused, { x: 0, y: 0, w: reused.mcusX, h: reused.mcusY })).equals(luma(flat))).to.equal(true);
    // Arrays of another geometry are not taken over: the frame gets its own.
    const small = readJpegBlocks(jpegOf(picture(160, 96, 3), 160, 96), reused)!;
    expect(small.comps[0].coeffs).to.not.equal(arrays[0]);
    expect(small.comps[0].coeffs.length).to.equal(small.comps[0].bw * small.comps[0].bh * 64);
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
