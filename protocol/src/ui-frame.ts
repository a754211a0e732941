/**
 * Binary layout of one UI frame, the server-to-device WebSocket binary message. Big-endian.
 *
 *   frame header (16 bytes)
 *     u8  type        1 = UI frame
 *     u8  flags       bit 0: keyframe, clear the whole layer before applying the rectangles
 *                     bit 1: keep, copy the layer as it is to the kept layer before applying them
 *     u32 frame       frame id, 1, 2, 3... per connection; the device acks it with ui.ack
 *     u32 inputSeq    seq of the last input.key the app had received when the frame was captured
 *     u16 width       layer width in device pixels
 *     u16 height      layer height in device pixels
 *     u16 rects       number of rectangles that follow
 *   per rectangle (13-byte header, then the payload)
 *     u16 x, u16 y, u16 w, u16 h   where the payload goes, in layer pixels
 *     u8  encoding    see encodings.ts
 *     u32 length      payload bytes
 *
 * A rectangle replaces the pixels under it, alpha included; it never blends over them.
 */
export var FRAME_TYPE_UI = 1;
export var FLAG_KEYFRAME = 1;
export var FLAG_KEEP = 2;
export var FRAME_HEADER_BYTES = 16;
export var RECT_HEADER_BYTES = 13;

export interface FrameHeader {
  keyframe: boolean;
  /** Copy the layer, before this frame, to the kept layer (the source of `kept` rectangles). */
  keep?: boolean;
  frame: number;
  inputSeq: number;
  width: number;
  height: number;
  rectCount: number;
}

export interface RectHeader {
  x: number;
  y: number;
  w: number;
  h: number;
  encoding: number;
  length: number;
}

export interface ParsedRect extends RectHeader {
  /** Byte offset of the payload in the message. */
  offset: number;
}

export interface ParsedFrame {
  header: FrameHeader;
  rects: ParsedRect[];
}

export function writeFrameHeader(view: DataView, h: FrameHeader): void {
  view.setUint8(0, FRAME_TYPE_UI);
  view.setUint8(1, (h.keyframe ? FLAG_KEYFRAME : 0) | (h.keep ? FLAG_KEEP : 0));
  view.setUint32(2, h.frame);
  view.setUint32(6, h.inputSeq);
  view.setUint16(10, h.width);
  view.setUint16(12, h.height);
  view.setUint16(14, h.rectCount);
}

export function writeRectHeader(view: DataView, offset: number, r: RectHeader): void {
  view.setUint16(offset, r.x);
  view.setUint16(offset + 2, r.y);
  view.setUint16(offset + 4, r.w);
  view.setUint16(offset + 6, r.h);
  view.setUint8(offset + 8, r.encoding);
  view.setUint32(offset + 9, r.length);
}

/**
 * Parses and bounds-checks a UI frame. Returns a reason string instead of throwing, so the device
 * can treat a bad frame like a bad tile: ask for a keyframe, never freeze.
 */
export function parseFrame(view: DataView): ParsedFrame | string {
  if (view.byteLength < FRAME_HEADER_BYTES) return 'frame shorter than its header';
  if (view.getUint8(0) !== FRAME_TYPE_UI) return 'unknown frame type ' + view.getUint8(0);
  var header: FrameHeader = {
    keyframe: (view.getUint8(1) & FLAG_KEYFRAME) !== 0,
    keep: (view.getUint8(1) & FLAG_KEEP) !== 0,
    frame: view.getUint32(2),
    inputSeq: view.getUint32(6),
    width: view.getUint16(10),
    height: view.getUint16(12),
    rectCount: view.getUint16(14)
  };
  var rects: ParsedRect[] = [];
  var pos = FRAME_HEADER_BYTES;
  for (var i = 0; i < header.rectCount; i++) {
    if (pos + RECT_HEADER_BYTES > view.byteLength) return 'rectangle ' + i + ' header truncated';
    var r: ParsedRect = {
      x: view.getUint16(pos),
      y: view.getUint16(pos + 2),
      w: view.getUint16(pos + 4),
      h: view.getUint16(pos + 6),
      encoding: view.getUint8(pos + 8),
      length: view.getUint32(pos + 9),
      offset: pos + RECT_HEADER_BYTES
    };
    if (r.offset + r.length > view.byteLength) return 'rectangle ' + i + ' payload truncated';
    if (r.w === 0 || r.h === 0 || r.x + r.w > header.width || r.y + r.h > header.height) {
      return 'rectangle ' + i + ' lies outside the layer';
    }
    rects.push(r);
    pos = r.offset + r.length;
  }
  if (pos !== view.byteLength) return 'trailing bytes after the last rectangle';
  return { header: header, rects: rects };
}
