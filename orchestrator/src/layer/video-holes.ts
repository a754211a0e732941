import { HOLE_KEYS } from '@stratus/cloud-page';
import { Rgba } from '../png/decode';
import { intersect, Rect } from './damage';

/**
 * The orchestrator half of the video hole (docs/media.md, "The video hole"; the page half is
 * cloud-page/src/media/video-hole.ts). Where a proxied element shows the device's picture, the
 * page paints it in the first key colour. In each captured layer, inside the holes the page
 * reported:
 *
 * - a pixel in the first key is the hole: fully transparent;
 * - a transparent pixel stays so;
 * - any other pixel has something of the app's over the key (a bar, subtitles, a focus ring) or
 *   is not the element's at all. A second capture with the holes in the other key gives the same
 *   pixel over two known colours, which solves its coverage exactly: out = P + t·video, with
 *   P the app's premultiplied colour and t how much of the video shows through. The layer gets
 *   P with alpha 1 − t.
 *
 * Second captures cost a frame, so solved pixels are remembered per hole position, keyed by their
 * first-key value: a frame whose pixels over the video did not change, or changed back to what
 * they were, needs no second capture. A pixel is remembered only when its two captures agree
 * with one colour over the two keys: one taken from a page that changed between them would come
 * back wrong whenever its first-key value did.
 * A page with no hole costs nothing: the frame passes through untouched.
 */

/** How the orchestrator gets the second capture. */
export interface HoleKeying {
  /** Paints every hole of the page in key `n` (in each document that has one). */
  paintKey(n: 1 | 2, contexts: number[]): Promise<void>;
  /** The layer's pixels in `clip` (layer pixels), as they are now. */
  capture(clip: Rect): Promise<Rgba>;
}

/** What LayerStream needs of the holes. */
export interface HoleCutter {
  /** Changes whenever the set of holes changes. */
  readonly generation: number;
  /** The holes now, to pass to cut() for a capture about to start. */
  snapshot(): Rect[];
  /**
   * The image (captured at layer pixel `x`, `y`) with its holes cut; `img` itself when no hole
   * touches it. `before`: the holes when the capture started (a hole that closed or moved while
   * it ran is still in its pixels).
   */
  cut(img: Rgba, x: number, y: number, before: Rect[]): Promise<Rgba>;
}

/** At most this many holes per document: a page reporting more is cut at that. */
export const MAX_HOLES_PER_DOCUMENT = 16;
/**
 * Solved pixels kept for holes that closed, most recent first: a hole that opens again where it
 * was (a video stopped and played again, a channel change) needs no second capture. A 720p hole
 * keeps 15 MB.
 */
const CLOSED_MEMORIES = 2;

const word = (c: readonly number[], a: number): number => (c[0] | (c[1] << 8) | (c[2] << 16) | (a << 24)) >>> 0;
const FIRST = word(HOLE_KEYS.first, 255);
const SECOND = word(HOLE_KEYS.second, 255);
const K1 = HOLE_KEYS.first;
const K2 = HOLE_KEYS.second;

/**
 * Per pixel of a hole, the last two first-key values seen there (FIRST where nothing is known)
 * and what they solved to: two, so that a focus ring entering the video and leaving it again (the
 * usual change over a video) is solved once per state, not once per key.
 */
interface Memory {
  seen: Uint32Array;
  solved: Uint32Array;
  seenBefore: Uint32Array;
  solvedBefore: Uint32Array;
}

function recall(mem: Memory, m: number, v: number): number | -1 {
  if (mem.seen[m] === v) return mem.solved[m];
  if (mem.seenBefore[m] === v) return mem.solvedBefore[m];
  return -1;
}

function remember(mem: Memory, m: number, v: number, out: number): void {
  mem.seenBefore[m] = mem.seen[m];
  mem.solvedBefore[m] = mem.solved[m];
  mem.seen[m] = v;
  mem.solved[m] = out;
}

export class VideoHoles implements HoleCutter {
  generation = 0;
  /** Holes per execution context, in layer pixels. */
  private readonly byContext = new Map<number, Rect[]>();
  private readonly memory = new Map<string, Memory>();
  /** Second captures taken, for tests and the bench. */
  readonly stats = { secondCaptures: 0, solvedPixels: 0, unremembered: 0 };

  constructor(
    private readonly scale: number,
    private readonly keying: HoleKeying,
    private readonly onChange: () => void
  ) {}

