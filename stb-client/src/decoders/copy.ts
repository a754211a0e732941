import { DecodeCallback } from './png';

/**
 * A `copy` rectangle: content the server saw move (a scroll, a slide). Its payload is the top-left
 * of the source, u16 x and u16 y big-endian, in the layer as it was before this rectangle; the
 * display moves the pixels itself, so there is nothing to decode.
 */
export function decodeCopyRect(buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback): void {
  decodeSource(buffer, offset, length, false, done);
}

/** A `kept` rectangle: the same, from the kept layer (a frame flagged "keep" copied it). */
export function decodeKeptRect(buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback): void {
  decodeSource(buffer, offset, length, true, done);
}

function decodeSource(buffer: ArrayBuffer, offset: number, length: number, kept: boolean, done: DecodeCallback): void {
  if (length !== 4) {
    done('copy rectangle payload is ' + length + ' bytes, not 4', null);
    return;
  }
  var view = new DataView(buffer, offset, 4);
  done(null, { image: null, copyFrom: { x: view.getUint16(0), y: view.getUint16(2), kept: kept }, release: function () {} });
}
