import { JpegBlocks } from '../jpeg/blocks';
import { lumaOf, LumaSample, SAMPLED_LINE } from '../jpeg/luma';
import { CopyRect } from './copy-rect';
import { Rect } from './damage';

/**
 * A scroll between two live frames: rows of posters sliding, a grid jumping a row. Coefficients
 * cannot show it (a move by a distance that is not a multiple of 16 re-blocks everything), so the
 * luma of what changed is compared by pixels: a coarse search on the blocks' means (their DC
 * coefficients, free), then a fine one, to the pixel, on the luma (an inverse DCT of the changed
 * area only, of every eighth line across the axis searched, the likelier axis first). Two JPEGs
 * of the same content at different offsets differ by their noise, so a match is a small mean
 * difference, not an equal hash as in copy-rect.ts. Wrong guesses cost bytes or a frame's look,
 * never the settled layer: the motion's exact pixels follow it.
 */
export interface LiveScroll {
  copy: CopyRect;
  /** 1 for each MCU (row-major, the frame's MCU grid) the copy does not explain: sent as JPEG. */
  residual: Uint8Array;
}

/** Mean luma difference, per sampled pixel, under which a shifted area is the same content. */
const MATCH_MEAN = 6;
/**
 * The same for one MCU after the copy: two JPEGs of the same content at different offsets differ
 * by 1–2 on average here, and what passes stays on the device until the motion ends.
 */
const MCU_MEAN = 4;
/**
 * Mean change of the blocks' mean luma (the DCs: free) under which nothing scrolled: a fade or a
 * colour change under way. Content that moves a few pixels changes them by more (the grid
 * scrolling 5 px: 6 levels; rows, 7–11); a cross-fade's first frame changes them by 0.2, and
 * searching it took 55–125 ms, the time the motion's first frame then waited.
 */
const STILL_MEANS = 1;
/**
 * A shift this close (sampled mean luma difference) is the scroll: the other axis is not searched.
 * Two JPEGs of content that moved differ by 1–2 on average here, sampled matches came out at 2–2.3.
 */
const CLOSE_MEAN = 3;
/** The best shift must beat no shift by this factor. */
const GAIN = 0.5;
/** Coarse candidates looked at closely. */
const CANDIDATES = 3;
/**
 * Sampling step of the coarse search on the blocks' means, across and along: every other block
 * both ways. Weighed on every block, the coarse search was 60 % of a search's time (a 720p row's
 * scroll: 20 ms a frame, most of a live frame's time here); it only ranks block shifts for the
 * fine search, and sampled it found as many copies (a card grid's scroll: 61 and 65 frames with a
 * copy in 12 keys either way).
 */
const COARSE_STEP = 2;
/** Sampling step of the fine search along the axis, in pixels. */
const STEP = 4;
/** Sampling step across the axis: the luma holds every eighth line (one per block, SAMPLED_LINE). */
const ACROSS = 8;

type Axis = 'x' | 'y';

/**
 * A frame's luma over a box (in 8×8 blocks), kept for the next frame's search: the same box, most
 * often. By axis: the lines across it that a search along it samples (lumaOf's 'cols' for 'y').
 */
export interface LumaCache {
  blocks: JpegBlocks;
  box: Rect;
  luma: Partial<Record<Axis, Uint8Array>>;
}

/** What a search along `axis` samples: every eighth line across it (ACROSS), every pixel along. */
const SAMPLE: Record<Axis, LumaSample> = { y: 'cols', x: 'rows' };

function sameBox(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}

/** prev's luma for a search along `axis`, from the cache when the last search computed it for this box. */
function lumaCached(j: JpegBlocks, box: Rect, axis: Axis, cache: { last: LumaCache | null }): Uint8Array {
  const c = cache.last;
  const hit = c && c.blocks === j && sameBox(c.box, box) ? c.luma[axis] : undefined;
  return hit ?? lumaOf(j, box, SAMPLE[axis]);
}

/**
 * The scroll, if any, that explains most of what changed (`dirty`: MCUs whose coefficients
 * differ). `cache` holds the luma last computed, and gets next's.
 */