  /**
   * A document's holes, as its page reported them: [x, y, width, height] in CSS pixels of the
   * top-level viewport. Returns an error message for a malformed report (nothing changes then).
   */
  report(contextId: number, rects: unknown): string | null {
    if (!Array.isArray(rects)) return 'rects must be an array';
    const out: Rect[] = [];
    for (const r of rects.slice(0, MAX_HOLES_PER_DOCUMENT)) {
      if (!Array.isArray(r) || r.length !== 4 || !r.every((n) => typeof n === 'number' && Number.isFinite(n))) return 'a rect is [x, y, width, height]';
      const s = this.scale;
      // Outward to whole layer pixels: the key's antialiased edge is inside the hole.
      const x0 = Math.max(0, Math.floor(r[0] * s));
      const y0 = Math.max(0, Math.floor(r[1] * s));
      const x1 = Math.ceil((r[0] + r[2]) * s);
      const y1 = Math.ceil((r[1] + r[3]) * s);
      if (x1 > x0 && y1 > y0) out.push({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
    }
    const before = JSON.stringify(this.byContext.get(contextId) ?? []);
    if (JSON.stringify(out) === before) return null;
    if (out.length) this.byContext.set(contextId, out);
    else this.byContext.delete(contextId);
    this.changed();
    return null;
  }

  /** The document went away, and its holes with it. */
  forget(contextId: number): void {
    if (this.byContext.delete(contextId)) this.changed();
  }

  snapshot(): Rect[] {
    const all: Rect[] = [];
    for (const rects of this.byContext.values()) all.push(...rects);
    return all;
  }

  private changed(): void {
    this.generation++;
    const live = new Set(this.snapshot().map(keyOf));
    // The map iterates oldest first (memoryOf re-inserts on use): drop the oldest closed ones.
    const closed = [...this.memory.keys()].filter((k) => !live.has(k));
    for (const k of closed.slice(0, Math.max(0, closed.length - CLOSED_MEMORIES))) this.memory.delete(k);
    this.onChange();
  }

  async cut(img: Rgba, ox: number, oy: number, before: Rect[]): Promise<Rgba> {
    const holes = unique([...before, ...this.snapshot()])
      .map((h) => ({ hole: h, part: intersect(h, { x: ox, y: oy, w: img.width, h: img.height }) }))
      .filter((p): p is { hole: Rect; part: Rect } => p.part !== null);
    if (!holes.length) return img;
    const data = Buffer.allocUnsafeSlow(img.data.length);
    img.data.copy(data);
    const src = wordsOf(img.data);
    const dst = wordsOf(data);
    const width = img.width;
    // First pass: the key goes, remembered pixels come back, the rest is bounded for a second capture.
    let bx0 = Infinity;
    let by0 = Infinity;
    let bx1 = -1;
    let by1 = -1;
    let known: number;
    for (const { hole, part } of holes) {
      const mem = this.memoryOf(hole);
      for (let y = part.y; y < part.y + part.h; y++) {
        let i = (y - oy) * width + (part.x - ox);
        let m = (y - hole.y) * hole.w + (part.x - hole.x);
        for (let x = part.x; x < part.x + part.w; x++, i++, m++) {
          const v = src[i];
          if (v === FIRST) dst[i] = 0;
          else if (v === 0) continue;
          else if ((known = recall(mem, m, v)) !== -1) dst[i] = known;
          else {
            if (x < bx0) bx0 = x;
            if (x > bx1) bx1 = x;
            if (y < by0) by0 = y;
            if (y > by1) by1 = y;
          }
        }
      }
    }
    if (bx1 >= 0) {
      const box = { x: bx0, y: by0, w: bx1 - bx0 + 1, h: by1 - by0 + 1 };
      const second = await this.secondCapture(box);
      const other = wordsOf(second.data);
      const trusted = keyFollowed(src, other, width, ox, oy, box);
      for (const { hole, part } of holes) {
        const p = intersect(part, box);
        if (!p) continue;
        const mem = this.memoryOf(hole);
        for (let y = p.y; y < p.y + p.h; y++) {
          let i = (y - oy) * width + (p.x - ox);
          let m = (y - hole.y) * hole.w + (p.x - hole.x);
          let j = (y - box.y) * box.w + (p.x - box.x);
          for (let x = p.x; x < p.x + p.w; x++, i++, m++, j++) {
            const v = src[i];
            if (v === FIRST || v === 0 || recall(mem, m, v) !== -1) continue;
            const out = solve(v, other[j]);
            if (!trusted || !linear(v, other[j])) {
              // Sent, since the frame needs a pixel, but never recalled: had the page changed
              // between the captures, the pixel would stay wrong whenever this colour came back.
              this.stats.unremembered++;
            } else remember(mem, m, v, out);
            dst[i] = out;
            this.stats.solvedPixels++;
          }
        }
      }
    }
    return { width, height: img.height, data };
  }

  private async secondCapture(box: Rect): Promise<Rgba> {
    const contexts = [...this.byContext.keys()];
    this.stats.secondCaptures++;
    await this.keying.paintKey(2, contexts);
    try {
      const img = await this.keying.capture(box);
      if (img.width !== box.w || img.height !== box.h) throw new Error(`second capture is ${img.width}x${img.height}, not ${box.w}x${box.h}`);
      return img;
    } finally {
      await this.keying.paintKey(1, contexts);
    }
  }

  private memoryOf(hole: Rect): Memory {
    const k = keyOf(hole);
    let mem = this.memory.get(k);
    if (mem) this.memory.delete(k);
    else {
      const n = hole.w * hole.h;
      mem = { seen: new Uint32Array(n).fill(FIRST), solved: new Uint32Array(n), seenBefore: new Uint32Array(n).fill(FIRST), solvedBefore: new Uint32Array(n) };
    }
    this.memory.set(k, mem);
    return mem;
  }
}

/**
 * How far one channel's share of the video may be from the mean of the three. Chromium's 8-bit
 * blending puts them within 2/245 of each other (a level per capture); a page that changed
 * between the captures puts them tenths apart.
 */
const LINEAR_TOLERANCE = 0.05;

/**
 * Whether every pixel in `box` that showed the first key shows the second one in the second
 * capture: if not, the page changed between the captures (or a hole moved), and nothing solved
 * from them is worth remembering.
 */
function keyFollowed(first: Uint32Array, second: Uint32Array, width: number, ox: number, oy: number, box: Rect): boolean {
  for (let y = 0; y < box.h; y++) {
    let i = (box.y + y - oy) * width + (box.x - ox);
    let j = y * box.w;
    for (let x = 0; x < box.w; x++, i++, j++) if (first[i] === FIRST && second[j] !== SECOND) return false;
  }
  return true;
}

/**
 * Whether two captures of a pixel are one colour over the two keys (P + t·K, the same t in each
 * channel). Not so when the page changed between them, nor under a blend that mixes channels
 * (a grayscale backdrop filter over the video): solve() still gives its best guess then.
 */
export function linear(v1: number, v2: number): boolean {
  const t = [share(v1, v2, 0), share(v1, v2, 1), share(v1, v2, 2)];
  const mean = (t[0] + t[1] + t[2]) / 3;
  return Math.abs(t[0] - mean) <= LINEAR_TOLERANCE && Math.abs(t[1] - mean) <= LINEAR_TOLERANCE && Math.abs(t[2] - mean) <= LINEAR_TOLERANCE;
}

/**
 * One pixel from its captures over the first key (v1) and the second (v2), both straight RGBA
 * words. Over an opaque video colour V the browser shows P + t·V (P premultiplied); each key
 * is such a V, so t is the change between captures over the change between keys (averaged over
 * the three channels against rounding), and P what remains of the first capture.
 */
export function solve(v1: number, v2: number): number {
  const a1 = v1 >>> 24;
  const t = Math.min(Math.max((share(v1, v2, 0) + share(v1, v2, 1) + share(v1, v2, 2)) / 3, 0), a1 / 255);
  const alpha = a1 - 255 * t;
  const a = Math.round(alpha);
  if (a === 0) return 0;
  let out = a << 24;
  for (let c = 0; c < 3; c++) {
    const premultiplied = Math.max(0, channel(v1, c) - t * K1[c]);
    out |= Math.min(255, Math.round((premultiplied * 255) / alpha)) << (8 * c);
  }
  return out >>> 0;
}

/** Channel `c` of a straight RGBA word, premultiplied by its alpha. */
function channel(v: number, c: number): number {
  return ((v >>> (8 * c)) & 255) * ((v >>> 24) / 255);
}

/** How much of the key shows through in channel `c`: its change between the captures over the keys'. */
function share(v1: number, v2: number, c: number): number {
  return (channel(v2, c) - channel(v1, c)) / (K2[c] - K1[c]);
}

function keyOf(r: Rect): string {
  return `${r.x},${r.y},${r.w},${r.h}`;
}

function unique(rects: Rect[]): Rect[] {
  const seen = new Set<string>();
  return rects.filter((r) => {
    const k = keyOf(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A Uint32 view, copying first when the bytes are not 4-aligned in their ArrayBuffer. */
function wordsOf(data: Buffer): Uint32Array {
  const own = data.byteOffset % 4 === 0 ? data : Buffer.from(data);
  return new Uint32Array(own.buffer, own.byteOffset, own.length >> 2);
}
