/** Longest wait for the screencast's switch to JPEG before a live motion with no frame ends. */
export const LIVE_SWITCH_MS = 1000;
/**
 * Longest a live motion is held on the page's word that it still moves, past its last frame: the
 * app controls the page, and lossy pixels stay on the device while the motion lasts.
 */
export const MAX_HOLD_MS = 2000;

/** The page's word that its motion ended: when it came (Date.now()), and whether said at a script's last step. */
export interface PageWord {
  at: number;
  final: boolean;
}

export interface LiveTiming {
  /** No frame for this long (at least) means the motion stopped. */
  motionSettleMs: number;
  /** How long a key-down may go without a frame that claims it: the first key's paint time, unknown yet. */
  keyPaintWaitMs: number;
}

/**
 * One live motion: the screencast's JPEG frames go to the device as they come (the layer stream
 * sends them), and this decides when the motion has stopped. Stillness is a pause longer than the
 * page's own between frames, but never before the screencast has switched to JPEG, nor before the
 * page has had time to paint a key delivered meanwhile: a loaded browser is late with all three,
 * and ending too soon takes a moving page for a still one.
 */
export class LiveMotion {
  /** The newest frame not sent yet: a slow device gets the latest, never a queue. */
  pending: { jpeg: Buffer; takenAt: number } | null = null;
  /** The layer the device had has been marked lossy over the whole layer (and kept). */
  marked = false;
  /** Frames sent. */
  frames = 0;
  /**
   * When the frame after the last one sent is due at the motion's rate (performance.now(); the
   * frames' making counted from its beginning), and the timer that waits for its slot.
   */
  private due = -Infinity;
  slot: NodeJS.Timeout | null = null;
  /** The first key-down delivered while live (its frames time the page's paint). */
  timedFrom = Infinity;
  private readonly startedAt = performance.now();
  /** When the last frame came (or the switch was done). */
  private lastFrameAt = this.startedAt;
  /** The screencast sends JPEGs now. */
  private switched = false;
  /** performance.now() by which the last key-down delivered while live should have painted. */
  private keyEnd = 0;
  /** Date.now() when the last key-down was delivered while live. */
  private keyAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private timerEnd = 0;
  private stopped = false;
  /** A frame came. */
  private framed = false;
  /**
   * The page's last word that its motion had ended, kept while it could not be taken yet (no
   * frame of the key's paint had come): the frame that shows it is the motion's last.
   */
  word: PageWord | null = null;
  /**
   * The pending frame shows the end the page spoke of (`word`, said after the last key): once it
   * is sent, the motion is over (the layer stream ends it), as the page said.
   */
  last: PageWord | null = null;

  constructor(
    /** The video holes' generation it started with: a JPEG must not paint over another. */
    readonly holes: number,
    private readonly timing: LiveTiming,
    /** The motion stopped: called once, unless stop() came first. */
    private readonly onStill: () => void,
    /**
     * Whether the page is in the middle of a motion that will end (null: it cannot tell). Asked
     * when no frame came for the wait above: on a loaded machine a key's first frame comes
     * quickly (the page was idle) and the next ones two or three times slower (it animates a
     * screen of pictures now), so twice the first gap took a smooth scroll for over after one
     * frame, and its exact capture found the page moving. While the page says so, the motion is
     * held and the page asked again after motionSettleMs, up to MAX_HOLD_MS past the last frame.
     */
    private readonly moving: (() => Promise<boolean>) | null = null
  ) {
    // The screencast has to switch to JPEG before any frame can come (a stop and a start, over
    // 100 ms on a loaded machine): stillness counts from switchDone(), this only bounds it.
    this.arm(LIVE_SWITCH_MS);
  }

  /**
   * The screencast now sends JPEG frames. The first frame may take as long as the switch did, or
   * twice as long as the page took to show its last key (`keyPaintMs`).
   */
  switchDone(keyPaintMs: number): void {
    this.switched = true;
    if (this.frames > 0 || this.pending) return;
    const now = performance.now();
    this.lastFrameAt = now;
    this.arm(Math.max(this.stillAfter(Math.max(now - this.startedAt, 2 * keyPaintMs)), this.keyEnd - now));
  }

