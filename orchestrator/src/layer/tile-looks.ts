import { TILE_CACHE_TILE } from '@stratus/protocol';
import { JpegBlocks } from '../jpeg/blocks';
import { Rgba } from '../png/decode';
import { pixelWords } from './window-hash';

/**
 * What fades are weighed on (live-fade.ts): a tile's 8×8 block means, which a screencast JPEG
 * carries as its DC coefficients, and the same made from a layer's pixels.
 */

const T = TILE_CACHE_TILE;
/** 8×8 blocks per tile. */
const BLOCKS = (T / 8) * (T / 8);
/** 16×16 cells per tile: the colour means' grain, a subsampled JPEG's (4:2:0, as screencasts are). */
const CELLS = (T / 16) * (T / 16);

/** A whole opaque tile's means in reading order: luma by 8×8 block, the two colour differences by 16×16 cell. */
export interface TileLook {
  y: Float32Array;
  cb: Float32Array;
  cr: Float32Array;
}

/**
 * The block means of the whole tile at (x, y) of `img` (`px`: its pixels as words, pixelWords());
 * null when it is not whole and opaque. Channels are summed per block and converted once (the
 * conversion is linear): this runs for every tile of a layer at a motion's first frame.
 */
export function tileLook(img: Rgba, x: number, y: number, px: Uint32Array = pixelWords(img)): TileLook | null {
  if (x + T > img.width || y + T > img.height) return null;
  const per = T / 8;
  const sums = new Float64Array(BLOCKS * 3);
  for (let row = 0; row < T; row++) {
    let o = (y + row) * img.width + x;
    const b0 = (row >> 3) * per * 3;
    for (let col = 0; col < T; col++, o++) {
      const v = px[o];
      // Little-endian words: alpha is the top byte.
      if (v >>> 24 !== 255) return null;
      const b = b0 + (col >> 3) * 3;
      sums[b] += v & 255;
      sums[b + 1] += (v >>> 8) & 255;
      sums[b + 2] += (v >>> 16) & 255;
    }
  }
  const look = { y: new Float32Array(BLOCKS), cb: new Float32Array(CELLS), cr: new Float32Array(CELLS) };
  for (let b = 0; b < BLOCKS; b++) {
    const r = sums[b * 3] / 64;
    const g = sums[b * 3 + 1] / 64;
    const bl = sums[b * 3 + 2] / 64;
    // JFIF's conversion, as the screencast's encoder makes it; a cell's colour is its 4 blocks' mean.
    look.y[b] = 0.299 * r + 0.587 * g + 0.114 * bl;
    const c = ((b / per) >> 1) * (per >> 1) + ((b % per) >> 1);
    look.cb[c] += (-0.168736 * r - 0.331264 * g + 0.5 * bl) / 4;
    look.cr[c] += (0.5 * r - 0.418688 * g - 0.081312 * bl) / 4;
  }
  for (let c = 0; c < CELLS; c++) {
    look.cb[c] += 128;
    look.cr[c] += 128;
  }
  return look;
}

/**
 * The same means of a screencast frame's tile, from its DC coefficients: luma blocks are 8×8; a
 * colour cell is the mean of the colour blocks in it (one of a 4:2:0 frame, four of a 4:4:4 one).
 */
export function frameLook(b: JpegBlocks, tx: number, ty: number): TileLook {
  const look = { y: new Float32Array(BLOCKS), cb: new Float32Array(CELLS), cr: new Float32Array(CELLS) };
  const hMax = b.mcuW / 8;
  const vMax = b.mcuH / 8;
  const planes = [look.y, look.cb, look.cr];
  for (let ci = 0; ci < 3; ci++) {
    const c = b.comps[ci];
    const step = b.quant[c.tq][0];
    const out = planes[ci];
    // The plane's grain in pixels (8 or 16), and its blocks' size in pixels, across and down.
    const grain = ci === 0 ? 8 : 16;
    const bx = (8 * hMax) / c.h;
    const by = (8 * vMax) / c.v;
    const across = T / grain;
    for (let j = 0; j < across; j++) {
      for (let i = 0; i < across; i++) {
        const x0 = tx * T + i * grain;
        const y0 = ty * T + j * grain;
        let sum = 0;
        let n = 0;
        for (let y = y0; y < y0 + grain; y += by) {
          for (let x = x0; x < x0 + grain; x += bx) {
            sum += c.coeffs[(Math.floor(y / by) * c.bw + Math.floor(x / bx)) * 64];
            n++;
          }
        }
        // The DC term is an eighth of the block's sum, level-shifted by 128.
        out[j * across + i] = ((sum / n) * step) / 8 + 128;
      }
    }
  }
  return look;
}

/**
 * The kept layer's tile looks, made as asked (a motion asks for the same ones frame after frame):
 * one per kept layer, made when the layer is kept. Looks once cached by the layer's pixel buffer
 * went stale: the orchestrator reuses a layer's buffer for a later layer (layer-copies.ts), and a
 * motion kept in a reused buffer was weighed against an earlier motion's layer, so that on a
 * carousel going back no tile fitted and every frame went whole.
 */
export class KeptLooks {
  private readonly px: Uint32Array;
  private readonly looks: (TileLook | null)[] = [];
  private readonly tilesX: number;

  constructor(readonly layer: Rgba) {
    this.px = pixelWords(layer);
    this.tilesX = Math.floor(layer.width / T);
  }

  /** The look of grid tile (tx, ty), or null when it is not whole and opaque. */
  at(tx: number, ty: number): TileLook | null {
    const i = ty * this.tilesX + tx;
    let look = this.looks[i];
    if (look === undefined) look = this.looks[i] = tileLook(this.layer, tx * T, ty * T, this.px);
    return look;
  }

  /**
   * Makes every tile's look now: a motion's second frame may need them all, and the page takes
   * longer to paint it than this takes (called once the motion's first frame has gone).
   */
  prepare(): void {
    for (let ty = 0; ty < Math.floor(this.layer.height / T); ty++) for (let tx = 0; tx < this.tilesX; tx++) this.at(tx, ty);
  }
}
