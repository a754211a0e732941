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
export function decodePng(png: Buffer): Rgba {
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
  const raw = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat));
  const bpp = colorType === 6 ? 4 : 3;
  const stride = width * bpp;
  if (raw.length < (stride + 1) * height) throw new Error('PNG data truncated');
  unfilter(raw, stride, height, bpp);
  if (bpp === 4) {
    const data = Buffer.allocUnsafe(width * height * 4);
    for (let y = 0; y < height; y++) raw.copy(data, y * stride, y * (stride + 1) + 1, (y + 1) * (stride + 1));
    return { width, height, data };
  }
  const data = Buffer.allocUnsafe(width * height * 4);
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

/** Reverses the PNG row filters in place; each row keeps its leading filter byte. */
function unfilter(raw: Buffer, stride: number, height: number, bpp: number): void {
  const rowLen = stride + 1;
  for (let y = 0; y < height; y++) {
    const row = y * rowLen + 1;
    const prev = row - rowLen;
    const filter = raw[row - 1];
    switch (filter) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < stride; i++) raw[row + i] = (raw[row + i] + raw[row + i - bpp]) & 255;
        break;
      case 2:
        if (y > 0) for (let i = 0; i < stride; i++) raw[row + i] = (raw[row + i] + raw[prev + i]) & 255;
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? raw[row + i - bpp] : 0;
          const b = y > 0 ? raw[prev + i] : 0;
          raw[row + i] = (raw[row + i] + ((a + b) >> 1)) & 255;
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? raw[row + i - bpp] : 0;
          const b = y > 0 ? raw[prev + i] : 0;
          const c = i >= bpp && y > 0 ? raw[prev + i - bpp] : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          raw[row + i] = (raw[row + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
        break;
      default:
        throw new Error(`bad PNG filter ${filter} on row ${y}`);
    }
  }
}
