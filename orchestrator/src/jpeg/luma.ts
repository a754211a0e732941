import { JpegBlocks } from './blocks';

/**
 * The luma of a JPEG read to its coefficients (blocks.ts), on lines through its blocks: what a
 * decoder shows there, to within its rounding, for comparing frames by pixels (a scroll's
 * distance) rather than by blocks. Luma only: it is never resampled, and a move shows in it as
 * well as in colour.
 */

/** Zigzag position k → natural (row-major) index in the 8×8 block. */
const NATURAL = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57,
  50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63
]);

/** cos((2x + 1) u π / 16) × C(u) / 2, by [u * 8 + x]. */
const BASIS = Float64Array.from({ length: 64 }, (_, i) => {
  const u = i >> 3;
  const x = i & 7;
  return (Math.cos(((2 * x + 1) * u * Math.PI) / 16) * (u === 0 ? Math.SQRT1_2 : 1)) / 2;
});

/**
 * The line of each block the luma is computed on: one inside the block, where two encodings of
 * the same content differ least (at the block's edge, blocking differs most: sampling column 0
 * made a scroll's residual 13 % larger).
 */
export const SAMPLED_LINE = 4;

/** The direction lines run in: 'x' (a row of each block) or 'y' (a column of each block). */
export type Along = 'x' | 'y';

/**
 * Per zigzag position and direction: the frequency along the line that its first pass sums into
 * (u for 'x', v for 'y'), and the basis weight of the frequency across it at SAMPLED_LINE.
 */
const LINE: Record<Along, Uint8Array> = {
  x: Uint8Array.from(NATURAL, (n) => n & 7),
  y: Uint8Array.from(NATURAL, (n) => n >> 3)
};
const WEIGHT: Record<Along, Float64Array> = {
  x: Float64Array.from(NATURAL, (n) => BASIS[(n >> 3) * 8 + SAMPLED_LINE]),
  y: Float64Array.from(NATURAL, (n) => BASIS[(n & 7) * 8 + SAMPLED_LINE])
};

/**
 * The 8-bit luma of `r` (in 8×8 blocks, clipped to the picture) on one line per block across
 * `along`, through its pixel SAMPLED_LINE: for 'x', row SAMPLED_LINE of each block row, r.w * 8
 * long, r.h lines; for 'y', column SAMPLED_LINE of each block column, r.h * 8 long, r.w lines.
 * Lines follow each other (line n at n * length): a search along the axis reads them in order.
 * A search along one axis needs no more (it samples every eighth line across it), and the inverse
 * DCT of one line of a block costs an eighth of the whole.
 */
export function lumaLines(blocks: JpegBlocks, r: { x: number; y: number; w: number; h: number }, along: Along): Uint8Array {
  const c = blocks.comps[0];
  const q = blocks.quant[c.tq];
  if (!q) throw new Error('JPEG without the luma quantisation table');
  const length = (along === 'x' ? r.w : r.h) * 8;
  const out = new Uint8Array(length * (along === 'x' ? r.h : r.w));
  const lineOf = LINE[along];
  const weight = WEIGHT[along];
  // tmp[l]: the first pass's sum for frequency l along the line.
  const tmp = new Float64Array(8);
  for (let by = r.y; by < r.y + r.h; by++) {
    for (let bx = r.x; bx < r.x + r.w; bx++) {
      const base = (by * c.bw + bx) * 64;
      const end = c.ends[base >> 6];
      const start = along === 'x' ? (by - r.y) * length + (bx - r.x) * 8 : (bx - r.x) * length + (by - r.y) * 8;
      if (end <= 1) {
        // Flat: the DC alone (most blocks of a UI).
        const v = clamp((c.coeffs[base] * q[0]) / 8 + 128);
        for (let p = 0; p < 8; p++) out[start + p] = v;
        continue;
      }
      // Frequencies along the line that hold a coefficient: the others add nothing.
      let lines = 0;
      tmp.fill(0);
      for (let k = 0; k < end; k++) {
        const v = c.coeffs[base + k];
        if (v === 0) continue;
        const l = lineOf[k];
        lines |= 1 << l;
        tmp[l] += v * q[k] * weight[k];
      }
      for (let p = 0; p < 8; p++) {
        let s = 0;
        for (let l = 0; l < 8; l++) if ((lines & (1 << l)) !== 0) s += tmp[l] * BASIS[l * 8 + p];
        out[start + p] = clamp(s + 128);
      }
    }
  }
  return out;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