  /**
   * Key-down `seq` was delivered at `at` (ms since the epoch): the page paints it in twice its
   * usual time (twice keyPaintWaitMs before any was measured), or, when an animation runs
   * (`moving`), its frames are sure to come and are waited for as long as a switch.
   */
  key(keyPaintMs: number, seq: number, at = Date.now(), moving = false): void {
    this.timedFrom = Math.min(this.timedFrom, seq);
    this.keyAt = at;
    // The end the page spoke of was before this key, which may move things again.
    this.last = null;
    const now = performance.now();
    this.keyEnd = now + (moving ? LIVE_SWITCH_MS : this.stillAfter(2 * (keyPaintMs || this.timing.keyPaintWaitMs)));
    if (this.switched) this.arm(this.keyEnd - now, true);
  }

  /**
   * The page says its motion has ended: no transition or animation with an end runs, and nothing
   * else changed for a while (cloud-page paint-watch.ts). The motion is over now, not once its
   * frames stop: they come 70-250 ms after the page painted them here, and the pause that tells
   * stillness another 100 ms or more, all before the exact capture could begin (the capture shows
   * the end itself; the frames still on their way would only repeat it lossy). Taken only once a
   * frame has come and the last key's paint has been seen: a word sent before a key that the
   * page has not shown yet is about the motion before it. True when it ended the motion.
   */
  pageStill(word: PageWord = { at: Date.now(), final: false }): boolean {
    if (this.stopped) return false;
    if (!this.switched || !this.framed || performance.now() < this.keyEnd) {
      this.word = word;
      return false;
    }
    this.stop();
    this.onStill();
    return true;
  }

  /** A screencast frame taken at `takenAt` (ms since the epoch): the newest to send. */
  frame(jpeg: Buffer, takenAt: number): void {
    this.framed = true;
    this.pending = { jpeg, takenAt };
    const now = performance.now();
    // Taken after the last key-down: the page has painted it, frames set the pace from here.
    if (takenAt >= this.keyAt) this.keyEnd = 0;
    // Twice the page's last gap between frames: a page that paints at 5 fps on a loaded machine
    // is still moving after motionSettleMs.
    const gap = now - this.lastFrameAt;
    this.lastFrameAt = now;
    // A frame taken before the key (the motion before it) does not shorten the wait for its paint.
    this.arm(Math.max(this.stillAfter(2 * gap), this.keyEnd - now));
    // The page said its motion had ended after the last key was taken, before this frame of the
    // key's paint came (a key's change alone, or a script's first step its last): this frame
    // shows that end. Received after the key was taken, the word was said after its handler ran
    // (but for a race of the page's two channels, ms wide: the motion would then end after its
    // first frame, and the exact capture after it find the rest).
    const word = this.word;
    if (word && this.switched && this.keyAt > -Infinity && takenAt >= this.keyAt && word.at >= this.keyAt) this.last = word;
  }

  /**
   * How long the next frame must wait at `maxFps` (0: it may go now). A rate, not a spacing: a frame
   * late on its slot lets the next come up to half a slot early, so that the screencast's uneven
   * arrivals (frames 16 to 100 ms apart on a busy machine) still make `maxFps` on average. Held to
   * a full slot after every frame, rows moved at 20 fps with 30 allowed (benchmarks.md, session 45).
   */
  waitFor(maxFps: number, now: number): number {
    return Math.max(0, this.due - 500 / maxFps - now);
  }

  /** A frame began to be made at `began`: the next is due a slot after it, or after the one before's slot if that is later. */
  frameSent(maxFps: number, began: number): void {
    this.due = Math.max(this.due, began) + 1000 / maxFps;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.slot) clearTimeout(this.slot);
    this.slot = null;
  }

  /** How long without a frame means still: motionSettleMs, or `paceMs` on a slower page, at most LIVE_SWITCH_MS. */
  private stillAfter(paceMs: number): number {
    return Math.max(this.timing.motionSettleMs, Math.min(LIVE_SWITCH_MS, paceMs));
  }

  /** `extend`: never sooner than armed already. */
  private arm(ms: number, extend = false): void {
    const end = performance.now() + ms;
    if (extend && this.timer && this.timerEnd >= end) return;
    this.timerEnd = end;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.stillOrMoving();
    }, ms);
  }

  private stillOrMoving(): void {
    if (!this.moving || !this.switched || performance.now() - this.lastFrameAt >= MAX_HOLD_MS) {
      this.onStill();
      return;
    }
    const answer = (moving: boolean): void => {
      // A frame or a key-down that came meanwhile armed the wait again.
      if (this.stopped || this.timer) return;
      if (moving) this.arm(this.timing.motionSettleMs);
      else this.onStill();
    };
    this.moving().then(answer, () => answer(false));
  }
}
