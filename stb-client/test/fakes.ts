import { ENCODINGS, FRAME_HEADER_BYTES, RECT_HEADER_BYTES, writeFrameHeader, writeRectHeader } from '@stratus/protocol';
import type { DecodeCallback } from '../src/decoders/index';
import type { Transport } from '../src/transport';

/** A canvas whose 2D context records what is drawn, and where. */
export class FakeCanvas {
  width = 0;
  height = 0;
  readonly ops: string[] = [];
  getContext(): object {
    const ops = this.ops;
    return {
      clearRect: (x: number, y: number, w: number, h: number) => ops.push(`clear ${x},${y},${w},${h}`),
      drawImage: (img: { name: string }, x: number, y: number, w?: number, h?: number) =>
        ops.push(`draw ${img.name} at ${x},${y}${w === undefined ? '' : ` as ${w}x${h}`}`)
    };
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
    }
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

/** One UI frame as the server writes it; each rectangle's payload is its name. */
export function frame(id: number, keyframe: boolean, rects: Array<{ name: string; x: number; y: number; encoding?: number }>, inputSeq = 0): ArrayBuffer {
  const size = FRAME_HEADER_BYTES + rects.reduce((n, r) => n + RECT_HEADER_BYTES + r.name.length, 0);
  const buf = new ArrayBuffer(size);
  const view = new DataView(buf);
  writeFrameHeader(view, { keyframe, frame: id, inputSeq, width: 64, height: 32, rectCount: rects.length });
  let at = FRAME_HEADER_BYTES;
  for (const r of rects) {
    writeRectHeader(view, at, { x: r.x, y: r.y, w: 4, h: 4, encoding: r.encoding ?? ENCODINGS.png, length: r.name.length });
    at += RECT_HEADER_BYTES;
    new Uint8Array(buf, at, r.name.length).set(Buffer.from(r.name));
    at += r.name.length;
  }
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