export function findScroll(prev: JpegBlocks, next: JpegBlocks, dirty: Uint8Array, cache: { last: LumaCache | null } = { last: null }, stats = { still: 0, axes: 0 }): LiveScroll | null {
  const { mcusX, mcusY } = next;
  let x0 = mcusX;
  let y0 = mcusY;
  let x1 = -1;
  let y1 = -1;
  for (let my = 0; my < mcusY; my++) {
    for (let mx = 0; mx < mcusX; mx++) {
      if (!dirty[my * mcusX + mx]) continue;
      x0 = Math.min(x0, mx);
      y0 = Math.min(y0, my);
      x1 = Math.max(x1, mx);
      y1 = Math.max(y1, my);
    }
  }
  if (x1 < 0) return null;
  const lc = next.comps[0];
  // The changed area in luma blocks (8×8), clipped to the picture.
  const box = {
    x: x0 * lc.h,
    y: y0 * lc.v,
    w: Math.min((x1 + 1) * lc.h, Math.floor(next.width / 8)) - x0 * lc.h,
    h: Math.min((y1 + 1) * lc.v, Math.floor(next.height / 8)) - y0 * lc.v
  };
  if (box.w < 4 || box.h < 4) return null;
  const ta = thumbnail(prev, box);
  const tb = thumbnail(next, box);
  if (cost(ta, tb, box.w, box.h, 'y', 0, 1) < STILL_MEANS) {
    stats.still++;
    return null;
  }
  const coarse = [...coarseShifts(ta, tb, box, 'y'), ...coarseShifts(ta, tb, box, 'x')].sort((a, b) => a.cost - b.cost).slice(0, CANDIDATES);
  if (coarse.length === 0) return null;
  const W = box.w * 8;
  const H = box.h * 8;
  // Axis by axis, the most likely first, each with its luma only where its search samples it (an
  // eighth of the inverse DCT); the other axis is not looked at when the first matched well.
  const axes = [...new Set(coarse.map((c) => c.axis))];
  const lumas: Partial<Record<Axis, { a: Uint8Array; b: Uint8Array }>> = {};
  const fresh: LumaCache = { blocks: next, box, luma: {} };
  let best: { axis: Axis; d: number; cost: number } | null = null;
  for (const axis of axes) {
    if (best && best.cost <= CLOSE_MEAN) break;
    stats.axes++;
    const b = lumaOf(next, box, SAMPLE[axis]);
    const a = lumaCached(prev, box, axis, cache);
    lumas[axis] = { a, b };
    fresh.luma[axis] = b;
    const limit = axis === 'y' ? H : W;
    for (const c of coarse) {
      if (c.axis !== axis) continue;
      for (let d = c.d * 8 - 8; d <= c.d * 8 + 8; d++) {
        if (d === 0 || Math.abs(d) > (limit * 3) / 4) continue;
        // Sampled every STEP along, a match may look up to twice as bad as it is.
        const k = cost(a, b, W, H, axis, d, ACROSS, STEP, Math.min(best ? best.cost : Infinity, 2 * MATCH_MEAN), SAMPLED_LINE);
        if (k !== Infinity && (!best || k < best.cost)) best = { axis, d, cost: k };
      }
    }
  }
  cache.last = fresh;
  if (!best) return null;
  const { a, b } = lumas[best.axis]!;
  // Sampling every STEP pixels along the move can alias with a pattern of that period: the
  // neighbours of the best shift are weighed again on every line along it.
  let refined: { axis: Axis; d: number; cost: number } | null = null;
  for (let d = best.d - STEP + 1; d <= best.d + STEP - 1; d++) {
    if (d === 0) continue;
    const k = cost(a, b, W, H, best.axis, d, ACROSS, 1, Math.min(refined ? refined.cost : Infinity, MATCH_MEAN), SAMPLED_LINE);
    if (k !== Infinity && (!refined || k < refined.cost)) refined = { axis: best.axis, d, cost: k };
  }
  if (!refined) return null;
  best = refined;
  // No shift must do worse by the factor; how much worse past that does not matter.
  if (best.cost > GAIN * cost(a, b, W, H, best.axis, 0, ACROSS, 1, best.cost / GAIN, SAMPLED_LINE)) return null;
  // The box in pixels, and the copy inside it: content moved by d along the axis.
  const px: Rect = { x: box.x * 8, y: box.y * 8, w: W, h: H };
  const d = best.d;
  const dst: Rect =
    best.axis === 'y'
      ? { x: px.x, y: px.y + Math.max(d, 0), w: W, h: H - Math.abs(d) }
      : { x: px.x + Math.max(d, 0), y: px.y, w: W - Math.abs(d), h: H };
  const copy: CopyRect = { dst, sx: dst.x - (best.axis === 'x' ? d : 0), sy: dst.y - (best.axis === 'y' ? d : 0) };
  return { copy, residual: residual(a, b, W, H, best.axis, d, box, next, dirty) };
}

/** The blocks' mean luma over the box, from their DC coefficients: a picture at an eighth of the size. */
function thumbnail(j: JpegBlocks, box: Rect): Float64Array {
  const c = j.comps[0];
  const step = j.quant[c.tq][0];
  const out = new Float64Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) {
    for (let x = 0; x < box.w; x++) out[y * box.w + x] = (c.coeffs[((box.y + y) * c.bw + box.x + x) * 64] * step) / 8 + 128;
  }
  return out;
}

