import { JpegBlocks } from '../jpeg/blocks';
import { Along, lumaLines, SAMPLED_LINE } from '../jpeg/luma';
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
 * And by this share of the MCU's own mean gradient along the move: a copy moves whole pixels, and
 * content that moved by a fraction of one (a 1920x1080 page on a 720p device moves 2/3 px per CSS
 * px) differs from it by up to half its gradient, as does the JPEG noise of detail. Held to
 * MCU_MEAN alone, the rows of posters scrolling sent most MCUs of posters and labels again
 * (means of 5–15 after the copy), and often no copy paid at all. Content that changed most often
 * differs by more than its gradient; what passes (the middle of a poster that grows, which
 * changes least) shows until the motion's exact pixels.
 */
const GRADIENT_SLACK = 0.5;
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
/** The best shift must beat no shift by this factor, */
const GAIN = 0.5;
/**
 * unless it matches this closely: an eased scroll's last steps move smooth cards by a pixel, which
 * no shift at all explains almost as well, and the grid's such frames went whole (58–60 KB, 1 747–
 * 1 994 MCUs changed) though a 1-px shift matched them within 1.1–1.3. The residual check and the
 * crops' SCROLL_GAIN still decide whether the copy pays.
 */
const SURE_MEAN = 2;
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
/** Stretches along the move (pixels) that a search asked to match in part weighs one by one. */
const SEGMENT = 64;

/**
 * A frame's luma over a box (in 8×8 blocks), kept for the next frame's search: the same box, most
 * often. By axis: the lines a search along it reads (jpeg/luma.ts).
 */
export interface LumaCache {
  blocks: JpegBlocks;
  box: Rect;
  luma: Partial<Record<Along, Uint8Array>>;
}

function sameBox(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}

/** prev's luma for a search along `axis`, from the cache when the last search computed it for this box. */
function lumaCached(j: JpegBlocks, box: Rect, axis: Along, cache: { last: LumaCache | null }): Uint8Array {
  const c = cache.last;
  const hit = c && c.blocks === j && sameBox(c.box, box) ? c.luma[axis] : undefined;
  return hit ?? lumaLines(j, box, axis);
}

/** Lines across `axis` and their length along it, for the box in blocks: of the luma in pixels, or of the thumbnails (`scale` 1). */
function shape(box: Rect, axis: Along, scale: number): { lines: number; length: number } {
  return axis === 'x' ? { lines: box.h, length: box.w * scale } : { lines: box.w, length: box.h * scale };
}

/**
 * The scroll, if any, that explains most of what changed (`dirty`: MCUs whose coefficients
 * differ). `cache` holds the luma last computed, and gets next's. `matching`: the share of the
 * changed box, in stretches along the move, that must match (fineCost); the rest goes as JPEG.
 */
