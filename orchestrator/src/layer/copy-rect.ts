import { Rgba } from '../png/decode';
import { area, bounds, diffRects, Rect } from './damage';
import { pixelWords } from './window-hash';

/**
 * Copy instead of resend: content that scrolled or slid is moved on the device (the `copy`
 * encoding: a destination rectangle and the top-left of its source, in the layer as it was before
 * the frame), and only what the move does not explain is sent as pixels.
 *
 * Detection is a hash search between the frame the device has and the new capture, as VNC
 * servers do: within the bounds of what changed, every row (for a vertical move) or column (for a
 * horizontal one) is hashed in both images, and each new row that equals an old row votes for the
 * distance between them. Rows that occur many times (flat background) do not vote. Chromium snaps
 * scroll offsets to device pixels at any scale, so a scrolling page gives exact matches; a CSS
 * transform mid-transition mostly does not, and then no copy is found and nothing changes.
 *
 * The device's result is modelled exactly (the old frame with the copy applied) and diffed
 * against the capture, so a wrong guess costs bytes, never pixels.
 */
export interface CopyRect {
  /** Where the pixels go. */
  dst: Rect;
  /** Top-left of where they come from, before the frame. */
  sx: number;
  sy: number;
}

export interface CopyPlan {
  copy: CopyRect;
  /** What still differs from the capture after the copy. */
  residual: Rect[];
}

/** Changes smaller than this are a focus ring or a label: not worth a search. */
const MIN_CHANGED_PX = 128 * 96;
/** A copy must move at least this many pixels to be worth its rectangle. */
const MIN_COPY_PX = 64 * 32;
/** A row hash seen more often than this in the old frame is flat background: it says nothing. */
const MAX_OCCURRENCES = 4;
/** The best distance must be voted for by this share of the rows (or columns) searched. */
const MIN_VOTE_SHARE = 0.2;
/**
 * What a move leaves is often many small patches (edges of photographs that a browser resamples
 * at their new place): merged into their bounds they would cost more than the move saves.
 */
export const MAX_RESIDUAL_RECTS = 256;

/** The payload of a `copy` rectangle: u16 source x, u16 source y, big-endian. */
export function encodeCopy(c: CopyRect): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(c.sx, 0);
  b.writeUInt16BE(c.sy, 2);
  return b;
}

/** FNV-1a over the pixels of each row (axis "y") or column (axis "x") of `box`. */
function lineHashes(px: Uint32Array, width: number, box: Rect, axis: 'x' | 'y'): Uint32Array {
  const lines = axis === 'y' ? box.h : box.w;
  const out = new Uint32Array(lines);
  for (let i = 0; i < lines; i++) {
    let h = 2166136261;
    if (axis === 'y') {
      const start = (box.y + i) * width + box.x;
      for (let o = start; o < start + box.w; o++) h = Math.imul(h ^ px[o], 16777619);
    } else {
      for (let y = box.y; y < box.y + box.h; y++) h = Math.imul(h ^ px[y * width + box.x + i], 16777619);
    }
    out[i] = h >>> 0;
  }
  return out;
}

/** Lines are hashed in bands this wide at least, so that a change in one band (a focus ring) leaves the others voting. */
const MIN_BAND = 128;
const MAX_BANDS = 8;

interface Shift {
  /** Distance the content moved along the axis (positive: down or right). */
  d: number;
  share: number;
  /** Per band, the hashes of each line before and after. */
  before: Uint32Array[];
  after: Uint32Array[];
}

function vote(before: Uint32Array, after: Uint32Array, votes: Map<number, number>): void {
  const at = new Map<number, number[]>();
  for (let i = 0; i < before.length; i++) {
    const list = at.get(before[i]);
    if (!list) at.set(before[i], [i]);
    else if (list.length <= MAX_OCCURRENCES) list.push(i);
  }
  for (let i = 0; i < after.length; i++) {
    const list = at.get(after[i]);
    if (!list || list.length > MAX_OCCURRENCES) continue;
    for (const j of list) {
      if (j !== i) votes.set(i - j, (votes.get(i - j) ?? 0) + 1);
    }
  }
}

/** The box cut across the axis into bands: columns of it for rows ("y"), rows of it for columns ("x"). */
function bands(box: Rect, axis: 'x' | 'y'): Rect[] {
  const across = axis === 'y' ? box.w : box.h;
  const n = Math.max(1, Math.min(MAX_BANDS, Math.floor(across / MIN_BAND)));
  const out: Rect[] = [];
  for (let k = 0; k < n; k++) {
    const from = Math.floor((k * across) / n);
    const to = Math.floor(((k + 1) * across) / n);
    out.push(axis === 'y' ? { x: box.x + from, y: box.y, w: to - from, h: box.h } : { x: box.x, y: box.y + from, w: box.w, h: to - from });
  }
  return out;
}

function shiftAlong(prev: Uint32Array, next: Uint32Array, width: number, box: Rect, axis: 'x' | 'y'): Shift {
  const parts = bands(box, axis);
  const before = parts.map((b) => lineHashes(prev, width, b, axis));
  const after = parts.map((b) => lineHashes(next, width, b, axis));
  const votes = new Map<number, number>();
  parts.forEach((_, k) => vote(before[k], after[k], votes));
  let best = { d: 0, votes: 0 };
  for (const [d, n] of votes) if (n > best.votes) best = { d, votes: n };
  const lines = axis === 'y' ? box.h : box.w;
  return { d: best.d, share: best.votes / (lines * parts.length), before, after };
}

