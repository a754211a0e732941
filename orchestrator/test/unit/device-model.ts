import { ENCODINGS, parseFrame, ParsedFrame } from '@stratus/protocol';
import { Rect } from '../../src/layer/damage';
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
 * and `cached` ones to and from `tiles` (the tile cache, by slot). A test model of exact frames
 * only: a JPEG rectangle fails the test.
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
