import { execFileSync } from 'node:child_process';
import { Rgba } from '../../src/png/decode';

/**
 * A photograph-like RGB picture: gradients and noise, per pixel (every block has detail) or in
 * `cell`-sized squares (posters: detail a JPEG keeps wherever it falls on the block grid).
 */
export function picture(w: number, h: number, seed: number, cell = 1): Buffer {
  const rgb = Buffer.alloc(w * h * 3);
  let v = seed;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (cell === 1) v = (v * 1103515245 + 12345) >>> 0;
      else v = ((Math.floor(x / cell) * 7919 + Math.floor(y / cell) * 104729 + seed) * 1103515245 + 12345) >>> 0;
      const o = (y * w + x) * 3;
      const noise = cell === 1 ? 31 : 127;
      rgb[o] = (x * 127) / w + ((v >> 8) & noise);
      rgb[o + 1] = (y * 127) / h + ((v >> 16) & noise);
      rgb[o + 2] = ((x + y) * 64) / (w + h) + ((v >> 24) & noise);
    }
  }
  return rgb;
}

/** keptShare × a + slotShare × b + the rest × grey, per channel, rounded. */
export function blend(a: Buffer, b: Buffer, keptShare: number, slotShare: number, grey: number): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Math.round(keptShare * a[i] + slotShare * b[i] + (1 - keptShare - slotShare) * grey);
  return out;
}

/** Paints a flat w×h square at (x, y). */
export function square(rgb: Buffer, width: number, x: number, y: number, w: number, h: number, colour: number): Buffer {
  const out = Buffer.from(rgb);
  for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) out.fill(colour, (j * width + i) * 3, (j * width + i) * 3 + 3);
  return out;
}

/**
 * Debian's ffmpeg as the encoder: baseline, 4:2:0, a fixed quantiser (so equal blocks code
 * equally); `q` its scale, 2–31 (4: fine; 10: as coarse as the screencast's live frames).
 */
export function jpegOf(rgb: Buffer, w: number, h: number, q = 4): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${w}x${h}`, '-i', '-', '-frames:v', '1', '-q:v', String(q), '-pix_fmt', 'yuvj420p', '-f', 'mjpeg', '-'], { input: rgb });
}

/** The luma plane a decoder makes of a JPEG (luma is not resampled, so a crop's is exact). */
export function lumaPlane(jpeg: Buffer): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 'mjpeg', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { input: jpeg, maxBuffer: 1 << 26 });
}

/** An opaque RGBA layer of an RGB picture. */
export function rgbaOf(rgb: Buffer, width: number, height: number): Rgba {
  const data = Buffer.alloc(width * height * 4, 255);
  for (let i = 0, o = 0; i < rgb.length; i += 3, o += 4) rgb.copy(data, o, i, i + 3);
  return { width, height, data };
}
