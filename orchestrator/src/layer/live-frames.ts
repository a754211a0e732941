import { Rgba } from '../png/decode';
import { LiveCrop, LiveRect } from './live-crop';
import { FadeSources } from './live-fade';
import { KeptLooks } from './tile-looks';
import { LiveMotion } from './live-motion';

/** What a live frame sends, and what the stream counts of it. */
export interface LiveCut {
  rects: LiveRect[];
  /** The motion's first frame: the device keeps the layer it showed (the frame's `keep` flag). */
  keep: boolean;
  /** Cut to what changed, not the screencast frame whole. */
  cropped: boolean;
  /** Fade tiles, and those of them where a held picture shows (FadeRect.held). */
  fadeTiles: number;
  heldFadeTiles: number;
}

/**
 * The live frames of the layer stream: each screencast frame of a live motion cut against what the
 * device shows (live-crop.ts), and the layer the device keeps from before the motion, which fades
 * are drawn from (live-fade.ts) and what only moved is copied back from after it (a `kept`
 * rectangle). The stream decides when a frame goes (its window, motionMaxFps, video holes).
 */
export class LiveFrames {
  /** What the device's layer shows of the screencast, while live: the next live frame sends only what changed. */
  private readonly crop = new LiveCrop();
  /** What the device's kept layer holds (the layer before a live motion), or null when nothing known. */
  private keptLayer: Rgba | null = null;
  /**
   * The kept layer's looks for fades: made anew by every motion's first frame (the layer it
   * keeps), for as long as it is the kept layer. Never taken over from an earlier motion by the
   * layer's identity: a layer's buffer may hold a later layer (layer-copies.ts).
   */
  private looks: KeptLooks | null = null;

  /** `cropOn`: cut frames to what changed (ui.motionCrop); otherwise every frame goes whole. */
  constructor(private readonly cropOn: boolean) {}

  /** The layer the device keeps, exact, from before the last live motion; null when none is known. */
  get kept(): Rgba | null {
    return this.keptLayer;
  }

  /** A key is about to be injected: the page's newest look is what it showed before it (LiveCrop.hold). */
  hold(): void {
    if (this.cropOn) this.crop.hold();
  }

  /** A screencast frame taken while not live: the page's newest look, which the next motion's first frame may be cut against. */
  observe(jpeg: Buffer, takenAt: number): void {
    if (this.cropOn) this.crop.observe(jpeg, takenAt);
  }

  /** A live motion starts on a device that shows `sent` (LiveCrop.start). */
  start(sent: Rgba | null, still: { from: number; to: number } | null): void {
    if (this.cropOn && sent) this.crop.start(sent, still);
  }

  /** A frame that is no screencast frame went out: the next live frame goes whole. */
  reset(): void {
    this.crop.reset();
  }

  /** The device's kept layer is gone: a keyframe starts its layers over. */
  forgetKept(): void {
    this.keptLayer = null;
    this.looks = null;
  }

  /**
   * The rectangles that bring a device showing `sent` to the screencast frame `next` of `live`,
   * or null when nothing changed. The motion's first frame keeps `sent` on the device (`keep`):
   * the layer that fades are drawn from, its own fades included (the device keeps its layer
   * before it draws the frame). `copy`: the device copies; `fades`: the tiles it holds, when it
   * draws fades.
   */
  cut(live: LiveMotion, next: { jpeg: Buffer; takenAt: number }, sent: Rgba, copy: boolean, fades: FadeSources | null): LiveCut | null {
    // The first frame's looks are made of the layer it keeps, only for the tiles it weighs (its
    // key waits for it); firstSent() makes the rest.
    if (!live.marked) this.looks = fades ? new KeptLooks(sent) : null;
    const looks = this.looks && this.looks.layer === (live.marked ? this.keptLayer : sent) ? this.looks : null;
    const basis = fades && looks ? { kept: looks, sources: fades } : null;
    const rects: LiveRect[] = this.cropOn ? this.crop.next(next.jpeg, sent.width, sent.height, copy, next.takenAt, basis) : [{ rect: { x: 0, y: 0, w: sent.width, h: sent.height }, jpeg: next.jpeg }];
    if (rects.length === 0) return null;
    // The first live frame asks the device to keep its layer: after the motion, what only moved
    // is copied back from there instead of resent.
    const keep = !live.marked;
    if (keep) {
      this.keptLayer = sent;
      live.marked = true;
    }
    return {
      rects,
      keep,
      cropped: rects.length !== 1 || !('jpeg' in rects[0]) || rects[0].jpeg !== next.jpeg,
      fadeTiles: rects.reduce((n, r) => n + ('fade' in r ? r.fade.slots.length : 0), 0),
      heldFadeTiles: rects.reduce((n, r) => n + ('fade' in r ? r.held : 0), 0)
    };
  }

  /**
   * The motion's first frame has gone: every tile of the kept layer's looks, which fades are
   * weighed against, is made now, once the stream is idle (the first frame made only the tiles
   * it weighed: made whole as the key went live, they delayed that frame whenever it came first).
   */
  firstSent(): void {
    const kept = this.keptLayer;
    if (!kept) return;
    const looks = this.looks && this.looks.layer === kept ? this.looks : (this.looks = new KeptLooks(kept));
    setImmediate(() => looks.prepare());
  }
}
