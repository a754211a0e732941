import { LiveMotion, LiveTiming, PageWord } from './live-motion';

/** What the layer stream does when a live motion starts, ends or changes what the next key does. */
export interface LiveStateHost {
  /** A live motion runs now (on), or none does. */
  live(on: boolean): void;
  /** The next key-down goes live at once (on): the JPEG screencast stays on for it. */
  ready(on: boolean): void;
  /**
   * A motion stopped: one capture follows, the exact layer when lossy frames went out (`exact`),
   * and in any case a frame for a key that went live and changed nothing.
   */
  settle(exact: boolean): void;
  /** Something may be sent or captured now. */
  pump(): void;
}

/**
 * Which live motion runs (live-motion.ts times one), and what the motions before it teach the
 * next key-down: whether it goes live at once, and how long it waits for its first frame.
 */
export class LiveState {
  /** The live motion running now. */
  motion: LiveMotion | null = null;
  /** The last motion went live and sent a frame: a key-down goes live at once. */
  private readyForKey = false;
  /**
   * The last live motion ended before its first frame: the page was still by the time the
   * screencast had switched (a slow capture found the change, a short transition). The capture
   * after it sends what changed, exactly, instead of going live again: a 1080p device on an app
   * authored at 720p went live and back five to eight times a key without it (3 to 17 s a key).
   */
  private missed = false;
  /**
   * How long the page took to show a key-down in a live frame (0 before any did): what a live
   * motion waits for its key's first frame. The stream's own key paint time counts the captures
   * of keys that were not live, a second at 1920x1080 here, and a key that moved nothing waited
   * that long to be painted.
   */
  private paintMs = 0;
  /** The page's last word that its motion had ended. */
  private word: PageWord | null = null;

  constructor(
    private readonly timing: LiveTiming,
    /** Whether the page is in the middle of a motion that will end (LiveMotion's `moving`). */
    private readonly moving: (() => Promise<boolean>) | null,
    private readonly host: LiveStateHost
  ) {}

  /** The next key-down goes live at once. */
  get ready(): boolean {
    return this.readyForKey;
  }

  /** A live motion starts, with the video holes' generation `holes` (a JPEG must not paint over another). */
  start(holes: number): LiveMotion {
    const motion = (this.motion = new LiveMotion(holes, this.timing, () => {
      this.end(true);
      this.host.pump();
    }, this.moving));
    // Taken only if said after the key the motion is started for (LiveMotion.frame).
    motion.word = this.word;
    this.setReady(false);
    this.host.live(true);
    return motion;
  }

  /** The motion running stops: by stillness (`settle`: its capture follows), or made moot (a keyframe, the page's end). */
  end(settle: boolean): void {
    const motion = this.motion;
    if (!motion) return;
    this.motion = null;
    motion.stop();
    // The next key-down goes live at once after a motion that sent frames (or after one that was
    // over before its first frame, once the capture after it has seen what moved: takeMissed).
    this.setReady(settle && motion.frames > 0);
    this.host.live(false);
    if (!settle) return;
    this.missed = motion.frames === 0;
    this.host.settle(motion.frames > 0);
  }

  /** No motion, and nothing learnt from the last: lossy pixels are moot (a keyframe, a lost device, the page's end). */
  reset(): void {
    this.end(false);
    this.setReady(false);
    this.missed = false;
  }

  /** Whether the last motion ended before its first frame; asked once, by the capture after it. */
  takeMissed(): boolean {
    const missed = this.missed;
    this.missed = false;
    return missed;
  }

  /** Says 'ready' when it changes. */
  setReady(on: boolean): void {
    if (this.readyForKey === on) return;
    this.readyForKey = on;
    this.host.ready(on);
  }

  /** A live frame showed a key-down `ms` after its delivery (null: not known). */
  keyPainted(ms: number | null): void {
    if (ms !== null) this.paintMs = ms;
  }

  /** What a live key-down's wait for its first frame is twice of: the live paint time once measured, else `keyPaintMs`. */
  waitBasis(keyPaintMs: number): number {
    return this.paintMs || keyPaintMs;
  }

  /**
   * The page says its motion has ended: true when that ended the running motion
   * (LiveMotion.pageStill). Said between a key's delivery and its motion's start (the page's
   * answer on the key is awaited first), the word is the next motion's to take.
   */
  pageStill(final = false): boolean {
    this.word = { at: Date.now(), final };
    return this.motion?.pageStill(this.word) ?? false;
  }
}
