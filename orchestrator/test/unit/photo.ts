import { Rect } from '../../src/layer/damage';
import { Rgba } from '../../src/png/decode';

/**
 * A copy of `img` with opaque noise in `r`, as a photograph looks to the diff and to motion mode:
 * every pixel differs from its neighbour. The same seed gives the same pixels.
 */
export function photo(img: Rgba, r: Rect, seed: number): Rgba {
  const data = Buffer.from(img.data);
  let v = seed * 2654435761;
  for (let y = r.y; y < r.y + r.h; y++) {
    for (let x = r.x; x < r.x + r.w; x++) {
      v = (v * 1103515245 + 12345) >>> 0;
      data.writeUInt32BE(((v & 0xffffff00) | 0xff) >>> 0, (y * img.width + x) * 4);
    }
  }
  return { width: img.width, height: img.height, data };
}
