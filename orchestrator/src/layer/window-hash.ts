import { Rgba } from '../png/decode';
import { Rect } from './damage';

/**
 * Rolling hashes of square windows of a layer, at every pixel position: how the tile cache finds a
 * tile it holds where the content moved to (a poster that scrolled by 37 px, a thumbnail shown in
 * another row), as rsync finds a block at any offset. A window's hash is polynomial: each of its
 * rows hashed along x with one multiplier, the row hashes along y with another, all mod 2^32, so
 * moving the window by a pixel costs two multiplications, not a rehash. Equal hashes are only
 * candidates: the caller confirms with the tile's strong hash.
 *
 * Each pixel is scrambled first. A sum of pixels times powers mod 2^32 is linear: pixels made by a
 * linear recurrence mod 2^32 (the unit tests' generated pictures) made most windows of a frame
 * share a few hashes, and every one of them cost a weighing (400 ms a 720p frame).
 */

/** Odd multipliers: along a row, and across rows. */
const ALONG = 0x01000193;
const ACROSS = 0x5bd1e995;

/** A pixel word scrambled (murmur3's finaliser): nothing linear in the pixels survives it. */
function mix(v: number): number {
  v ^= v >>> 16;
  v = Math.imul(v, 0x85ebca6b);
  v ^= v >>> 13;
  v = Math.imul(v, 0xc2b2ae35);
  return v ^ (v >>> 16);
}

/** `m` to the power `e`, mod 2^32. */
function power(m: number, e: number): number {
  let r = 1;
  for (let i = 0; i < e; i++) r = Math.imul(r, m);
  return r;
}

/** The layer's pixels as 32-bit words, without copying when the buffer is aligned. */
export function pixelWords(img: Rgba): Uint32Array {
  const d = img.data;
  if (d.byteOffset % 4 === 0) return new Uint32Array(d.buffer, d.byteOffset, d.length >> 2);
  return new Uint32Array(new Uint8Array(d).buffer);
}

/** The hash of the n×n window of `px` (rows of `width` words) whose top-left is (x, y). */
export function windowHash(px: Uint32Array, width: number, x: number, y: number, n: number): number {
  let h = 0;
  for (let j = 0; j < n; j++) {
    let r = 0;
    const o = (y + j) * width + x;
    for (let i = 0; i < n; i++) r = (Math.imul(r, ALONG) + mix(px[o + i])) | 0;
    h = (Math.imul(h, ACROSS) + r) | 0;
  }
  return h >>> 0;
}

/**
 * windowHashes()'s arrays, grown to the largest search so far and used again: a search over a
 * whole 720p frame needs ~7.6 MB of them, and new ones at every frame of a scroll were garbage
 * that brought full collections on.
 */
let alongScratch = new Int32Array(0);
let outScratch = new Uint32Array(0);

/**
 * The hash of the n×n window at every top-left position of `at` (row-major, at.w × at.h), each
 * equal to windowHash() there. Every window must lie inside the layer. The array returned is
 * valid until the next call.
 */
export function windowHashes(px: Uint32Array, width: number, at: Rect, n: number): Uint32Array {
  const rows = at.h + n - 1;
  const span = at.w + n - 1;
  // Each layer row's hash of the n pixels from every x of `at`, from the row's scrambled pixels.
  if (alongScratch.length < rows * at.w) alongScratch = new Int32Array(rows * at.w);
  const along = alongScratch;
  const mixed = new Int32Array(span);
  const outAlong = power(ALONG, n - 1);
  for (let j = 0; j < rows; j++) {
    const o = (at.y + j) * width + at.x;
    for (let i = 0; i < span; i++) mixed[i] = mix(px[o + i]);
    let r = 0;
    for (let i = 0; i < n; i++) r = (Math.imul(r, ALONG) + mixed[i]) | 0;
    const line = j * at.w;
    along[line] = r;
    for (let k = 1; k < at.w; k++) {
      r = (Math.imul((r - Math.imul(mixed[k - 1], outAlong)) | 0, ALONG) + mixed[k + n - 1]) | 0;
      along[line + k] = r;
    }
  }
  if (outScratch.length < at.w * at.h) outScratch = new Uint32Array(at.w * at.h);
  const out = outScratch.subarray(0, at.w * at.h);
  const outAcross = power(ACROSS, n - 1);
  // Down the columns a row at a time, every column's hash rolled together, so that `along` is read
  // in order (column by column, each step jumped a row of it: 1217x560 windows of a 720p layer
  // took 12.3 ms here, 10.3 this way).
  const h = new Int32Array(at.w);
  for (let j = 0; j < n; j++) {
    const line = j * at.w;
    for (let k = 0; k < at.w; k++) h[k] = (Math.imul(h[k], ACROSS) + along[line + k]) | 0;
  }
  for (let k = 0; k < at.w; k++) out[k] = h[k] >>> 0;
  for (let y = 1; y < at.h; y++) {
    const gone = (y - 1) * at.w;
    const come = (y + n - 1) * at.w;
    const row = y * at.w;
    for (let k = 0; k < at.w; k++) {
      const v = (Math.imul((h[k] - Math.imul(along[gone + k], outAcross)) | 0, ACROSS) + along[come + k]) | 0;
      h[k] = v;
      out[row + k] = v >>> 0;
    }
  }
  return out;
}

/** The window is one colour: it would match everywhere that colour is, and is cheap as a PNG anyway. */
export function uniform(px: Uint32Array, width: number, x: number, y: number, n: number): boolean {
  const first = px[y * width + x];
  for (let j = 0; j < n; j++) {
    const o = (y + j) * width + x;
    for (let i = 0; i < n; i++) if (px[o + i] !== first) return false;
  }
  return true;
}
