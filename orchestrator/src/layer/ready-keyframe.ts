import type { Rgba } from '../png/decode';
import { blank, diffRects } from './damage';
import { buildFrame } from './frame-builder';

/** The page as a capture found it while no device was attached. */
interface Made {
  img: Rgba;
  /** The capture before holes were cut (the decoder's), or null. */
  raw: Rgba | null;
  /** The holes' generation it was cut with; -1 when they changed under the capture. */
  holes: number;
  epoch: number;
  inputSeq: number;
  capturedAt: number;
}

/** A capture of the page (`ReadyKeyframe.offer`). */
export interface Capture extends Made {
  /** When the capture had been decoded: what follows is encoding. */
  captureDone: number;
}

/** A keyframe built while no device was attached, and what it was made from. */
interface Ready extends Made {
  message: Buffer;
  rects: number;
  captureMs: number;
  encodeMs: number;
}

/** The kept keyframe as the device's first frame: renumbered, with what the stream keeps of it. */
export type ReadyFrame = Ready & { frame: number };

/**
 * The keyframe of a pre-warmed session's page, kept up to date while no device is attached, so
 * that the device's first frame needs no capture. Captures that show what it shows only refresh
 * what it was made from; a change builds it again. It is good for the device only if the page
 * (epoch) and the video holes are still those it was made with.
 */
export class ReadyKeyframe {
  private ready: Ready | null = null;

  constructor(private readonly opts: { tileSize: number; pngLevel: number }) {}

  /** A capture of the page: false when it shows what the kept keyframe shows, true when one was built. */
  offer(c: Capture): boolean {
    const before = this.ready;
    if (before && before.img.width === c.img.width && before.img.height === c.img.height && diffRects(before.img, c.img, this.opts.tileSize).length === 0) {
      if (c.holes !== -1) before.holes = c.holes;
      before.raw = c.raw;
      return false;
    }
    const rects = diffRects(blank(c.img.width, c.img.height), c.img, this.opts.tileSize);
    const built = buildFrame(c.img, rects, { frame: 0, inputSeq: c.inputSeq, keyframe: true, pngLevel: this.opts.pngLevel });
    const { img, raw, holes, epoch, inputSeq, capturedAt, captureDone } = c;
    this.ready = { message: built.message, rects: built.rects, img, raw, holes, epoch, inputSeq, capturedAt, captureMs: captureDone - capturedAt, encodeMs: performance.now() - captureDone };
    return true;
  }

  /**
   * The kept keyframe as frame `frame`, if it still shows the page `epoch` with holes of
   * generation `holes` (null: the stream cuts none); it is given up either way.
   */
  take(frame: number, epoch: number, holes: number | null): ReadyFrame | null {
    const r = this.ready;
    this.ready = null;
    if (!r || r.epoch !== epoch || r.holes === -1 || (holes !== null && holes !== r.holes)) return null;
    // The kept message stays as built: the frame id is written into a copy.
    const message = Buffer.from(r.message);
    message.writeUInt32BE(frame, 2);
    return { ...r, message, frame };
  }

  /** Forgets the kept keyframe. */
  drop(): void {
    this.ready = null;
  }
}
