import { ENCODINGS, Fade, fadeTiles, parseFrame, ParsedFrame, readFade, TILE_CACHE_TILE } from '@stratus/protocol';
import { Rect } from '../../src/layer/damage';
import { TileCache } from '../../src/layer/tile-cache';
import { decodePng, Rgba } from '../../src/png/decode';

/** Writes `part` (r.w×r.h pixels) into `into` at `r`. */
export function paste(into: Rgba, part: Rgba, r: Rect): void {
  for (let row = 0; row < r.h; row++) part.data.copy(into.data, ((r.y + row) * into.width + r.x) * 4, row * r.w * 4, (row + 1) * r.w * 4);
}

/** Cuts r.w×r.h pixels out of `from` at `r`. */
export function cut(from: Rgba, r: Rect): Rgba {
  const data = Buffer.alloc(r.w * r.h * 4);
  for (let row = 0; row < r.h; row++) from.data.copy(data, row * r.w * 4, ((r.y + row) * from.width + r.x) * 4, ((r.y + row) * from.width + r.x + r.w) * 4);
  return { width: r.w, height: r.h, data };
}

/**
 * The device's layer after frame `m` over `before`, applied as stb-client's display.ts does: PNGs
 * decoded, `copy` rectangles from the layer as it was before each, `kept` ones from `kept`, `stash`
 * and `cached` ones to and from `tiles` (the tile cache, by slot), `fade` ones from `kept` and
 * `tiles` (rounded as a canvas does, to within a step). A test model of the orchestrator's own
 * pixels: a JPEG rectangle fails the test.
 */
export function applyFrame(before: Rgba, m: Buffer, kept: Rgba | null = null, tiles: Map<number, Rgba> = new Map()): Rgba {
  const out = { ...before, data: Buffer.from(before.data) };
  const frame = parseFrame(new DataView(m.buffer, m.byteOffset, m.byteLength)) as ParsedFrame;
  for (const r of frame.rects) {
    if (r.encoding === ENCODINGS.png) {
      paste(out, decodePng(m.subarray(r.offset, r.offset + r.length)), r);
      continue;
    }
    if (r.encoding === ENCODINGS.stash) {
      tiles.set(m.readUInt16BE(r.offset), cut(out, r));
      continue;
    }
    if (r.encoding === ENCODINGS.fade) {
      const f = readFade(new DataView(m.buffer, m.byteOffset, m.byteLength), r.offset, r.length, fadeTiles(r.x, r.y, r.w, r.h));
      if (typeof f === 'string') throw new Error(f);
      fade(out, r, f, kept, tiles);
      continue;
    }
    if (r.encoding === ENCODINGS.cached) {
      const tile = tiles.get(m.readUInt16BE(r.offset));
      if (!tile || tile.width !== r.w || tile.height !== r.h) throw new Error(`slot ${m.readUInt16BE(r.offset)} holds no ${r.w}x${r.h} tile`);
      paste(out, tile, r);
      continue;
    }
    const source = r.encoding === ENCODINGS.copy ? { ...out, data: Buffer.from(out.data) } : r.encoding === ENCODINGS.kept ? kept : null;
    if (!source) throw new Error(`the device model applies no rectangle of encoding ${r.encoding}`);
    const sx = m.readUInt16BE(r.offset);
    const sy = m.readUInt16BE(r.offset + 2);
    const w = out.width;
    for (let row = 0; row < r.h; row++) source.data.copy(out.data, ((r.y + row) * w + r.x) * 4, ((sy + row) * w + sx) * 4, ((sy + row) * w + sx + r.w) * 4);
  }
  return out;
}

/** A fade rectangle's tiles: kept, slot and colour in their shares, opaque. */
function fade(out: Rgba, r: Rect, f: Fade, kept: Rgba | null, tiles: Map<number, Rgba>): void {
  const T = TILE_CACHE_TILE;
  const cols = Math.ceil(r.w / T);
  const rest = 255 - f.keptWeight - f.slotWeight;
  if (f.keptWeight > 0 && !kept) throw new Error('a fade without a kept layer');
  f.slots.forEach((slot, i) => {
    const x0 = r.x + (i % cols) * T;
    const y0 = r.y + Math.floor(i / cols) * T;
    const tile = tiles.get(slot);
    if (f.slotWeight > 0 && !tile) throw new Error(`fade from slot ${slot}, which holds nothing`);
    for (let y = y0; y < Math.min(y0 + T, r.y + r.h); y++) {
      for (let x = x0; x < Math.min(x0 + T, r.x + r.w); x++) {
        const o = (y * out.width + x) * 4;
        const t = ((y - y0) * (tile?.width ?? 0) + x - x0) * 4;
        for (let c = 0; c < 3; c++) {
          const k = kept ? kept.data[o + c] : 0;
          const s = tile ? tile.data[t + c] : 0;
          out.data[o + c] = Math.round((f.keptWeight * k + f.slotWeight * s + rest * f.color[c]) / 255);
        }
        out.data[o + 3] = 255;
      }
    }
  });
}

/** Mean absolute difference of two same-sized layers' colour channels. */
export function meanDiff(a: Rgba, b: Rgba): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) if ((i & 3) !== 3) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / ((a.data.length / 4) * 3);
}

/**
 * A device that was shown `shown` in turn, each whole and exact: its tile cache's mirror, each
 * picture's slot per grid tile (keyed row × 100 + column), and the tiles by slot.
 */
export function shownBefore(shown: Rgba[]): { cache: TileCache; slots: Map<number, number>[]; tiles: Map<number, Rgba> } {
  const cache = new TileCache(256, TILE_CACHE_TILE, true);
  const tiles = new Map<number, Rgba>();
  const slots = shown.map((img) => {
    const bySpot = new Map<number, number>();
    for (const s of cache.plan(img, [{ x: 0, y: 0, w: img.width, h: img.height }]).stash) {
      const slot = s.payload.readUInt16BE(0);
      bySpot.set((s.rect.y / TILE_CACHE_TILE) * 100 + s.rect.x / TILE_CACHE_TILE, slot);
      tiles.set(slot, cut(img, s.rect));
    }
    return bySpot;
  });
  return { cache, slots, tiles };
}