/** The best few block-sized shifts along `axis` by the thumbnails, with their mean differences. */
function coarseShifts(a: Float64Array, b: Float64Array, box: Rect, axis: Axis): { axis: Axis; d: number; cost: number }[] {
  const top: { axis: Axis; d: number; cost: number }[] = [];
  const limit = Math.floor(((axis === 'y' ? box.h : box.w) * 3) / 4);
  // Shift 0 too: a scroll by less than a block looks most like it at this size.
  for (let d = -limit; d <= limit; d++) {
    // A shift worse than the last of the few kept so far stops as soon as that shows.
    const k = cost(a, b, box.w, box.h, axis, d, COARSE_STEP, COARSE_STEP, top.length < CANDIDATES ? Infinity : top[CANDIDATES - 1].cost);
    if (k === Infinity) continue;
    let i = top.length;
    while (i > 0 && top[i - 1].cost > k) i--;
    if (i >= CANDIDATES) continue;
    top.splice(i, 0, { axis, d, cost: k });
    if (top.length > CANDIDATES) top.pop();
  }
  return top;
}

/**
 * Mean |b(p) - a(p - d)| over the overlap of a W×H picture with itself moved by d along `axis`,
 * sampled every `step` pixels across the move (from `phase`) and every `along` along it. Infinity
 * as soon as the mean is sure to be over `limit`: a shift no better than the best so far, or than
 * a match can be, is not worth its last rows (most of a search's time, on a frame where nothing
 * scrolled).
 */
function cost(a: ArrayLike<number>, b: ArrayLike<number>, W: number, H: number, axis: Axis, d: number, step = STEP, along = step, limit = Infinity, phase = 0): number {
  const dx = axis === 'x' ? d : 0;
  const dy = axis === 'y' ? d : 0;
  const sy = axis === 'y' ? along : step;
  const sx = axis === 'x' ? along : step;
  const y0 = Math.max(0, dy) + (axis === 'x' ? phase : 0);
  const y1 = Math.min(H, H + dy);
  const x0 = Math.max(0, dx) + (axis === 'y' ? phase : 0);
  const x1 = Math.min(W, W + dx);
  const n = y1 > y0 && x1 > x0 ? Math.ceil((y1 - y0) / sy) * Math.ceil((x1 - x0) / sx) : 0;
  if (n === 0) return Infinity;
  const most = limit * n;
  let sum = 0;
  for (let y = y0; y < y1; y += sy) {
    const row = y * W;
    const src = (y - dy) * W - dx;
    for (let x = x0; x < x1; x += sx) {
      const v = b[row + x] - a[src + x];
      sum += v < 0 ? -v : v;
    }
    if (sum > most) return Infinity;
  }
  return sum / n;
}

/**
 * The MCUs the copy leaves wrong: every one with pixels the copy does not write (what scrolled
 * in: the old pixels left there may look alike, a poster's next column, and would then stay as
 * they are, frame after frame), and those where the old frame moved by d differs from the new
 * one on average by more than MCU_MEAN.
 */
function residual(a: Uint8Array, b: Uint8Array, W: number, H: number, axis: Axis, d: number, box: Rect, next: JpegBlocks, dirty: Uint8Array): Uint8Array {
  const out = Uint8Array.from(dirty);
  const { mcuW, mcuH, mcusX } = next;
  const dx = axis === 'x' ? d : 0;
  const dy = axis === 'y' ? d : 0;
  const bx = box.x * 8;
  const by = box.y * 8;
  for (let my = Math.floor(by / mcuH); my * mcuH < by + H; my++) {
    for (let mx = Math.floor(bx / mcuW); mx * mcuW < bx + W; mx++) {
      // The box's pixels the copy does not write: a strip d wide on the side content moved from.
      const lo = (axis === 'y' ? my * mcuH - by : mx * mcuW - bx);
      const hi = lo + (axis === 'y' ? mcuH : mcuW);
      const size = axis === 'y' ? H : W;
      if (d > 0 ? lo < d : hi > size + d) {
        out[my * mcusX + mx] = 1;
        continue;
      }
      let sum = 0;
      let n = 0;
      // Every eighth line across the move (all the luma holds) and every other pixel along it: a
      // changed MCU differs all over.
      const sy = axis === 'y' ? 2 : ACROSS;
      const sx = axis === 'x' ? 2 : ACROSS;
      for (let y = my * mcuH - by + (axis === 'x' ? SAMPLED_LINE : 0); y < (my + 1) * mcuH - by && y < H; y += sy) {
        if (y < 0) continue;
        for (let x = mx * mcuW - bx + (axis === 'y' ? SAMPLED_LINE : 0); x < (mx + 1) * mcuW - bx && x < W; x += sx) {
          if (x < 0) continue;
          const fy = y - dy;
          const fx = x - dx;
          // Sampled pixels past the strip's MCU all come from inside the box.
          if (fy < 0 || fy >= H || fx < 0 || fx >= W) continue;
          const v = b[y * W + x] - a[fy * W + fx];
          sum += v < 0 ? -v : v;
          n++;
        }
      }
      out[my * mcusX + mx] = n > 0 && sum / n > MCU_MEAN ? 1 : 0;
    }
  }
  return out;
}
