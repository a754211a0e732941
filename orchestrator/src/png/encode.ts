import { crc32, deflateSync } from 'node:zlib';
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
 * Encodes one rectangle of a frame as an 8-bit RGBA PNG with straight alpha. Filter "none" and a
 * low zlib level: DESIGN.md measured this as the fastest lossless choice, and UI content (flat
 * fills, text) compresses well without filters.
 */
export function encodePngRect(src: Rgba, x: number, y: number, w: number, h: number, level: number): Buffer {
  const stride = w * 4;
  const raw = Buffer.allocUnsafe((stride + 1) * h);
  for (let row = 0; row < h; row++) {
    const o = row * (stride + 1);
    raw[o] = 0;
    const s = ((y + row) * src.width + x) * 4;
    src.data.copy(raw, o + 1, s, s + stride);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level })), IEND]);
}
