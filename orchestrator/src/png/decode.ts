import { inflateSync } from 'node:zlib';

/** Straight-alpha RGBA pixels, row-major, 4 bytes a pixel. */
export interface Rgba {
  width: number;
  height: number;
  data: Buffer;
}

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/**
 * Decodes the PNGs Chromium's captureScreenshot produces: 8-bit RGBA or RGB, not interlaced.
 * Written here rather than pulled from a native image library because that is all it has to read,
 * and it keeps the install free of native binaries.
 */
interface PngData {
  width: number;
  height: number;
  colorType: number;
  /** The inflated rows, each behind its filter byte. */
  raw: Buffer;
}

function readPng(png: Buffer): PngData {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  while (pos + 8 <= png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const body = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      colorType = body[9];
      if (depth !== 8 || (colorType !== 6 && colorType !== 2) || body[12] !== 0) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colorType}, interlace ${body[12]}`);
      }
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  if (colorType < 0) throw new Error('PNG without IHDR');
  const stride = width * (colorType === 6 ? 4 : 3);
  // One output chunk, a byte longer than the expected size: the default 16 kB chunks cost a copy of
  // the whole frame when zlib joins them (~0.5 ms at 720p), and a chunk that the rows fill exactly
  // makes zlib allocate a second one, as large, that nothing uses (a frame's worth of garbage a
  // decode, which is what brings the orchestrator's full collections on).
  const raw = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat), { chunkSize: Math.min(64 << 20, Math.max(64 << 10, (stride + 1) * height + 1)) });
  if (raw.length < (stride + 1) * height) throw new Error('PNG data truncated');
  return { width, height, colorType, raw };
}

/**
 * Decodes the PNGs Chromium's captureScreenshot produces: 8-bit RGBA or RGB, not interlaced.
 * Written here rather than pulled from a native image library because that is all it has to read,
 * and it keeps the install free of native binaries.
 */
export function decodePng(png: Buffer): Rgba {
  return unfilterAll(readPng(png));
}

function unfilterAll({ width, height, colorType, raw }: PngData): Rgba {
  // Large allocations get their own ArrayBuffer at offset 0, so the Uint32 view below is aligned.
  const data = Buffer.alloc(width * height * 4);
  if (colorType === 6) {
    unfilterRgba(raw, data, width, height);
    return { width, height, data };
  }
  const stride = width * 3;
  unfilter(raw, stride, height, 3);
  for (let y = 0; y < height; y++) {
    let s = y * (stride + 1) + 1;
    let d = y * width * 4;
    for (let x = 0; x < width; x++, s += 3, d += 4) {
      data[d] = raw[s];
      data[d + 1] = raw[s + 1];
      data[d + 2] = raw[s + 2];
      data[d + 3] = 255;
    }
  }
  return { width, height, data };
}

export interface DecodedFrame {
  image: Rgba;
  /**
   * One byte per row, non-zero where the row differs from `previous`; null when there is no
   * previous frame to compare with (the first one, a size change, an RGB capture).
   */
  changedRows: Uint8Array | null;
  /** The frame the rows were compared with. */
  previous: Rgba | null;
}

/**
 * Decodes a stream of same-sized captures, each against the one before. A UI frame differs from
 * the last in a few rows, and a PNG row that inflates to the same filtered bytes as before, over a
 * row above that did not change either, unfilters to the same pixels: so only changed rows are
 * unfiltered, and the diff is told which rows to look at. Keeps the last frame's inflated rows and
 * pixels, two buffers of one frame each.
 */
export class FrameDecoder {
  private lastRaw: Buffer | null = null;
  private last: Rgba | null = null;
  /** The pixels of the frame before `last`, which nothing holds any more (reuse only). */
  private spare: Buffer | null = null;

  /**
   * `reuse`: the caller keeps no frame past the next decode but one (it diffs each frame with the
   * one before, then drops the older): each frame's buffer is then used again two frames on.
   */
  constructor(private readonly reuse = false) {}

  decode(png: Buffer): DecodedFrame {
    const parsed = readPng(png);
    const { width, height, colorType, raw } = parsed;
    const previous = this.last;
    const lastRaw = this.lastRaw;
    if (colorType !== 6 || !previous || !lastRaw || previous.width !== width || previous.height !== height) {
      // unfilterAll leaves RGBA rows filtered in `raw` (RGB ones it unfilters in place).
      const image = unfilterAll(parsed);
      this.remember(colorType === 6 ? raw : null, image);
      return { image, changedRows: null, previous: null };
    }
    const stride = width * 4;
    const rowLen = stride + 1;
    const size = width * height * 4;
    const data = this.spare && this.spare.length === size ? this.spare : Buffer.allocUnsafeSlow(size);
    this.spare = null;
    previous.data.copy(data);
    const words = wordsOf(data);
    const image: Rgba = { width, height, data };
    const changedRows = new Uint8Array(height);
    if (raw.compare(lastRaw, 0, rowLen * height, 0, rowLen * height) !== 0) {
      const old = previous.data;
      for (let y = 0; y < height; y++) {
        const src = y * rowLen;
        const filter = raw[src];
        const sameBytes = raw.compare(lastRaw, src, src + rowLen, src, src + rowLen) === 0;
        // None and Sub read only this row; Up, Average and Paeth also read the row above.
        if (sameBytes && (filter <= 1 || y === 0 || changedRows[y - 1] === 0)) continue;
        unfilterRgbaRow(raw, data, words, width, y);
        const dst = y * stride;
        if (data.compare(old, dst, dst + stride, dst, dst + stride) !== 0) changedRows[y] = 1;
      }
    }
    this.remember(raw, image);
    return { image, changedRows, previous };
  }

  reset(): void {
    this.lastRaw = null;
    this.last = null;
    this.spare = null;
  }

  private remember(raw: Buffer | null, image: Rgba): void {
    if (this.reuse && this.last && this.last.data !== image.data) this.spare = this.last.data;
    this.lastRaw = raw;
    this.last = raw ? image : null;
  }
}

function unfilterRgba(raw: Buffer, data: Buffer, width: number, height: number): void {
  const words = wordsOf(data);
  for (let y = 0; y < height; y++) unfilterRgbaRow(raw, data, words, width, y);
}

/** `data` must own its ArrayBuffer from offset 0 (Buffer.alloc, allocUnsafeSlow), so it aligns. */
function wordsOf(data: Buffer): Uint32Array {
  return new Uint32Array(data.buffer, data.byteOffset, data.length >> 2);
}

/**
 * RGBA fast path for row `y`, whose row above is already in `data`. Chromium filters every row
 * with "up" (or none), so most rows are a memcpy plus a bytewise add of the row above, done four
 * bytes at a time (SWAR: add the low 7 bits, then restore each byte's top bit with xor, so no
 * carry crosses a byte).
 */
function unfilterRgbaRow(raw: Buffer, data: Buffer, words: Uint32Array, width: number, y: number): void {
  const stride = width * 4;
  const src = y * (stride + 1);
  const filter = raw[src];
  const dst = y * stride;
  if (filter === 0 || (filter === 2 && y === 0)) {
    raw.copy(data, dst, src + 1, src + 1 + stride);
  } else if (filter === 2) {
    raw.copy(data, dst, src + 1, src + 1 + stride);
    const w0 = dst >> 2;
    const p0 = w0 - width;
    for (let i = 0; i < width; i++) {
      const a = words[w0 + i];
      const b = words[p0 + i];
      words[w0 + i] = ((a & 0x7f7f7f7f) + (b & 0x7f7f7f7f)) ^ ((a ^ b) & 0x80808080);
    }
  } else {
    // Rare filters: undo them on a private copy of this row and the row above.
    const rows = Buffer.alloc(2 * (stride + 1));
    if (y > 0) data.copy(rows, 1, dst - stride, dst);
    raw.copy(rows, stride + 1, src, src + stride + 1);
    unfilterRow(rows, stride, 4, y > 0);
    rows.copy(data, dst, stride + 2, 2 * (stride + 1));
  }
}

/** Reverses the PNG row filters in place; each row keeps its leading filter byte. */
function unfilter(raw: Buffer, stride: number, height: number, bpp: number): void {
  const rowLen = stride + 1;
  for (let y = 0; y < height; y++) {
    unfilterRow(y === 0 ? raw : raw.subarray((y - 1) * rowLen), stride, bpp, y > 0, y === 0 ? 0 : rowLen);
  }
}

/**
 * Unfilters the row that starts at `at` (its filter byte) in `buf`; the row above, when there is
 * one, sits right before it. `at` defaults to one row length in (the two-row scratch layout).
 */
function unfilterRow(buf: Buffer, stride: number, bpp: number, hasPrev: boolean, at = stride + 1): void {
  const row = at + 1;
  const prev = row - (stride + 1);
  const filter = buf[at];
  switch (filter) {
    case 0:
      break;
    case 1:
      for (let i = bpp; i < stride; i++) buf[row + i] = (buf[row + i] + buf[row + i - bpp]) & 255;
      break;
    case 2:
      if (hasPrev) for (let i = 0; i < stride; i++) buf[row + i] = (buf[row + i] + buf[prev + i]) & 255;
      break;
    case 3:
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? buf[row + i - bpp] : 0;
        const b = hasPrev ? buf[prev + i] : 0;
        buf[row + i] = (buf[row + i] + ((a + b) >> 1)) & 255;
      }
      break;
    case 4:
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? buf[row + i - bpp] : 0;
        const b = hasPrev ? buf[prev + i] : 0;
        const c = i >= bpp && hasPrev ? buf[prev + i - bpp] : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        buf[row + i] = (buf[row + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
      break;
    default:
      throw new Error(`bad PNG filter ${filter}`);
  }
}
