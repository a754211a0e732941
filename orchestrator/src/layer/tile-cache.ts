import { createHash } from 'node:crypto';
import { ENCODINGS, TILE_CACHE_TILE } from '@stratus/protocol';
import { Rgba } from '../png/decode';
import { intersect, Rect } from './damage';
import { EncodedRect } from './frame-builder';
import { FADE_CANDIDATES, FadeCandidate, FadeSources } from './live-fade';
import { TileLook, tileLook } from './tile-looks';
import { pixelWords, uniform, windowHash, windowHashes } from './window-hash';

/** What one frame's exact rectangles become with the device's tile cache. */
export interface CachePlan {
  /** Tiles the device holds: drawn from its cache (after the frame's other rectangles). */
  cached: EncodedRect[];
  /** What is still to be encoded, trimmed to the tiles the cache could not supply. */
  rects: Rect[];
  /** Tiles this frame sends whole and exact: saved on the device once drawn (before `cached`). */
  stash: EncodedRect[];
  /**
   * Tiles the device holds, found where content moved to (off the grid): drawn before the frame's
   * `png` rectangles, since the tiles stashed after those may include their pixels.
   */
  moved: EncodedRect[];
}

/** A tile found where content moved must bring at least this many pixels the frame would otherwise encode. */
const MIN_GAIN = 256;
/** What moved tiles leave of a rectangle, in more pieces than this, costs more in PNG headers than they save. */
const MAX_PIECES = 48;
/**
 * Windows weighed (their pixels not yet covered counted) per frame at most: content that repeats
 * every few pixels (a texture) has a window equal to a held tile at every repetition.
 */
const MAX_WEIGHED = 4096;
/** Bits of the filter that spares most windows a Map lookup (2^20 bits: 128 KB). */
const FILTER_BITS = 20;

/**
 * The orchestrator's mirror of one device's tile cache (protocol/src/encodings.ts): which tile,
 * by a hash of its exact pixels, sits in which slot, least recently used first. TV UIs come back
 * to what they showed before: the item focus just left, a menu closed again, a photo visited a
 * minute ago. Those tiles are drawn from the device's cache, not encoded and sent again, and
 * their PNG encode is saved too. The device keeps no bookkeeping: stash and cached rectangles
 * name their slot, so the mirror is right as long as the device applies every frame, which holds
 * from one keyframe to the next (a device that drops a frame asks for a keyframe, and a keyframe
 * empties the mirror).
 *
 * Tiles are stashed on a grid of the layer, but content moves: a row of posters scrolled by 37 px,
 * the same thumbnail in another row. Where the grid finds no tile, every position is looked at
 * (window-hash.ts): a window equal to a tile the device holds is drawn from there, wherever it is.
 */
export class TileCache implements FadeSources {
  /** Tile hash → slot; Map order is recency (oldest first). */
  private readonly slots = new Map<string, number>();
  private nextFree = 0;
  /** Rolling window hash → tile hash, for whole tiles that are not one colour; and back, to forget them. */
  private readonly windows = new Map<number, string>();
  private readonly windowOf = new Map<string, number>();
  /** Bits set for the rolling hashes in `windows` (and some forgotten since: `stale`). */
  private filter: Uint32Array | null = null;
  private stale = 0;
  /**
   * Block means of each slot's tile (a whole opaque one) for fades (live-fade.ts), with the stash
   * it came from: a slot stashed again is another tile.
   */
  private readonly looks = new Map<number, { look: TileLook; stash: number }>();
  /** Grid place → the slots whose tiles were drawn there, newest first (stale ones skipped when read), and the plan that drew them. */
  private readonly placed = new Map<number, { slot: number; stash: number; drawn: number }[]>();
  private stashes = 0;
  /** Frames planned: a picture drawn by one frame has one in all its places. */
  private plans = 0;

  /** `capacity`: the slots the device said it keeps; `fades`: the device draws fades from them (their looks are kept). */
  constructor(
    private readonly capacity: number,
    private readonly tile = TILE_CACHE_TILE,
    private readonly fades = false
  ) {}

