import { Rgba } from '../png/decode';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** More rectangles than this cost more in headers and device decodes than they save; merge them into one. */
export const MAX_RECTS = 64;

/**
 * Finds what changed between two same-sized frames. Works in square tiles so the scan is a handful
 * of memcmp calls per row, merges dirty tiles into rectangles (horizontal runs, then equal runs
 * stacked vertically), and trims each rectangle to the pixels that really changed. `changedRows`,
 * when the decoder knows it, marks the only rows that can differ. Past `maxRects` rectangles the
 * result is their bounds.
 */
export function diffRects(prev: Rgba, next: Rgba, tile: number, changedRows: Uint8Array | null = null, maxRects = MAX_RECTS): Rect[] {
  if (prev.width !== next.width || prev.height !== next.height) throw new Error('frame size changed');
  const { width, height } = next;
  const stride = width * 4;
  const tilesX = Math.ceil(width / tile);
  const tilesY = Math.ceil(height / tile);
  const dirty = new Uint8Array(tilesX * tilesY);
  const a = prev.data;
  const b = next.data;
  for (let y = 0; y < height; y++) {
    if (changedRows && changedRows[y] === 0) continue;
    const row = y * stride;
    if (a.compare(b, row, row + stride, row, row + stride) === 0) continue;
    const base = ((y / tile) | 0) * tilesX;
    for (let tx = 0; tx < tilesX; tx++) {
      if (dirty[base + tx]) continue;
      const s = row + tx * tile * 4;
      const e = Math.min(s + tile * 4, row + stride);
      if (a.compare(b, s, e, s, e) !== 0) dirty[base + tx] = 1;
    }
  }
  const rects = mergeTiles(dirty, tilesX, tilesY, tile, width, height).map((r) => trim(prev, next, r));
  if (rects.length <= maxRects) return rects;
  return [bounds(rects)];
}

/**
 * Dirty tiles (row-major, 1 = dirty) as rectangles in pixels: horizontal runs, then equal runs
 * stacked vertically. Tiles of size 1 give rectangles in tiles.
 */
export function mergeTiles(dirty: Uint8Array, tilesX: number, tilesY: number, tile: number, width: number, height: number): Rect[] {
  const done: Rect[] = [];
  // Open rectangles keyed by "x0,x1" of their tile run, still growing downwards.
  let open = new Map<string, Rect>();
  for (let ty = 0; ty < tilesY; ty++) {
    const next = new Map<string, Rect>();
    let tx = 0;
    while (tx < tilesX) {
      if (!dirty[ty * tilesX + tx]) {
        tx++;
        continue;
      }
      const start = tx;
      while (tx < tilesX && dirty[ty * tilesX + tx]) tx++;
      const key = `${start},${tx}`;
      const y = ty * tile;
      const h = Math.min(tile, height - y);
      const above = open.get(key);
      if (above) {
        above.h += h;
        open.delete(key);
        next.set(key, above);
      } else {
        const x = start * tile;
        next.set(key, { x, y, w: Math.min(tx * tile, width) - x, h });
      }
    }
    for (const r of open.values()) done.push(r);
    open = next;
  }
  for (const r of open.values()) done.push(r);
  return done;
}

function rowDiffers(a: Buffer, b: Buffer, stride: number, y: number, x0: number, x1: number): boolean {
  const s = y * stride + x0 * 4;
  const e = y * stride + x1 * 4;
  return a.compare(b, s, e, s, e) !== 0;
}

function colDiffers(a: Buffer, b: Buffer, stride: number, x: number, y0: number, y1: number): boolean {
  for (let y = y0; y < y1; y++) {
    const o = y * stride + x * 4;
    if (a.readUInt32LE(o) !== b.readUInt32LE(o)) return true;
  }
  return false;
}

/** Shrinks a dirty rectangle to the bounding box of the pixels that differ. */
function trim(prev: Rgba, next: Rgba, r: Rect): Rect {
  const stride = next.width * 4;
  const a = prev.data;
  const b = next.data;
  let top = r.y;
  let bottom = r.y + r.h;
  let left = r.x;
  let right = r.x + r.w;
  while (top < bottom && !rowDiffers(a, b, stride, top, left, right)) top++;
  while (bottom > top && !rowDiffers(a, b, stride, bottom - 1, left, right)) bottom--;
  while (left < right && !colDiffers(a, b, stride, left, top, bottom)) left++;
  while (right > left && !colDiffers(a, b, stride, right - 1, top, bottom)) right--;
  return { x: left, y: top, w: right - left, h: bottom - top };
}

export function bounds(rects: Rect[]): Rect {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = 0;
  let y1 = 0;
  for (const r of rects) {
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.w);
    y1 = Math.max(y1, r.y + r.h);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** The rectangles' areas summed (overlaps counted each time). */
export function area(rects: Rect[]): number {
  return rects.reduce((n, r) => n + r.w * r.h, 0);
}

/** Where two rectangles overlap, or null when they do not. */
export function intersect(a: Rect, b: Rect): Rect | null {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.w, b.x + b.w);
  const y1 = Math.min(a.y + a.h, b.y + b.h);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : null;
}

/** A fully transparent frame: what a device layer holds right after a keyframe clears it. */
export function blank(width: number, height: number): Rgba {
  return { width, height, data: Buffer.alloc(width * height * 4) };
}
