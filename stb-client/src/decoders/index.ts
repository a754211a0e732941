import { ENCODINGS } from '@stratus/protocol/device';
import { DecodeCallback, decodePngRect } from './png';

/** Device-side decoders, keyed by the encoding ids of the shared table. */
export var DECODERS: { [id: number]: (buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback) => void } = {};
DECODERS[ENCODINGS.png] = decodePngRect;

export { DecodedImage, DecodeCallback } from './png';