export function findScroll(prev: JpegBlocks, next: JpegBlocks, dirty: Uint8Array, cache: { last: LumaCache | null } = { last: null }, stats = { still: 0, axes: 0 }, matching = 1): LiveScroll | null {
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
  const rows = { a: thumbnail(prev, box, 'x'), b: thumbnail(next, box, 'x') };
  if (cost(rows.a, rows.b, box.h, box.w, 0, 1, 1) < STILL_MEANS) {
    stats.still++;
    return null;
  }
  const cols = { a: thumbnail(prev, box, 'y'), b: thumbnail(next, box, 'y') };
  const coarse = [...coarseShifts(cols.a, cols.b, box, 'y'), ...coarseShifts(rows.a, rows.b, box, 'x')].sort((a, b) => a.cost - b.cost).slice(0, CANDIDATES);
  if (coarse.length === 0) return null;
  // Axis by axis, the most likely first, each with its luma only on the lines its search reads
  // (an eighth of the inverse DCT); the other axis is not looked at when the first matched well.
  const axes = [...new Set(coarse.map((c) => c.axis))];
  const lumas: Partial<Record<Along, { a: Uint8Array; b: Uint8Array }>> = {};
  const fresh: LumaCache = { blocks: next, box, luma: {} };
  let best: { axis: Along; d: number; cost: number } | null = null;
  for (const axis of axes) {
    if (best && best.cost <= CLOSE_MEAN) break;
    stats.axes++;
    const b = lumaLines(next, box, axis);
    const a = lumaCached(prev, box, axis, cache);
    lumas[axis] = { a, b };
    fresh.luma[axis] = b;
    const { lines, length } = shape(box, axis, 8);
    // Neighbouring candidates (the usual case: the cost is smooth around a match) share shifts:
    // each is weighed once.
    const weighed = new Set<number>();
    for (const c of coarse) {
      if (c.axis !== axis) continue;
      for (let d = c.d * 8 - 8; d <= c.d * 8 + 8; d++) {
        if (d === 0 || Math.abs(d) > (length * 3) / 4 || weighed.has(d)) continue;
        weighed.add(d);
        // Sampled every STEP along, a match may look up to twice as bad as it is.
        const k = fineCost(a, b, lines, length, d, STEP, Math.min(best ? best.cost : Infinity, 2 * MATCH_MEAN), matching);
        if (k !== Infinity && (!best || k < best.cost)) best = { axis, d, cost: k };
      }
    }
  }
  cache.last = fresh;
  if (!best) return null;
  const { a, b } = lumas[best.axis]!;
  const { lines, length } = shape(box, best.axis, 8);
  // Sampling every STEP pixels along the move can alias with a pattern of that period: the
  // neighbours of the best shift are weighed again on every pixel along it.
  let refined: { axis: Along; d: number; cost: number } | null = null;
  for (let d = best.d - STEP + 1; d <= best.d + STEP - 1; d++) {
    if (d === 0) continue;
    const k = fineCost(a, b, lines, length, d, 1, Math.min(refined ? refined.cost : Infinity, MATCH_MEAN), matching);
    if (k !== Infinity && (!refined || k < refined.cost)) refined = { axis: best.axis, d, cost: k };
  }
  if (!refined) return null;
  best = refined;
  // No shift must do worse by the factor; how much worse past that does not matter.
  if (best.cost > SURE_MEAN && best.cost > GAIN * fineCost(a, b, lines, length, 0, 1, best.cost / GAIN, matching)) return null;
  // The box in pixels, and the copy inside it: content moved by d along the axis.
  const W = box.w * 8;
  const H = box.h * 8;
  const px: Rect = { x: box.x * 8, y: box.y * 8, w: W, h: H };
  const d = best.d;
  const dst: Rect =
    best.axis === 'y'
      ? { x: px.x, y: px.y + Math.max(d, 0), w: W, h: H - Math.abs(d) }
      : { x: px.x + Math.max(d, 0), y: px.y, w: W - Math.abs(d), h: H };
  const copy: CopyRect = { dst, sx: dst.x - (best.axis === 'x' ? d : 0), sy: dst.y - (best.axis === 'y' ? d : 0) };
  return { copy, residual: residual(a, b, best.axis, d, box, next, dirty) };
}

/**
 * The blocks' mean luma over the box, from their DC coefficients (a picture at an eighth of the
 * size, free), in lines along `axis` as lumaLines lays them out.
 */
function thumbnail(j: JpegBlocks, box: Rect, axis: Along): Float64Array {
  const c = j.comps[0];
  const step = j.quant[c.tq][0];
  const out = new Float64Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) {
    for (let x = 0; x < box.w; x++) out[axis === 'x' ? y * box.w + x : x * box.h + y] = (c.coeffs[((box.y + y) * c.bw + box.x + x) * 64] * step) / 8 + 128;
  }
  return out;
}

