import { readJpegBlocks, JpegBlocks } from '../jpeg/blocks';
import { cropJpeg } from '../jpeg/crop';
import { bounds, mergeTiles, Rect } from './damage';

/**
 * Live frames cut to what changed. The cloud page's screencast sends the whole layer as one JPEG
 * each time it paints (42–85 KB at 720p here), though a menu's highlight or a row of posters is
 * often all that moved. Two screencast JPEGs of the same page agree, coefficient for coefficient,
 * wherever the page did not change (the encoder is block-local), so the MCUs whose coefficients
 * differ from the frame the device shows are the change, and a lossless crop of them (jpeg/crop.ts)
 * is what the device needs: it then shows the new frame's pixels (but for a shade of colour at a
 * crop's edge, where a decoder's chroma upsampling has no neighbour; the settle makes it exact).
 *
 * Measured on the realistic fixtures at 720p: a menu's highlight sliding 1.7–5 KB a frame instead
 * of 42 KB, rows of posters 16–75 KB instead of 84; a full-screen cross-fade changes every MCU and
 * goes whole as before. Reading a frame's coefficients costs ~6 ms, a crop ~1 ms per 100 MCUs.
 */

/** A JPEG rectangle of the layer. */
export interface LiveRect {
  rect: Rect;
  jpeg: Buffer;
}

/** Past this share of the frame's MCUs the crop saves too little: the frame goes whole, as it came. */
const WHOLE_SHARE = 0.6;
/** More crops than this: their bounds instead (each costs ~600 B of headers and a device decode). */
const MAX_CROPS = 8;

export class LiveCrop {
  /** The coefficients of what the device shows now, when it is one screencast frame's pixels. */
  private ref: JpegBlocks | null = null;

  /** The device's layer is no longer a screencast frame (an exact frame, a keyframe): the next goes whole. */
  reset(): void {
    this.ref = null;
  }

  /**
   * The rectangles that bring the device from the last frame to `jpeg`, a screencast frame for a
   * `width`×`height` layer: the frame whole, the crops of what changed, or none when nothing did.
   */
  next(jpeg: Buffer, width: number, height: number): LiveRect[] {
    const whole = [{ rect: { x: 0, y: 0, w: width, h: height }, jpeg }];
    let blocks: JpegBlocks | null;
    try {
      blocks = readJpegBlocks(jpeg);
    } catch {
      blocks = null;
    }
    const ref = this.ref;
    // A frame of another size (the app's CSS size, at a fractional scale) is stretched by the device.
    this.ref = blocks && blocks.width === width && blocks.height === height ? blocks : null;
    if (!this.ref || !ref || !sameGeometry(ref, this.ref)) return whole;
    const b = this.ref;
    const dirty = changedMcus(ref, b);
    let count = 0;
    for (let i = 0; i < dirty.length; i++) count += dirty[i];
    if (count === 0) return [];
    if (count > WHOLE_SHARE * dirty.length) return whole;
    let crops = mergeTiles(dirty, b.mcusX, b.mcusY, 1, b.mcusX, b.mcusY);
    if (crops.length > MAX_CROPS) crops = [bounds(crops)];
    const area = crops.reduce((a, r) => a + r.w * r.h, 0);
    if (area > WHOLE_SHARE * dirty.length) return whole;
    return crops.map((m) => {
      const x = m.x * b.mcuW;
      const y = m.y * b.mcuH;
      return { rect: { x, y, w: Math.min(m.w * b.mcuW, width - x), h: Math.min(m.h * b.mcuH, height - y) }, jpeg: cropJpeg(b, m) };
    });
  }
}

function sameGeometry(a: JpegBlocks, b: JpegBlocks): boolean {
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
    const p = a.comps[ci].coeffs;
    const q = b.comps[ci].coeffs;
    const { h, v, bw } = b.comps[ci];
    for (let my = 0; my < b.mcusY; my++) {
      for (let mx = 0; mx < b.mcusX; mx++) {
        const m = my * b.mcusX + mx;
        if (dirty[m]) continue;
        rows: for (let y = 0; y < v; y++) {
          const start = ((my * v + y) * bw + mx * h) * 64;
          // The component's blocks of this MCU on one block row are adjacent in memory.
          for (let k = start; k < start + 64 * h; k++) {
            if (p[k] !== q[k]) {
              dirty[m] = 1;
              break rows;
            }
          }
        }
      }
    }
  }
  return dirty;
}