  get size(): number {
    return this.slots.size;
  }

  /** A keyframe, or a new device: nothing stashed before is referred to again. */
  reset(): void {
    this.slots.clear();
    this.nextFree = 0;
    this.windows.clear();
    this.windowOf.clear();
    this.filter = null;
    this.stale = 0;
    this.looks.clear();
    this.placed.clear();
  }

  /** FadeSources: tiles the device holds that were drawn at grid tile (tx, ty), newest first. */
  fadeCandidates(tx: number, ty: number): FadeCandidate[] {
    const out: FadeCandidate[] = [];
    for (const p of this.placed.get(ty * 65536 + tx) ?? []) {
      const held = this.looks.get(p.slot);
      if (held && held.stash === p.stash) out.push({ slot: p.slot, look: held.look, drawn: p.drawn });
    }
    return out;
  }

  /** Slot `slot`'s tile is drawn at grid tile (tx, ty) by the frame being planned. */
  private drawnAt(tx: number, ty: number, slot: number): void {
    const look = this.looks.get(slot);
    if (!look) return;
    const key = ty * 65536 + tx;
    const list = (this.placed.get(key) ?? []).filter((p) => p.slot !== slot && this.looks.get(p.slot)?.stash === p.stash);
    list.unshift({ slot, stash: look.stash, drawn: this.plans });
    if (list.length > FADE_CANDIDATES) list.length = FADE_CANDIDATES;
    this.placed.set(key, list);
  }

  /** Tiles the cache can find wherever they moved to. */
  get movable(): number {
    return this.windows.size;
  }

  /**
   * Plans a frame whose exact rectangles are `rects` on layer `img` (what the device shows once the
   * frame is drawn, except under `lossy`, a JPEG region of the same frame). Every tile the rectangles
   * touch is looked up: a hit becomes a `cached` rectangle for the whole tile and leaves the
   * rectangles; a miss not under `lossy` is stashed once drawn. A tile under `lossy` is neither.
   */
  plan(img: Rgba, rects: Rect[], lossy: Rect | null = null): CachePlan {
    this.plans++;
    const T = this.tile;
    const tilesX = Math.ceil(img.width / T);
    const seen = new Map<number, number>();
    const cached: EncodedRect[] = [];
    const stash: EncodedRect[] = [];
    const used = new Set<number>();
    /** Slots this frame stashes in: their tiles are not there yet when `cached` draws. */
    const claimed = new Set<number>();
    const stashLimit = this.capacity >> 1;
    /** The layer's pixels as words, for the looks of the tiles stashed (made once, if any). */
    let px: Uint32Array | null = null;
    // Hit (slot) or miss (-1) of each tile the rectangles touch, in the order they are met.
    const lookup = (tx: number, ty: number): number => {
      const key = ty * tilesX + tx;
      const known = seen.get(key);
      if (known !== undefined) return known;
      const t = this.tileRect(img, tx, ty);
      let slot = -1;
      if (!lossy || !intersect(t, lossy)) {
        const hash = tileHash(img, t);
        const hit = this.slots.get(hash);
        if (hit !== undefined) {
          this.touch(hash, hit);
          used.add(hit);
          cached.push({ rect: t, encoding: ENCODINGS.cached, payload: slotPayload(hit) });
          this.drawnAt(tx, ty, hit);
          slot = hit;
        } else if (stash.length < stashLimit) {
          const s = this.claim(hash, used);
          if (s >= 0) {
            claimed.add(s);
            stash.push({ rect: t, encoding: ENCODINGS.stash, payload: slotPayload(s) });
            this.index(img, t, hash);
            const look = this.fades ? tileLook(img, t.x, t.y, (px ??= pixelWords(img))) : null;
            if (look) this.looks.set(s, { look, stash: ++this.stashes });
            else this.looks.delete(s);
            this.drawnAt(tx, ty, s);
          }
        }
      }
      seen.set(key, slot);
      return slot;
    };
    const out: Rect[] = [];
    for (const r of rects) {
      const tx0 = Math.floor(r.x / T);
      const tx1 = Math.ceil((r.x + r.w) / T);
      const ty0 = Math.floor(r.y / T);
      const ty1 = Math.ceil((r.y + r.h) / T);
      let anyHit = false;
      for (let ty = ty0; ty < ty1; ty++) for (let tx = tx0; tx < tx1; tx++) if (lookup(tx, ty) >= 0) anyHit = true;
      if (!anyHit) {
        out.push(r);
        continue;
      }
      // Runs of missed tiles, row by row, cut from the rectangle.
      for (let ty = ty0; ty < ty1; ty++) {
        let tx = tx0;
        while (tx < tx1) {
          if (lookup(tx, ty) >= 0) {
            tx++;
            continue;
          }
          const start = tx;
          while (tx < tx1 && lookup(tx, ty) < 0) tx++;
          const piece = intersect(r, { x: start * T, y: ty * T, w: (tx - start) * T, h: T });
          if (piece) out.push(piece);
        }
      }
    }
    const moved: EncodedRect[] = [];
    return { cached, rects: this.windows.size > 0 ? this.moved(img, out, lossy, used, claimed, moved) : out, stash, moved };
  }

