import {
  ENCODINGS,
  FRAME_HEADER_BYTES,
  RECT_HEADER_BYTES,
  writeFrameHeader,
  writeRectHeader
} from '@stratus/protocol';
import { encodeBestPngRect } from '../png/encode';
import { Rgba } from '../png/decode';
import { Rect } from './damage';

export interface BuiltFrame {
  message: Buffer;
  rects: number;
}

/** A rectangle already encoded elsewhere (a JPEG from the page's own capture). */
export interface EncodedRect {
  rect: Rect;
  encoding: number;
  payload: Buffer;
}

/**
 * Lays out one UI frame message: `encoded` rectangles first, then the rectangles of `src` as
 * PNGs, then `after` (the tile cache's stashes and draws, which need the frame's pixels drawn).
 * The device applies rectangles in order, so exact pixels overlapping a lossy one win.
 */
export function buildFrame(
  src: Rgba,
  rects: Rect[],
  opts: { frame: number; inputSeq: number; keyframe: boolean; pngLevel: number; keep?: boolean },
  encoded: EncodedRect[] = [],
  after: EncodedRect[] = []
): BuiltFrame {
  const all = [
    ...encoded,
    ...rects.map((r) => ({ rect: r, encoding: ENCODINGS.png, payload: encodeBestPngRect(src, r.x, r.y, r.w, r.h, opts.pngLevel) })),
    ...after
  ];
  const head = Buffer.alloc(FRAME_HEADER_BYTES + all.length * RECT_HEADER_BYTES);
  const parts: Buffer[] = [];
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  writeFrameHeader(view, {
    keyframe: opts.keyframe,
    keep: opts.keep,
    frame: opts.frame,
    inputSeq: opts.inputSeq,
    width: src.width,
    height: src.height,
    rectCount: all.length
  });
  parts.push(head.subarray(0, FRAME_HEADER_BYTES));
  all.forEach((e, i) => {
    const off = FRAME_HEADER_BYTES + i * RECT_HEADER_BYTES;
    const r = e.rect;
    writeRectHeader(view, off, { x: r.x, y: r.y, w: r.w, h: r.h, encoding: e.encoding, length: e.payload.length });
    parts.push(head.subarray(off, off + RECT_HEADER_BYTES), e.payload);
  });
  return { message: Buffer.concat(parts), rects: all.length };
}
