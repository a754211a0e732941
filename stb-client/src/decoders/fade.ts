import { FADE_HEADER_BYTES, readFade } from '@stratus/protocol/device';
import { DecodeCallback } from './png';

/**
 * A `fade` rectangle (protocol/src/fade.ts): weights, a colour and a slot per tile, drawn by the
 * display from the kept layer and the tile cache, so there is nothing to decode. The payload's
 * length says how many tiles it names; the display checks that against the rectangle.
 */
export function decodeFadeRect(buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback): void {
  var tiles = (length - FADE_HEADER_BYTES) / 2;
  var fade = tiles >= 1 && tiles === Math.floor(tiles) ? readFade(new DataView(buffer), offset, length, tiles) : 'fade payload is ' + length + ' bytes';
  if (typeof fade === 'string') {
    done(fade, null);
    return;
  }
  done(null, { image: null, fade: fade, release: function () {} });
}