/**
 * The lines the copy spans: from the first to the last that changed and, moved by `d`, equals
 * the new one, in some band. Lines between that match in no band are copied anyway: the diff after the copy sends
 * what differs (a focus ring that moved with the content), which is less than the whole line.
 */
function matchingSpan(s: Shift): { start: number; end: number } {
  let start = -1;
  let end = -1;
  const n = s.after[0].length;
  for (let i = 0; i < n; i++) {
    const j = i - s.d;
    if (j < 0 || j >= n) continue;
    // Only lines the copy explains count: changed in place, equal once moved. Flat lines equal
    // each other anywhere, and would stretch the copy over what did not move (a static header).
    if (s.after.some((a, k) => a[i] === s.before[k][j] && a[i] !== s.before[k][i])) {
      if (start < 0) start = i;
      end = i + 1;
    }
  }
  return start < 0 ? { start: 0, end: 0 } : { start, end };
}

/**
 * `prev` with the copy applied, as the device will have it: a new frame, `prev` untouched. The
 * pixels come from `source`: `prev` itself, or the device's kept layer.
 */
export function applyCopy(prev: Rgba, c: CopyRect, source: Rgba = prev): Rgba {
  const data = Buffer.from(prev.data);
  writeCopy(data, c, source);
  return { width: prev.width, height: prev.height, data };
}

/** Writes the copy's pixels from `source` into `data` (a frame of the same size). */
function writeCopy(data: Buffer, c: CopyRect, source: Rgba): void {
  const stride = source.width * 4;
  for (let row = 0; row < c.dst.h; row++) {
    const from = (c.sy + row) * stride + c.sx * 4;
    source.data.copy(data, (c.dst.y + row) * stride + c.dst.x * 4, from, from + c.dst.w * 4);
  }
}

/**
 * The device's frame after the copy, valid in rows `y0` to `y1` only (the rest is left as an
 * earlier call left it): one buffer per frame size, reused. A whole new frame per planned copy was
 * a frame's worth of garbage for every focus move whose ring lines voted for a shift.
 */
const scratch = new Map<number, Buffer>();

function predictRows(prev: Rgba, c: CopyRect, source: Rgba, y0: number, y1: number): Rgba {
  let data = scratch.get(prev.data.length);
  if (!data) {
    data = Buffer.allocUnsafeSlow(prev.data.length);
    scratch.set(prev.data.length, data);
  }
  const stride = prev.width * 4;
  prev.data.copy(data, y0 * stride, y0 * stride, y1 * stride);
  writeCopy(data, c, source);
  return { width: prev.width, height: prev.height, data };
}

/**
 * A copy that explains part of the change from `prev` to `next` (`rects`, their diff: every pixel
 * that differs is in one of them), with the rectangles still to send after it; null when none is
 * found or it would not save anything.
 * `source`: where the copy reads, `prev` itself or the device's kept layer (same size).
 */
export function planCopy(prev: Rgba, next: Rgba, rects: Rect[], tile: number, source: Rgba = prev): CopyPlan | null {
  const changed = area(rects);
  if (changed < MIN_CHANGED_PX) return null;
  if (source.width !== prev.width || source.height !== prev.height) return null;
  const box = bounds(rects);
  const a = pixelWords(source);
  const b = pixelWords(next);
  const vertical = box.h > 1 ? shiftAlong(a, b, prev.width, box, 'y') : null;
  const horizontal = box.w > 1 ? shiftAlong(a, b, prev.width, box, 'x') : null;
  const pick = !horizontal || (vertical && vertical.share >= horizontal.share) ? vertical : horizontal;
  if (!pick || pick.d === 0 || pick.share < MIN_VOTE_SHARE) return null;
  const run = matchingSpan(pick);
  let copy: CopyRect;
  if (pick === vertical) {
    copy = { dst: { x: box.x, y: box.y + run.start, w: box.w, h: run.end - run.start }, sx: box.x, sy: box.y + run.start - pick.d };
  } else {
    copy = { dst: { x: box.x + run.start, y: box.y, w: run.end - run.start, h: box.h }, sx: box.x + run.start - pick.d, sy: box.y };
  }
  if (copy.dst.w * copy.dst.h < MIN_COPY_PX) return null;
  // Outside the box `prev` is `next` already, and the copy writes inside it: only the box's rows
  // can differ, and only the tile rows around them are read (the diff trims dirty tiles).
  const y0 = Math.floor(box.y / tile) * tile;
  const y1 = Math.min(prev.height, Math.ceil((box.y + box.h) / tile) * tile);
  const rows = new Uint8Array(prev.height);
  rows.fill(1, box.y, box.y + box.h);
  const residual = diffRects(predictRows(prev, copy, source, y0, y1), next, tile, rows, MAX_RESIDUAL_RECTS);
  if (area(residual) >= changed) return null;
  return { copy, residual };
}