  /**
   * `rects` less what tiles the device holds cover at any position (they go to `cached`). A window
   * is taken in reading order when it brings enough pixels not yet covered; what is left of each
   * rectangle is cut into rows of runs.
   */
  private moved(img: Rgba, rects: Rect[], lossy: Rect | null, used: Set<number>, claimed: Set<number>, moved: EncodedRect[]): Rect[] {
    const T = this.tile;
    const filter = this.filter;
    if (!filter || img.width < T || img.height < T) return rects;
    const px = pixelWords(img);
    const out: Rect[] = [];
    let weighed = 0;
    for (const r of rects) {
      const x0 = Math.max(0, r.x - T + 1);
      const y0 = Math.max(0, r.y - T + 1);
      const x1 = Math.min(img.width - T, r.x + r.w - 1);
      const y1 = Math.min(img.height - T, r.y + r.h - 1);
      if (r.w * r.h < MIN_GAIN || x1 < x0 || y1 < y0 || weighed >= MAX_WEIGHED) {
        out.push(r);
        continue;
      }
      const at = { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
      const hashes = windowHashes(px, img.width, at, T);
      const covered = new Uint8Array(r.w * r.h);
      const found: { win: Rect; hash: string; slot: number }[] = [];
      search: for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const h = hashes[(y - y0) * at.w + x - x0];
          const bit = h >>> (32 - FILTER_BITS);
          if ((filter[bit >>> 5] & (1 << (bit & 31))) === 0) continue;
          const hash = this.windows.get(h);
          const slot = hash === undefined ? undefined : this.slots.get(hash);
          if (hash === undefined || slot === undefined || claimed.has(slot)) continue;
          const win = { x, y, w: T, h: T };
          if (lossy && intersect(win, lossy)) continue;
          if (weighed >= MAX_WEIGHED) break search;
          weighed++;
          if (cover(covered, r, win, false) < MIN_GAIN || tileHash(img, win) !== hash) continue;
          cover(covered, r, win, true);
          found.push({ win, hash, slot });
        }
      }
      const rest = found.length > 0 ? uncovered(covered, r) : null;
      if (!rest || rest.length > MAX_PIECES) {
        out.push(r);
        continue;
      }
      for (const f of found) {
        this.touch(f.hash, f.slot);
        used.add(f.slot);
        moved.push({ rect: f.win, encoding: ENCODINGS.cached, payload: slotPayload(f.slot) });
      }
      out.push(...rest);
    }
    return out;
  }

  /** A whole tile just stashed can be found wherever it moves, unless it is one colour. */
  private index(img: Rgba, t: Rect, hash: string): void {
    const T = this.tile;
    if (t.w !== T || t.h !== T) return;
    const px = pixelWords(img);
    if (uniform(px, img.width, t.x, t.y, T)) return;
    const h = windowHash(px, img.width, t.x, t.y, T);
    this.windows.set(h, hash);
    this.windowOf.set(hash, h);
    if (!this.filter) this.filter = new Uint32Array(1 << (FILTER_BITS - 5));
    const bit = h >>> (32 - FILTER_BITS);
    this.filter[bit >>> 5] |= 1 << (bit & 31);
  }

  /** A tile leaves the cache: it is looked for no more (its filter bit stays until enough are stale). */
  private forget(hash: string): void {
    const h = this.windowOf.get(hash);
    if (h === undefined) return;
    this.windowOf.delete(hash);
    if (this.windows.get(h) === hash) this.windows.delete(h);
    if (++this.stale <= this.capacity || !this.filter) return;
    this.stale = 0;
    this.filter.fill(0);
    for (const k of this.windows.keys()) {
      const bit = k >>> (32 - FILTER_BITS);
      this.filter[bit >>> 5] |= 1 << (bit & 31);
    }
  }

  private tileRect(img: Rgba, tx: number, ty: number): Rect {
    const T = this.tile;
    const x = tx * T;
    const y = ty * T;
    return { x, y, w: Math.min(T, img.width - x), h: Math.min(T, img.height - y) };
  }

  private touch(hash: string, slot: number): void {
    this.slots.delete(hash);
    this.slots.set(hash, slot);
  }

  /**
   * A slot for a new tile: a free one, or the least recently used one not used in this frame; -1
   * when this frame uses them all (a small cache under a large layer: its hits and stashes).
   */
  private claim(hash: string, used: Set<number>): number {
    let slot: number;
    if (this.nextFree < this.capacity) {
      slot = this.nextFree++;
    } else {
      let victim: string | null = null;
      for (const [h, s] of this.slots) {
        if (!used.has(s)) {
          victim = h;
          break;
        }
      }
      if (victim === null) return -1;
      slot = this.slots.get(victim) as number;
      this.slots.delete(victim);
      this.forget(victim);
      this.looks.delete(slot);
    }
    this.slots.set(hash, slot);
    used.add(slot);
    return slot;
  }
}

