import { Rgba } from '../png/decode';
import { JpegBlocks } from './blocks';

/*
 * What two frames' coefficients say about each other, and a frame's about an exact layer, without
 * a DCT: the comparisons a live frame is cut by (layer/live-crop.ts).
 */

/** Same size, sampling and quantisation: coefficients of the two compare one to one. */
export function sameGeometry(a: JpegBlocks, b: JpegBlocks): boolean {
  if (a.width !== b.width || a.height !== b.height || a.comps.length !== b.comps.length) return false;
  for (let i = 0; i < a.comps.length; i++) {
    const p = a.comps[i];
    const q = b.comps[i];
    if (p.h !== q.h || p.v !== q.v || p.tq !== q.tq) return false;
  }
  // Coefficients are quantised: equal ones mean equal pixels only under the same tables.
  return a.dqt.length === b.dqt.length && a.dqt.every((t, i) => t.equals(b.dqt[i]));
}

/** 1 for each MCU (row-major) whose coefficients differ between `a` and `b` (same geometry). */
export function changedMcus(a: JpegBlocks, b: JpegBlocks): Uint8Array {
  const dirty = new Uint8Array(b.mcusX * b.mcusY);
  for (let ci = 0; ci < b.comps.length; ci++) {
    const p = a.comps[ci];
    const q = b.comps[ci];
    const { h, v, bw } = q;
    for (let my = 0; my < b.mcusY; my++) {
      for (let mx = 0; mx < b.mcusX; mx++) {
        const m = my * b.mcusX + mx;
        if (dirty[m]) continue;
        blocks: for (let y = 0; y < v; y++) {
          for (let x = 0; x < h; x++) {
            const block = (my * v + y) * bw + mx * h + x;
            const end = q.ends[block];
            // Blocks that end at different coefficients differ; past the end both hold zeros.
            if (p.ends[block] !== end) {
              dirty[m] = 1;
              break blocks;
            }
            for (let k = block * 64; k < block * 64 + end; k++) {
              if (p.coeffs[k] !== q.coeffs[k]) {
                dirty[m] = 1;
                break blocks;
              }
            }
          }
        }
      }
    }
  }
  return dirty;
}

/**
 * Quantised DC steps a block's mean may be off by and still be the same picture: the encoder's
 * fixed-point colour conversion against this one's, and rounding (measured: at most 1 on a
 * screencast frame of the exact layer it shows).
 */
const DC_SLACK = 2;

/** Every whole 8×8 luma block of `blocks` has the mean luma of the same pixels of `layer` (opaque). */
export function lumaMatches(blocks: JpegBlocks, layer: Rgba): boolean {
  const y = blocks.comps[0];
  const step = blocks.quant[y.tq]?.[0];
  if (!step) return false;
  const { data, width } = layer;
  const cols = Math.floor(layer.width / 8);
  const rows = Math.floor(layer.height / 8);
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < cols; bx++) {
      let sum = 0;
      for (let j = 0; j < 8; j++) {
        let o = ((by * 8 + j) * width + bx * 8) * 4;
        for (let i = 0; i < 8; i++, o += 4) sum += 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2];
      }
      // The DCT's DC term is an eighth of the block's sum, level-shifted by 128.
      const dc = Math.round((sum - 64 * 128) / 8 / step);
      if (Math.abs(dc - y.coeffs[(by * y.bw + bx) * 64]) > DC_SLACK) return false;
    }
  }
  return true;
}
