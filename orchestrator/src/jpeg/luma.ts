import { JpegBlocks } from './blocks';

/**
 * The luma plane of a JPEG read to its coefficients (blocks.ts): what a decoder shows, to within
 * its rounding, for comparing frames by pixels (a scroll's distance) rather than by blocks. Luma
 * only: it is never resampled, and a move shows in it as well as in colour.
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
 * Which pixels of each 8×8 block are computed: all of them, or only its column SAMPLED_LINE
 * ('cols') or its row SAMPLED_LINE ('rows'). A search along one axis that samples every eighth
 * line across it needs no more, and the inverse DCT of one line of a block costs an eighth of the
 * whole.
 */
export type LumaSample = 'all' | 'cols' | 'rows';

/**
 * The line of each block a sampled luma holds: one inside the block, where two encodings of the
 * same content differ least (at the block's edge, blocking differs most: sampling column 0 made a
 * scroll's residual 13 % larger).
 */
export const SAMPLED_LINE = 4;

const EVERY = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
const ONE = Uint8Array.from([SAMPLED_LINE]);

/**
 * The 8-bit luma of `r` (in 8×8 blocks, clipped to the picture), row-major, width r.w * 8. With
 * `sample` other than 'all', only the pixels it names are certain: the others are 0, or the
 * block's value where it is flat.
 */
export function lumaOf(blocks: JpegBlocks, r: { x: number; y: number; w: number; h: number }, sample: LumaSample = 'all'): Uint8Array {
  const c = blocks.comps[0];
  const q = blocks.quant[c.tq];
  if (!q) throw new Error('JPEG without the luma quantisation table');
  const width = r.w * 8;
  const out = new Uint8Array(width * r.h * 8);
  // The first pass sums along u (x) for 'all' and 'cols', along v (y) for 'rows', for the `kept`
  // positions only; the second sums the other way for every position of the kept lines.
  const byRows = sample === 'rows';
  const kept = sample === 'all' ? EVERY : ONE;
  const nk = kept.length;
  const pos = new Uint8Array(64);
  const val = new Float64Array(64);
  // tmp[line * 8 + j]: line is the coefficient index the second pass sums over, j the kept position.
  const tmp = new Float64Array(64);
  const live = new Uint8Array(8);
  for (let by = r.y; by < r.y + r.h; by++) {
    for (let bx = r.x; bx < r.x + r.w; bx++) {
      const base = (by * c.bw + bx) * 64;
      let nnz = 0;
      // Lines that hold a coefficient: the others add nothing to the first pass.
      let lines = 0;
      const end = c.ends[base >> 6];
      for (let k = 0; k < end; k++) {
        const v = c.coeffs[base + k];
        if (v !== 0) {
          const n = NATURAL[k];
          pos[nnz] = n;
          val[nnz++] = v * q[k];
          lines |= 1 << (byRows ? n & 7 : n >> 3);
        }
      }
      const ox = (bx - r.x) * 8;
      const oy = (by - r.y) * 8;
      if (nnz === 0 || (nnz === 1 && pos[0] === 0)) {
        // Flat: the DC alone (most blocks of a UI).
        const v = clamp((nnz === 0 ? 0 : val[0]) / 8 + 128);
        for (let y = 0; y < 8; y++) out.fill(v, (oy + y) * width + ox, (oy + y) * width + ox + 8);
        continue;
      }
      let ls = 0;
      for (let l = 0; l < 8; l++) {
        if ((lines & (1 << l)) === 0) continue;
        live[ls++] = l;
        tmp.fill(0, l * 8, l * 8 + 8);
      }
      // First pass, coefficient by coefficient: a block holds a handful.
      for (let i = 0; i < nnz; i++) {
        const n = pos[i];
        // 'rows': lines are columns u, summed along v; otherwise lines are rows v, summed along u.
        const line = (byRows ? n & 7 : n >> 3) * 8;
        const f8 = (byRows ? n >> 3 : n & 7) * 8;
        const f = val[i];
        for (let j = 0; j < nk; j++) tmp[line + j] += f * BASIS[f8 + kept[j]];
      }
      // Each kept line, position by position along it: a row y of the block ('rows'), else a column x.
      for (let j = 0; j < nk; j++) {
        for (let p = 0; p < 8; p++) {
          let s = 0;
          for (let i = 0; i < ls; i++) {
            const l = live[i];
            s += tmp[l * 8 + j] * BASIS[l * 8 + p];
          }
          out[byRows ? (oy + kept[j]) * width + ox + p : (oy + p) * width + ox + kept[j]] = clamp(s + 128);
        }
      }
    }
  }
  return out;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
