import { Fade } from '@stratus/protocol/device';

/**
 * Turns one image rectangle payload (PNG or JPEG) into something drawImage accepts. createImageBitmap decodes off
 * the main thread where the browser has it; otherwise an <img> from a Blob URL (no copy through a
 * string), or from a base64 data URL, which every TV browser with canvas can decode.
 */
export interface DecodedImage {
  /** Null for a copy or cache rectangle, which moves pixels the device already has. */
  image: HTMLImageElement | ImageBitmap | null;
  /** A copy rectangle's source: its top-left in the layer as it was before the rectangle, or in the kept layer. */
  copyFrom?: { x: number; y: number; kept: boolean };
  /** A tile cache rectangle: the slot it saves the layer to (stash) or draws from. */
  slot?: { index: number; stash: boolean };
  /** A fade rectangle's weights, colour and slots (drawn from the kept layer and the tile cache). */
  fade?: Fade;
  release: () => void;
}

export type DecodeCallback = (err: string | null, decoded: DecodedImage | null) => void;

var hasBlob = typeof Blob !== 'undefined';
var hasBlobUrls = hasBlob && typeof URL !== 'undefined' && typeof URL.createObjectURL === 'function';
var hasBitmaps = hasBlob && typeof createImageBitmap === 'function';

export function decodePngRect(buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback): void {
  decodeImage('image/png', buffer, offset, length, done);
}

/** A lossy opaque rectangle (motion mode): every TV browser with canvas decodes JPEG as it does PNG. */
export function decodeJpegRect(buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback): void {
  decodeImage('image/jpeg', buffer, offset, length, done);
}

function decodeImage(type: string, buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback): void {
  var bytes = new Uint8Array(buffer, offset, length);
  if (hasBitmaps) {
    createImageBitmap(new Blob([bytes], { type: type })).then(
      function (bitmap) {
        done(null, {
          image: bitmap,
          release: function () {
            bitmap.close();
          }
        });
      },
      function () {
        done('image decode failed', null);
      }
    );
    return;
  }
  decodeWithImage(type, bytes, done);
}

function decodeWithImage(type: string, bytes: Uint8Array, done: DecodeCallback): void {
  var img = new Image();
  var url: string;
  var revoke = function () {};
  if (hasBlobUrls) {
    url = URL.createObjectURL(new Blob([bytes], { type: type }));
    revoke = function () {
      URL.revokeObjectURL(url);
    };
  } else {
    url = 'data:' + type + ';base64,' + base64(bytes);
  }
  var settled = false;
  img.onload = function () {
    if (settled) return;
    settled = true;
    done(null, { image: img, release: revoke });
  };
  img.onerror = function () {
    if (settled) return;
    settled = true;
    revoke();
    done('image decode failed', null);
  };
  img.src = url;
}

var ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  var out = '';
  var i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    var n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63) + ALPHABET.charAt((n >> 6) & 63) + ALPHABET.charAt(n & 63);
  }
  if (i < bytes.length) {
    var rest = bytes.length - i;
    var m = (bytes[i] << 16) | (rest > 1 ? bytes[i + 1] << 8 : 0);
    out += ALPHABET.charAt(m >> 18) + ALPHABET.charAt((m >> 12) & 63);
    out += rest > 1 ? ALPHABET.charAt((m >> 6) & 63) : '=';
    out += '=';
  }
  return out;
}
