import type { Rgba } from '../png/decode';
import type { Rect } from './damage';

/**
 * What a screencast frame can vouch for. Chromium's screencast PNGs are premultiplied, so a
 * translucent pixel's straight colour cannot be read back from them (docs/benchmarks.md); but an
 * opaque pixel premultiplies to itself and a clear one to 0,0,0,0, which is what a straight-alpha
 * capture gives too. At scale 1 a frame's opaque and clear pixels are the capture's, byte for
 * byte (measured on every fixture app), so only translucent changes need a capture.
 */

/** `r` of `img` holds a pixel neither opaque nor clear. */
export function translucentIn(img: Rgba, r: Rect): boolean {
  const { data, width } = img;
  for (let y = r.y; y < r.y + r.h; y++) {
    const end = ((y * width + r.x + r.w) << 2) + 3;
    for (let i = ((y * width + r.x) << 2) + 3; i < end; i += 4) {
      const a = data[i];
      if (a !== 0 && a !== 255) return true;
    }
  }
  return false;
}

/** Copies `r` of `from` into the same place of `to` (both the same size). */
export function copyRect(from: Rgba, to: Rgba, r: Rect): void {
  const stride = from.width * 4;
  for (let y = r.y; y < r.y + r.h; y++) {
    const start = y * stride + r.x * 4;
    from.data.copy(to.data, start, start, start + r.w * 4);
  }
}

/** Puts `part` (an image of `at`'s size) into `to` at `at`. */
export function pasteRect(part: Rgba, to: Rgba, at: Rect): void {
  const stride = to.width * 4;
  for (let row = 0; row < at.h; row++) {
    part.data.copy(to.data, (at.y + row) * stride + at.x * 4, row * at.w * 4, (row + 1) * at.w * 4);
  }
}

/** Marks the rows `r` covers. */
export function markRows(rows: Uint8Array, r: Rect): void {
  rows.fill(1, r.y, r.y + r.h);
}
