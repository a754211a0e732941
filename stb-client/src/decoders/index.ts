import { ENCODINGS } from '@stratus/protocol/device';
import { decodeCachedRect, decodeStashRect } from './cache';
import { decodeCopyRect, decodeKeptRect } from './copy';
import { decodeFadeRect } from './fade';
import { DecodeCallback, decodeJpegRect, decodePngRect } from './png';

/** Device-side decoders, keyed by the encoding ids of the shared table. */
export var DECODERS: { [id: number]: (buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback) => void } = {};
DECODERS[ENCODINGS.png] = decodePngRect;
DECODERS[ENCODINGS.jpeg] = decodeJpegRect;
DECODERS[ENCODINGS.copy] = decodeCopyRect;
DECODERS[ENCODINGS.kept] = decodeKeptRect;
DECODERS[ENCODINGS.stash] = decodeStashRect;
DECODERS[ENCODINGS.cached] = decodeCachedRect;
DECODERS[ENCODINGS.fade] = decodeFadeRect;

/** The names of the encodings this device decodes, as its hello lists them. */
export function decodedEncodings(): string[] {
  var names: string[] = [];
  for (var name in ENCODINGS) {
    if (Object.prototype.hasOwnProperty.call(ENCODINGS, name) && DECODERS[(ENCODINGS as { [n: string]: number })[name]]) names.push(name);
  }
  return names;
}

export { DecodedImage, DecodeCallback } from './png';
