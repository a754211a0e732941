import { area, bounds, mergeTiles, Rect } from './damage';

// Covers for a live frame's changed MCUs (live-crop.ts): few rectangles, since each JPEG crop
// costs ~600 B of headers and a device decode, and little more than what changed, since all they
// cover is sent.

/** More crops than this: merged. */
const MAX_CROPS = 8;
/** Runs of dirty MCUs past this many are made at a coarser grain before they are merged. */
const MERGE_RECTS = 48;

/**
 * Dirty MCUs as crops, in MCUs: runs stacked into rectangles, or, when that makes too many, the
 * smaller (in area) of two covers of MAX_CROPS: the runs merged pairwise (merged()), and bands of
 * rows (banded()). Bands alone sent a leftover tile in a fade's corner together with the row
 * sliding below it as one strip across the frame (on a carousel's keys back, 2–8 times the dirty
 * MCUs' area); merging alone covered the scattered MCUs a scroll's copy leaves worse than bands.
 */
export function cropsOf(dirty: Uint8Array, mcusX: number, mcusY: number): Rect[] {
  const crops = mergeTiles(dirty, mcusX, mcusY, 1, mcusX, mcusY);
  if (crops.length <= MAX_CROPS) return crops;
  const joined = merged(dirty, crops, mcusX, mcusY);
  const bands = banded(crops, mcusY);
  return area(joined) <= area(bands) ? joined : bands;
}

/**
 * The two rectangles whose bounds add the least area merged, again and again, until MAX_CROPS.
 * Past MERGE_RECTS runs, the runs are made again at a coarser grain (2×2 MCUs, then 4×4...)
 * first, which bounds the cost.
 */
function merged(dirty: Uint8Array, runs: Rect[], mcusX: number, mcusY: number): Rect[] {
  let crops = runs.slice();
  for (let grain = 2; crops.length > MERGE_RECTS; grain *= 2) {
    crops = mergeTiles(coarsen(dirty, mcusX, mcusY, grain), Math.ceil(mcusX / grain), Math.ceil(mcusY / grain), grain, mcusX, mcusY);
  }
  while (crops.length > MAX_CROPS) {
    let best = { i: 0, j: 1, added: Infinity };
    for (let i = 0; i < crops.length; i++) {
      for (let j = i + 1; j < crops.length; j++) {
        const added = joinCost(crops[i], crops[j]);
        if (added < best.added) best = { i, j, added };
      }
    }
    const joined = bounds([crops[best.i], crops[best.j]]);
    crops.splice(best.j, 1);
    crops[best.i] = joined;
  }
  return crops;
}

/** The area the bounds of `a` and `b` add to theirs (less where they overlap). */
function joinCost(a: Rect, b: Rect): number {
  const w = Math.max(a.x + a.w, b.x + b.w) - Math.min(a.x, b.x);
  const h = Math.max(a.y + a.h, b.y + b.h) - Math.min(a.y, b.y);
  return w * h - a.w * a.h - b.w * b.h;
}

/** Bands of rows, each as wide as its runs, the closest bands joined until MAX_CROPS. */
function banded(runs: Rect[], mcusY: number): Rect[] {
  const bands: Rect[] = [];
  let open: Rect[] | null = null;
  for (let my = 0; my < mcusY; my++) {
    const row = runs.filter((r) => r.y <= my && my < r.y + r.h);
    if (row.length === 0) {
      if (open) bands.push(bounds(open));
      open = null;
      continue;
    }
    open = open ? open.concat(row) : row;
  }
  if (open) bands.push(bounds(open));
  while (bands.length > MAX_CROPS) {
    let join = 0;
    for (let i = 1; i < bands.length - 1; i++) {
      if (gap(bands[i], bands[i + 1]) < gap(bands[join], bands[join + 1])) join = i;
    }
    bands.splice(join, 2, bounds([bands[join], bands[join + 1]]));
  }
  return bands;
}

function gap(a: Rect, b: Rect): number {
  return b.y - (a.y + a.h);
}

/** `dirty` (row-major, `w`×`h` cells) at a coarser grain: a cell of `grain`×`grain` is dirty when any of its cells is. */
function coarsen(dirty: Uint8Array, w: number, h: number, grain: number): Uint8Array {
  const cw = Math.ceil(w / grain);
  const out = new Uint8Array(cw * Math.ceil(h / grain));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (dirty[y * w + x]) out[Math.floor(y / grain) * cw + Math.floor(x / grain)] = 1;
  return out;
}
