import { TILE_CACHE_TILE } from './encodings';

/**
 * Payload of a `fade` rectangle (big-endian): u8 keptWeight, u8 slotWeight, u8 red, u8 green,
 * u8 blue, then one u16 slot per TILE_CACHE_TILE tile of the rectangle, in reading order. The
 * rectangle starts on the tile grid. Each of its tiles becomes
 *
 *   keptWeight/255 × the kept layer + slotWeight/255 × the slot's tile + the rest × the colour
 *
 * (the weights sum to 255 at most), opaque. It is what a page's cross-fade between two pictures
 * the device holds looks like at one moment: the layer before the motion (kept by the motion's
 * first frame) and a picture shown before (a photo visited again, from the tile cache), through
 * the page's background where both are translucent (a fade through black). A slot of NO_FADE_SLOT
 * leaves the slot out (its weight must be 0): the kept layer fading to the colour.
 */
export var FADE_HEADER_BYTES = 5;
export var NO_FADE_SLOT = 0xffff;

export interface Fade {
  keptWeight: number;
  slotWeight: number;
  color: [number, number, number];
  /** One per tile of the rectangle, reading order. */
  slots: number[];
}

/** Tiles of a `fade` rectangle at (x, y), w×h, or -1 when it does not start on the tile grid. */
export function fadeTiles(x: number, y: number, w: number, h: number): number {
  if (x % TILE_CACHE_TILE !== 0 || y % TILE_CACHE_TILE !== 0) return -1;
  return Math.ceil(w / TILE_CACHE_TILE) * Math.ceil(h / TILE_CACHE_TILE);
}

/** Reads a `fade` payload for a rectangle of `tiles` tiles; a reason string when it is malformed. */
export function readFade(view: DataView, offset: number, length: number, tiles: number): Fade | string {
  if (tiles < 0) return 'fade rectangle off the tile grid';
  if (length !== FADE_HEADER_BYTES + 2 * tiles) return 'fade payload is ' + length + ' bytes, not ' + (FADE_HEADER_BYTES + 2 * tiles);
  var keptWeight = view.getUint8(offset);
  var slotWeight = view.getUint8(offset + 1);
  if (keptWeight + slotWeight > 255) return 'fade weights sum past 255';
  var slots: number[] = [];
  for (var i = 0; i < tiles; i++) {
    var slot = view.getUint16(offset + FADE_HEADER_BYTES + 2 * i);
    if (slot === NO_FADE_SLOT && slotWeight !== 0) return 'fade without a slot gives it weight';
    slots.push(slot);
  }
  return {
    keptWeight: keptWeight,
    slotWeight: slotWeight,
    color: [view.getUint8(offset + 2), view.getUint8(offset + 3), view.getUint8(offset + 4)],
    slots: slots
  };
}

/** Writes a `fade` payload. */
export function writeFade(f: Fade): Uint8Array {
  var out = new Uint8Array(FADE_HEADER_BYTES + 2 * f.slots.length);
  var view = new DataView(out.buffer);
  view.setUint8(0, f.keptWeight);
  view.setUint8(1, f.slotWeight);
  view.setUint8(2, f.color[0]);
  view.setUint8(3, f.color[1]);
  view.setUint8(4, f.color[2]);
  for (var i = 0; i < f.slots.length; i++) view.setUint16(FADE_HEADER_BYTES + 2 * i, f.slots[i]);
  return out;
}
