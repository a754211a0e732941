import {
  ENCODINGS,
  FRAME_HEADER_BYTES,
  RECT_HEADER_BYTES,
  writeFrameHeader,
  writeRectHeader
} from '@stratus/protocol';
import { encodePngRect } from '../png/encode';
import { Rgba } from '../png/decode';
import { Rect } from './damage';

export interface BuiltFrame {
  message: Buffer;
  rects: number;
}

/** Encodes the rectangles of `src` as PNGs and lays them out as one UI frame message. */
export function buildFrame(
  src: Rgba,
  rects: Rect[],
  opts: { frame: number; inputSeq: number; keyframe: boolean; pngLevel: number }
): BuiltFrame {
  const payloads = rects.map((r) => encodePngRect(src, r.x, r.y, r.w, r.h, opts.pngLevel));
  const head = Buffer.alloc(FRAME_HEADER_BYTES + rects.length * RECT_HEADER_BYTES);
  const parts: Buffer[] = [];
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  writeFrameHeader(view, {
    keyframe: opts.keyframe,
    frame: opts.frame,
    inputSeq: opts.inputSeq,
    width: src.width,
    height: src.height,
    rectCount: rects.length
  });
  parts.push(head.subarray(0, FRAME_HEADER_BYTES));
  rects.forEach((r, i) => {
    const off = FRAME_HEADER_BYTES + i * RECT_HEADER_BYTES;
    writeRectHeader(view, off, { x: r.x, y: r.y, w: r.w, h: r.h, encoding: ENCODINGS.png, length: payloads[i].length });
    parts.push(head.subarray(off, off + RECT_HEADER_BYTES), payloads[i]);
  });
  return { message: Buffer.concat(parts), rects: rects.length };
}