/**
 * Pixels of `r` under `win` not yet covered (count), or marks them covered (`mark`, returns the
 * same count).
 */
function cover(covered: Uint8Array, r: Rect, win: Rect, mark: boolean): number {
  const part = intersect(r, win);
  if (!part) return 0;
  let n = 0;
  for (let y = part.y; y < part.y + part.h; y++) {
    const o = (y - r.y) * r.w - r.x;
    for (let x = part.x; x < part.x + part.w; x++) {
      if (covered[o + x]) continue;
      n++;
      if (mark) covered[o + x] = 1;
    }
  }
  return n;
}

/** What `covered` leaves of `r`: runs of each row, stacked while the rows below have the same runs. */
function uncovered(covered: Uint8Array, r: Rect): Rect[] {
  const done: Rect[] = [];
  let open = new Map<string, Rect>();
  for (let y = 0; y < r.h; y++) {
    const next = new Map<string, Rect>();
    let x = 0;
    while (x < r.w) {
      if (covered[y * r.w + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < r.w && !covered[y * r.w + x]) x++;
      const key = start + ',' + x;
      const above = open.get(key);
      if (above) {
        above.h++;
        open.delete(key);
        next.set(key, above);
      } else {
        next.set(key, { x: r.x + start, y: r.y + y, w: x - start, h: 1 });
      }
    }
    for (const rect of open.values()) done.push(rect);
    open = next;
  }
  for (const rect of open.values()) done.push(rect);
  return done;
}

/** The tile's size and exact pixels, hashed: equal hashes are taken for equal tiles. */
function tileHash(img: Rgba, t: Rect): string {
  const h = createHash('sha1');
  const head = Buffer.alloc(4);
  head.writeUInt16BE(t.w, 0);
  head.writeUInt16BE(t.h, 2);
  h.update(head);
  const stride = img.width * 4;
  for (let y = t.y; y < t.y + t.h; y++) {
    const s = y * stride + t.x * 4;
    h.update(img.data.subarray(s, s + t.w * 4));
  }
  return h.digest('base64');
}

function slotPayload(slot: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(slot, 0);
  return b;
}
