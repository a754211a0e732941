import { Rgba } from '../png/decode';
import { bounds, Rect } from './damage';
import type { LayerCopies } from './layer-copies';

/**
 * Which changes may travel lossy (motion mode): opaque, photographic, and big enough that a JPEG
 * saves something. A photograph costs 5–10 times more as PNG than as JPEG q80 and takes most of a
 * frame's encoding time; flat UI (text, focus rings, solid panels) is small as PNG and exact, and
 * anything with alpha must stay PNG (JPEG has none).
 */

/** Below this many pixels a rectangle is not worth a second capture. */
export const MIN_LOSSY_AREA = 96 * 96;
/** Share of sampled pixels that differ from their left neighbour, above which content is photographic. */
const BUSY_SHARE = 0.5;
/** Every how many rows the photographic test samples. */
const SAMPLE_ROW_STEP = 4;
/**
 * Share of a rectangle's pixels that must have changed. A focus ring drawn round a photograph
 * changes a rectangle as big as the photograph but few of its pixels: a JPEG of it, then its exact
 * pixels, would send the photograph twice for a ring.
 */
const CHANGED_SHARE = 0.5;

/** Every pixel of `r` is fully opaque. */
export function opaque(img: Rgba, r: Rect): boolean {
  const d = img.data;
  for (let y = r.y; y < r.y + r.h; y++) {
    let o = (y * img.width + r.x) * 4 + 3;
    for (let x = 0; x < r.w; x++, o += 4) if (d[o] !== 255) return false;
  }
  return true;
}

/** At least `share` of the pixels of `r` differ between `before` and `after`. */
export function mostlyChanged(before: Rgba, after: Rgba, r: Rect, share = CHANGED_SHARE): boolean {
  const a = before.data;
  const b = after.data;
  let changed = 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    let o = (y * after.width + r.x) * 4;
    for (let x = 0; x < r.w; x++, o += 4) if (a.readUInt32LE(o) !== b.readUInt32LE(o)) changed++;
  }
  return changed >= share * r.w * r.h;
}

/**
 * Most neighbouring pixels differ, as in photographs and video stills, unlike UI: runs of one
 * colour in panels and text, and rows of one colour in vertical gradients. Sampled every few rows.
 */
export function photographic(img: Rgba, r: Rect): boolean {
  if (r.w < 2) return false;
  const d = img.data;
  let busy = 0;
  let seen = 0;
  for (let y = r.y; y < r.y + r.h; y += SAMPLE_ROW_STEP) {
    let o = (y * img.width + r.x) * 4;
    let prev = d.readUInt32LE(o);
    for (let x = 1; x < r.w; x++) {
      o += 4;
      const p = d.readUInt32LE(o);
      if (p !== prev) busy++;
      prev = p;
      seen++;
    }
  }
  return seen > 0 && busy / seen >= BUSY_SHARE;
}

/** Side of the tiles `pictured` weighs. */
const PICTURE_TILE = 64;
/**
 * Share of a layer's tiles that must be photographic for it to be a layer of pictures. Measured on
 * the first frames at 720p: the rows of posters 0.46–0.47, the card grid 0.37–0.40, the menu over
 * a photograph 0.45, the carousel 0.80; the portal (flat panels, transparent) 0.09.
 */
const PICTURE_SHARE = 0.25;

/**
 * A layer of pictures (rows of posters, a grid of cards, a menu over a photograph, a carousel):
 * at least PICTURE_SHARE of its whole PICTURE_TILE-px tiles are photographic. Its keys most
 * likely move pictures: they are what motion mode is for.
 */
export function pictured(img: Rgba): boolean {
  return picturedIn(img, { x: 0, y: 0, w: img.width, h: img.height });
}

/** `pictured` within `r`: its whole PICTURE_TILE-px tiles, counted from its corner. */
function picturedIn(img: Rgba, r: Rect): boolean {
  let tiles = 0;
  let pictures = 0;
  for (let y = r.y; y + PICTURE_TILE <= r.y + r.h; y += PICTURE_TILE) {
    for (let x = r.x; x + PICTURE_TILE <= r.x + r.w; x += PICTURE_TILE) {
      tiles++;
      if (photographic(img, { x, y, w: PICTURE_TILE, h: PICTURE_TILE })) pictures++;
    }
  }
  return tiles > 0 && pictures >= PICTURE_SHARE * tiles;
}

/** Whole tiles a changed rectangle must hold to be weighed as a layer of pictures, not as one photograph. */
const PICTURED_RECT_TILES = 8;

/**
 * A changed rectangle that is a photograph, or (a large one) pictures and UI together: a menu
 * sliding over a photograph changes the whole layer at once, which is no photograph as a whole
 * (its flat panels), and went as PNG at every step (400 KB a frame at 720p).
 */
function pictures(img: Rgba, r: Rect): boolean {
  if (photographic(img, r)) return true;
  return Math.floor(r.w / PICTURE_TILE) * Math.floor(r.h / PICTURE_TILE) >= PICTURED_RECT_TILES && picturedIn(img, r);
}

/**
 * The one region of this frame's changes to send as JPEG, or null: the bounds of every changed
 * rectangle that is opaque, of pictures (`pictures`) and mostly changed from `before` (what the device has),
 * when those bounds are opaque as a whole (a JPEG of them paints no transparent pixel black);
 * otherwise the biggest such rectangle alone.
 */
export function lossyRegion(before: Rgba, img: Rgba, rects: Rect[], minArea = MIN_LOSSY_AREA): Rect | null {
  const candidates = rects.filter((r) => r.w * r.h >= minArea && opaque(img, r) && pictures(img, r) && mostlyChanged(before, img, r));
  if (candidates.length === 0) return null;
  if (candidates.length === 1) return candidates[0];
  const all = bounds(candidates);
  if (opaque(img, all)) return all;
  return candidates.reduce((a, b) => (b.w * b.h > a.w * a.h ? b : a));
}

export function sameRect(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}

/** Does `inner` lie wholly inside `outer`? */
export function contains(outer: Rect, inner: Rect): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.w <= outer.x + outer.w && inner.y + inner.h <= outer.y + outer.h;
}

/**
 * A copy of `img` whose pixels in `r` no capture can equal: straight-alpha captures give fully
 * transparent pixels as 0,0,0,0, never with colour. The device shows lossy pixels there, so the
 * next lossless capture's diff must find the whole region changed and send it exactly. The copy
 * comes from `copies` when given: a motion's first frame marks the whole layer, and a fresh 3.7 MB
 * buffer there cost 2-17 ms of page faults and collection before the frame could go.
 */
export function markLossy(img: Rgba, r: Rect, copies?: LayerCopies): Rgba {
  const out = copies ? copies.of(img) : { width: img.width, height: img.height, data: Buffer.from(img.data) };
  const row = Buffer.alloc(r.w * 4).fill(Buffer.from([1, 2, 3, 0]));
  for (let y = r.y; y < r.y + r.h; y++) row.copy(out.data, (y * img.width + r.x) * 4);
  return out;
}
