import { DecodeCallback } from './png';

/** A `stash` rectangle: once the frame's earlier rectangles are drawn, the layer under it goes in a cache slot. */
export function decodeStashRect(buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback): void {
  decodeSlot(buffer, offset, length, true, done);
}

/** A `cached` rectangle: a cache slot's pixels, stashed by an earlier rectangle, drawn at it. */
export function decodeCachedRect(buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback): void {
  decodeSlot(buffer, offset, length, false, done);
}

function decodeSlot(buffer: ArrayBuffer, offset: number, length: number, stash: boolean, done: DecodeCallback): void {
  if (length !== 2) {
    done('cache rectangle payload is ' + length + ' bytes, not 2', null);
    return;
  }
  var slot = new DataView(buffer, offset, 2).getUint16(0);
  done(null, { image: null, slot: { index: slot, stash: stash }, release: function () {} });
}
