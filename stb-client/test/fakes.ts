import { ENCODINGS, FRAME_HEADER_BYTES, RECT_HEADER_BYTES, writeFrameHeader, writeRectHeader } from '@stratus/protocol';
import { decodeCachedRect, decodeStashRect } from '../src/decoders/cache';
import { decodeCopyRect, decodeKeptRect } from '../src/decoders/copy';
import { decodeFadeRect } from '../src/decoders/fade';
import type { DecodeCallback } from '../src/decoders/index';
import type { Transport } from '../src/transport';

/** A canvas whose 2D context records what is drawn, and where; `ops` may be shared by several. */
export class FakeCanvas {
  width = 0;
  height = 0;
  constructor(
    readonly name = 'layer',
    readonly ops: string[] = []
  ) {}
  getContext(): object {
    const ops = this.ops;
    const prefix = this.name === 'layer' ? '' : `${this.name}: `;
    const ctx = {
      globalAlpha: 1,
      fillStyle: '',
      clearRect: (x: number, y: number, w: number, h: number) => ops.push(`${prefix}clear ${x},${y},${w},${h}`),
      fillRect: (x: number, y: number, w: number, h: number) => ops.push(`${prefix}fill ${x},${y},${w},${h} ${ctx.fillStyle}`),
      drawImage: (img: { name: string }, ...a: number[]) => {
        // Drawn translucent: the alpha, to 3 places.
        const alpha = ctx.globalAlpha === 1 ? '' : ` alpha ${Math.round(ctx.globalAlpha * 1000) / 1000}`;
        if (a.length === 8) ops.push(`${prefix}draw ${img.name} ${a[0]},${a[1]} ${a[2]}x${a[3]} at ${a[4]},${a[5]} as ${a[6]}x${a[7]}${alpha}`);
        else ops.push(`${prefix}draw ${img.name} at ${a[0]},${a[1]}${a[2] === undefined ? '' : ` as ${a[2]}x${a[3]}`}${alpha}`);
      }
    };
    return ctx;
  }
}

/**
 * Decoders the test completes by hand, in any order: each rectangle's payload is its name (ASCII);
 * `finish(name)` decodes it, `fail(name)` makes it fail.
 */
export class ManualDecoders {
  readonly waiting = new Map<string, DecodeCallback>();
  readonly released: string[] = [];
  readonly table = {
    [ENCODINGS.png]: (buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback) => {
      this.waiting.set(Buffer.from(buffer, offset, length).toString(), done);
    },
    [ENCODINGS.jpeg]: (buffer: ArrayBuffer, offset: number, length: number, done: DecodeCallback) => {
      this.waiting.set(Buffer.from(buffer, offset, length).toString(), done);
    },
    // Nothing to wait for: the real ones.
    [ENCODINGS.copy]: decodeCopyRect,
    [ENCODINGS.kept]: decodeKeptRect,
    [ENCODINGS.stash]: decodeStashRect,
    [ENCODINGS.cached]: decodeCachedRect,
    [ENCODINGS.fade]: decodeFadeRect
  };
  /** `size`: the decoded image's own size, when the test cares (a lossy rectangle a pixel off). */
  finish(name: string, size = { width: 4, height: 4 }): void {
    const done = this.take(name);
    done(null, { image: { name, ...size } as unknown as HTMLImageElement, release: () => this.released.push(name) });
  }
  fail(name: string): void {
    this.take(name)('image decode failed', null);
  }
  private take(name: string): DecodeCallback {
    const done = this.waiting.get(name);
    if (!done) throw new Error(`no decode waiting for ${name}`);
    this.waiting.delete(name);
    return done;
  }
}

interface FakeRect {
  name: string;
  x: number;
  y: number;
  encoding?: number;
  /** Default 4x4. */
  w?: number;
  h?: number;
  /** Default: the name. */
  payload?: number[];
}

/** One UI frame (64x32) as the server writes it; each rectangle's payload is its name unless given. */
export function frame(id: number, keyframe: boolean, rects: FakeRect[], inputSeq = 0, keep = false): ArrayBuffer {
  const payloads = rects.map((r) => Buffer.from(r.payload ?? Buffer.from(r.name)));
  const size = FRAME_HEADER_BYTES + payloads.reduce((n, p) => n + RECT_HEADER_BYTES + p.length, 0);
  const buf = new ArrayBuffer(size);
  const view = new DataView(buf);
  writeFrameHeader(view, { keyframe, keep, frame: id, inputSeq, width: 64, height: 32, rectCount: rects.length });
  let at = FRAME_HEADER_BYTES;
  rects.forEach((r, i) => {
    const p = payloads[i];
    writeRectHeader(view, at, { x: r.x, y: r.y, w: r.w ?? 4, h: r.h ?? 4, encoding: r.encoding ?? ENCODINGS.png, length: p.length });
    at += RECT_HEADER_BYTES;
    new Uint8Array(buf, at, p.length).set(p);
    at += p.length;
  });
  return buf;
}

/** A transport the test drives: what the client sends is kept, the server's side is played by hand. */
export class FakeTransport implements Transport {
  readonly sent: any[] = [];
  closed: { code?: number; reason?: string } | null = null;
  onopen: (() => void) | null = null;
  ontext: ((text: string) => void) | null = null;
  onbinary: ((data: ArrayBuffer) => void) | null = null;
  onclose: ((code: number, reason: string) => void) | null = null;
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
  }
  /** The server side: a message to the client. */
  receive(msg: object): void {
    this.ontext!(JSON.stringify(msg));
  }
  /** The connection ends, as the server or the network ends it. */
  drop(code: number, reason = ''): void {
    this.onclose!(code, reason);
  }
}