/** The best few block-sized shifts along `axis` by the thumbnails, with their mean differences. */
function coarseShifts(a: Float64Array, b: Float64Array, box: Rect, axis: Along): { axis: Along; d: number; cost: number }[] {
  const top: { axis: Along; d: number; cost: number }[] = [];
  const { lines, length } = shape(box, axis, 1);
  const limit = Math.floor((length * 3) / 4);
  // Shift 0 too: a scroll by less than a block looks most like it at this size.
  for (let d = -limit; d <= limit; d++) {
    // A shift worse than the last of the few kept so far stops as soon as that shows.
    const k = cost(a, b, lines, length, d, COARSE_STEP, COARSE_STEP, top.length < CANDIDATES ? Infinity : top[CANDIDATES - 1].cost);
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
 * cost() over every line, sampled every `along` values along them; with `matching` under 1, the
 * mean over the SEGMENT-long stretches along the move that match best, that share of them. A
 * carousel's row slides while its focused poster grows and the one before shrinks (two posters
 * of five): over the whole row no shift came within MATCH_MEAN, and the row went as JPEG (12–18
 * KB a frame) though most of it only moved. What the copy leaves wrong goes as JPEG (residual).
 * Line by line, like cost(), so that a shift sure to miss stops early: the stretches' sums only
 * grow, and the best share of their means so far is a floor under the end's.
 */
function fineCost(a: ArrayLike<number>, b: ArrayLike<number>, lines: number, length: number, d: number, along: number, limit: number, matching: number): number {
  if (matching >= 1) return cost(a, b, lines, length, d, 1, along, limit);
  const p0 = Math.max(0, d);
  const p1 = Math.min(length, length + d);
  if (p1 <= p0 || lines === 0) return Infinity;
  const count = Math.ceil((p1 - p0) / SEGMENT);
  const keep = Math.ceil(matching * count);
  const sums = new Float64Array(count);
  // Samples each stretch has over all the lines: the last one may be shorter.
  const samples = new Float64Array(count);
  for (let s = 0; s < count; s++) samples[s] = lines * Math.ceil((Math.min(p1, p0 + (s + 1) * SEGMENT) - (p0 + s * SEGMENT)) / along);
  const means = new Float64Array(count);
  let mean = Infinity;
  for (let l = 0; l < lines; l++) {
    const row = l * length;
    const src = row - d;
    for (let s = 0; s < count; s++) {
      const s0 = p0 + s * SEGMENT;
      const s1 = Math.min(p1, s0 + SEGMENT);
      let sum = 0;
      for (let p = s0; p < s1; p += along) {
        const v = b[row + p] - a[src + p];
        sum += v < 0 ? -v : v;
      }
      sums[s] += sum;
    }
    // Every few lines, and after the last: sorting the stretches costs as much as a short line.
    if ((l & 3) !== 3 && l !== lines - 1) continue;
    for (let s = 0; s < count; s++) means[s] = sums[s] / samples[s];
    means.sort();
    let kept = 0;
    for (let s = 0; s < keep; s++) kept += means[s];
    mean = kept / keep;
    if (mean > limit) return Infinity;
  }
  return mean;
}

/**
 * Mean |b(p) - a(p - d)| over `lines` lines of `length` values each (line n at n * length), the
 * content moved by d along them, sampled every `across` lines and every `along` values along.
 * Infinity as soon as the mean is sure to be over `limit`: a shift no better than the best so
 * far, or than a match can be, is not worth its last lines (most of a search's time, on a frame
 * where nothing scrolled).
 */
function cost(a: ArrayLike<number>, b: ArrayLike<number>, lines: number, length: number, d: number, across: number, along: number, limit = Infinity): number {
  const p0 = Math.max(0, d);
  const p1 = Math.min(length, length + d);
  const n = p1 > p0 ? Math.ceil(lines / across) * Math.ceil((p1 - p0) / along) : 0;
  if (n === 0) return Infinity;
  const most = limit * n;
  let sum = 0;
  for (let l = 0; l < lines; l += across) {
    const row = l * length;
    const src = row - d;
    for (let p = p0; p < p1; p += along) {
      const v = b[row + p] - a[src + p];
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
 * one on average by more than MCU_MEAN and GRADIENT_SLACK of the new one's gradient. `a` and `b`
 * are the lines along `axis` (lumaLines).
 */
function residual(a: Uint8Array, b: Uint8Array, axis: Along, d: number, box: Rect, next: JpegBlocks, dirty: Uint8Array): Uint8Array {
  const out = Uint8Array.from(dirty);
  const { mcuW, mcuH, mcusX } = next;
  const { lines, length } = shape(box, axis, 8);
  const bx = box.x * 8;
  const by = box.y * 8;
  for (let my = Math.floor(by / mcuH); my * mcuH < by + box.h * 8; my++) {
    for (let mx = Math.floor(bx / mcuW); mx * mcuW < bx + box.w * 8; mx++) {
      // The MCU in the box's pixels, along the move and across it.
      const lo = axis === 'y' ? my * mcuH - by : mx * mcuW - bx;
      const hi = lo + (axis === 'y' ? mcuH : mcuW);
      const acrossLo = axis === 'y' ? mx * mcuW - bx : my * mcuH - by;
      const acrossHi = acrossLo + (axis === 'y' ? mcuW : mcuH);
      // The box's pixels the copy does not write: a strip d wide on the side content moved from.
      if (d > 0 ? lo < d : hi > length + d) {
        out[my * mcusX + mx] = 1;
        continue;
      }
      let sum = 0;
      let gradient = 0;
      let n = 0;
      // Every line through the MCU (one in eight across the move: all the luma holds) and every
      // pixel along it: sampled every other one, a copy one pixel off at a hard edge (content
      // moved over a flat header by a fractional scroll) showed on the device's odd rows only.
      for (let l = Math.max(0, Math.ceil((acrossLo - SAMPLED_LINE) / 8)); l < lines && l * 8 + SAMPLED_LINE < acrossHi; l++) {
        for (let p = lo; p < hi && p < length; p++) {
          // Sampled pixels past the strip's MCU all come from inside the box.
          const f = p - d;
          if (p < 0 || f < 0 || f >= length) continue;
          const v = b[l * length + p] - a[l * length + f];
          sum += v < 0 ? -v : v;
          const g = p + 1 < length ? b[l * length + p + 1] - b[l * length + p] : 0;
          gradient += g < 0 ? -g : g;
          n++;
        }
      }
      out[my * mcusX + mx] = n > 0 && sum > MCU_MEAN * n + GRADIENT_SLACK * gradient ? 1 : 0;
    }
  }
  return out;
}
