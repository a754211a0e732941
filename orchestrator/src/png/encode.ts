import { constants, crc32, deflateSync } from 'node:zlib';
import { opaque } from '../layer/motion';
import { Rgba } from './decode';

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const IEND = chunk('IEND', Buffer.alloc(0));

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/**
 * Encodes one rectangle of a frame as an 8-bit PNG with straight alpha.
 *
 * UI content (`photo` false): RGBA, filter "none" and zlib at `level`: DESIGN.md measured this as
 * the fastest lossless choice, and flat fills and text compress well without filters (sub, up and
 * paeth were all larger on it).
 *
 * Pictures (`photo`, where photoWins() says so: the exact pixels of photographs and posters once
 * a motion settles, and in keyframes): RGB when the rectangle is opaque, every row
 * Paeth-filtered, and zlib's run-length strategy. A photograph repeats no strings for deflate to
 * find, but its rows predict each other well: a 1280x720 carousel photo took 1 269 KB (RGBA, no
 * filter, level 6, 64 ms of deflate) and takes ~700 KB (23 ms), a layer with a row of posters
 * 876 → 445 KB. Every PNG decoder reads both colour types and all five filters.
 */
export function encodePngRect(src: Rgba, x: number, y: number, w: number, h: number, level: number, photo = false): Buffer {
  return encodeAs(src, x, y, w, h, level, photo && level !== 0 ? (opaque(src, { x, y, w, h }) ? 3 : 4) : null);
}

/** The smaller of the two encodings of encodePngRect(), as photoWins() finds it. */
export function encodeBestPngRect(src: Rgba, x: number, y: number, w: number, h: number, level: number): Buffer {
  return encodeAs(src, x, y, w, h, level, pictureBpp(src, x, y, w, h, level));
}

/** `bpp`: the picture encoding with that many bytes a pixel (3 only for an opaque rectangle), or null for UI content. */
function encodeAs(src: Rgba, x: number, y: number, w: number, h: number, level: number, bpp: 3 | 4 | null): Buffer {
  const raw = bpp ? paethRows(src, x, y, w, h, bpp) : plainRows(src, x, y, w, h);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = bpp === 3 ? 2 : 6;
  const body = deflateSync(raw, bpp ? { level, strategy: constants.Z_RLE } : { level });
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', body), IEND]);
}

/** Rectangles smaller than this are always encoded as UI content: a trial costs more than it saves. */
const TRIAL_MIN_AREA = 128 * 128;
/** Rows in each of the three bands a trial encodes both ways. */
const TRIAL_ROWS = 8;

/**
 * Whether `encodePngRect(..., photo = true)` makes the smaller PNG of this rectangle: both ways
 * are tried on three bands of rows (top, middle, bottom; ~2 % of a 720p frame). Busy-ness alone
 * does not tell: a translucent patterned header as busy as a row of posters came out 6 to 12
 * times larger filtered, since deflate matched its rows whole and the run-length strategy cannot.
 */
export function photoWins(src: Rgba, x: number, y: number, w: number, h: number, level: number): boolean {
  return pictureBpp(src, x, y, w, h, level) !== null;
}

/** The picture encoding's bytes a pixel when photoWins(), else null; the rectangle's alpha is scanned once. */
function pictureBpp(src: Rgba, x: number, y: number, w: number, h: number, level: number): 3 | 4 | null {
  if (w * h < TRIAL_MIN_AREA || level === 0) return null;
  const bpp = opaque(src, { x, y, w, h }) ? 3 : 4;
  let plain = 0;
  let photo = 0;
  const rows = Math.min(TRIAL_ROWS, h);
  for (const top of new Set([y, y + ((h - rows) >> 1), y + h - rows])) {
    plain += deflateSync(plainRows(src, x, top, w, rows), { level }).length;
    photo += deflateSync(paethRows(src, x, top, w, rows, bpp), { level, strategy: constants.Z_RLE }).length;
  }
  return photo < plain ? bpp : null;
}

/** Rows with filter "none": a filter byte of 0, then the RGBA bytes as they are. */
function plainRows(src: Rgba, x: number, y: number, w: number, h: number): Buffer {
  const stride = w * 4;
  const raw = Buffer.allocUnsafe((stride + 1) * h);
  for (let row = 0; row < h; row++) {
    const o = row * (stride + 1);
    raw[o] = 0;
    const s = ((y + row) * src.width + x) * 4;
    src.data.copy(raw, o + 1, s, s + stride);
  }
  return raw;
}

/** Rows with filter 4 (Paeth), of `bpp` bytes a pixel (3: the alpha left out). */
function paethRows(src: Rgba, x: number, y: number, w: number, h: number, bpp: 3 | 4): Buffer {
  const stride = w * bpp;
  const raw = Buffer.allocUnsafe((stride + 1) * h);
  let cur = new Uint8Array(stride);
  let prev = new Uint8Array(stride);
  const d = src.data;
  for (let row = 0; row < h; row++) {
    let s = ((y + row) * src.width + x) * 4;
    if (bpp === 4) cur.set(d.subarray(s, s + stride));
    else {
      for (let i = 0; i < stride; i += 3, s += 4) {
        cur[i] = d[s];
        cur[i + 1] = d[s + 1];
        cur[i + 2] = d[s + 2];
      }
    }
    const o = row * (stride + 1) + 1;
    raw[o - 1] = 4;
    // The first pixel has no left neighbours: Paeth predicts from the byte above.
    for (let i = 0; i < bpp; i++) raw[o + i] = (cur[i] - prev[i]) & 255;
    for (let i = bpp; i < stride; i++) {
      const a = cur[i - bpp];
      const b = prev[i];
      const c = prev[i - bpp];
      const pa = b > c ? b - c : c - b;
      const pb = a > c ? a - c : c - a;
      const pcs = a + b - c - c;
      const pc = pcs < 0 ? -pcs : pcs;
      raw[o + i] = (cur[i] - (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return raw;
}
