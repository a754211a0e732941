import { createHash } from 'node:crypto';
import { ENCODINGS, TILE_CACHE_TILE } from '@stratus/protocol';
import { Rgba } from '../png/decode';
import { intersect, Rect } from './damage';
import { EncodedRect } from './frame-builder';

/** What one frame's exact rectangles become with the device's tile cache. */
export interface CachePlan {
  /** Tiles the device holds: drawn from its cache (after the frame's other rectangles). */
  cached: EncodedRect[];
  /** What is still to be encoded, trimmed to the tiles the cache could not supply. */
  rects: Rect[];
  /** Tiles this frame sends whole and exact: saved on the device once drawn (before `cached`). */
  stash: EncodedRect[];
}

/**
 * The orchestrator's mirror of one device's tile cache (protocol/src/encodings.ts): which tile,
 * by a hash of its exact pixels, sits in which slot, least recently used first. TV UIs come back
 * to what they showed before: the item focus just left, a menu closed again, a photo visited a
 * minute ago. Those tiles are drawn from the device's cache, not encoded and sent again, and
 * their PNG encode is saved too. The device keeps no bookkeeping: stash and cached rectangles
 * name their slot, so the mirror is right as long as the device applies every frame, which holds
 * from one keyframe to the next (a device that drops a frame asks for a keyframe, and a keyframe
 * empties the mirror).
 */
export class TileCache {
  /** Tile hash → slot; Map order is recency (oldest first). */
  private readonly slots = new Map<string, number>();
  private nextFree = 0;

  /** `capacity`: the slots the device said it keeps. */
  constructor(
    private readonly capacity: number,
    private readonly tile = TILE_CACHE_TILE
  ) {}

  get size(): number {
    return this.slots.size;
  }

  /** A keyframe, or a new device: nothing stashed before is referred to again. */
  reset(): void {
    this.slots.clear();
    this.nextFree = 0;
  }

  /**
   * Plans a frame whose exact rectangles are `rects` on layer `img` (what the device shows once the
   * frame is drawn, except under `lossy`, a JPEG region of the same frame). Every tile the rectangles
   * touch is looked up: a hit becomes a `cached` rectangle for the whole tile and leaves the
   * rectangles; a miss not under `lossy` is stashed once drawn. A tile under `lossy` is neither.
   */
  plan(img: Rgba, rects: Rect[], lossy: Rect | null = null): CachePlan {
    const T = this.tile;
    const tilesX = Math.ceil(img.width / T);
    const seen = new Map<number, number>();
    const cached: EncodedRect[] = [];
    const stash: EncodedRect[] = [];
    const used = new Set<number>();
    const stashLimit = this.capacity >> 1;
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
          slot = hit;
        } else if (stash.length < stashLimit) {
          const s = this.claim(hash, used);
          if (s >= 0) stash.push({ rect: t, encoding: ENCODINGS.stash, payload: slotPayload(s) });
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
    return { cached, rects: out, stash };
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
    }
    this.slots.set(hash, slot);
    used.add(slot);
    return slot;
  }
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
