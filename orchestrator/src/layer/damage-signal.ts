import { CDPSession } from 'puppeteer-core';

/** How many distinct echo frames are remembered (4 were seen cycling at scale 0.667). */
const MAX_ECHOES = 8;
/** A JPEG's first bytes (FF D8 FF) in base64: a PNG frame starts "iVBOR". */
const JPEG_BASE64 = '/9j/';

/**
 * When the page may have painted: the screencast. Chromium sends a screencast frame only when the
 * page paints, so a static UI costs nothing. Its colours are premultiplied and not exact, so the
 * pixels sent come from the layer source's captures; but each capture makes Chromium paint once
 * more, and that paint yields a screencast frame: an echo, which would keep an idle page capturing
 * for ever. At scale 1 the echo is the frame before, byte for byte. At a fractional scale (an app
 * authored at 1920x1080 on a 720p device) the same still page comes back as several slightly
 * different frames in turn (the captures themselves are identical): so a frame whose capture found
 * the layer unchanged is remembered as an echo and dropped when it comes again, until the layer
 * really changes (then the app's own states must count again).
 */
export class DamageSignal {
  /** The frame that last asked for a capture. */
  private last = '';
  private echoes: string[] = [];
  /** Live: the screencast sends JPEGs, which are the layer's frames themselves (motion mode). */
  private live = false;
  /**
   * Ready for the next live motion: the JPEG screencast stays on between motions (its frames only
   * signal damage then), so that the next one's first frame does not wait for a restart.
   */
  private ready = false;
  private liveParams = { quality: 80, size: { width: 0, height: 0 } };
  /** Quiet: no PNG screencast (the page's paint reports stand in for it). */
  private quiet = false;
  /** Screencast frames received, of either format; damage frames painted before a capture began (capturedSince). */
  readonly stats = { frames: 0, covered: 0 };
  /** When the newest whole capture of the layer began (ms since the epoch): see useCaptures. */
  private capturedSince: () => number = () => -Infinity;
  /** The screencast's parameters as it runs now ('none': stopped). */
  private running = 'none';
  /** Format switches, one after another. */
  private switching: Promise<void> = Promise.resolve();
  private readonly onFrame = (f: { data: string; sessionId: number; metadata: { timestamp?: number } }): void => {
    this.cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => undefined);
    this.stats.frames++;
    const takenAt = (f.metadata.timestamp ?? 0) * 1000;
    // A frame's format says which mode it was taken in: frames of the mode just left may still come.
    if (f.data.startsWith(JPEG_BASE64)) {
      if (this.live) {
        this.onLive?.(Buffer.from(f.data, 'base64'), takenAt, true);
        return;
      }
      // Between motions it shows the page's newest look (the next motion's first frame may be
      // cut against it), and says the page painted, as a PNG frame would (never pixels: lossy);
      // while quiet the page's reports say so instead.
      if (this.ready) {
        if (this.seenBetween) this.onLive?.(Buffer.from(f.data, 'base64'), takenAt, false);
        if (!this.quiet) this.damage(f.data, takenAt);
      }
      return;
    }
    // A PNG taken before the screencast went quiet: the page was still, the layer had it all.
    if (this.live || this.quiet || f.data === this.last) return;
    if (this.onShot) {
      // Pixels mode (scale 1): a capture's echo is the frame before, byte for byte, and every
      // other frame carries the change itself.
      this.last = f.data;
      this.onShot(Buffer.from(f.data, 'base64'), takenAt);
      return;
    }
    this.damage(f.data, takenAt);
  };

  /** `takenAt`: when the frame was painted (ms since the epoch; 0: not known). */
  private damage(data: string, takenAt: number): void {
    if (takenAt > 0 && takenAt < this.capturedSince()) {
      this.stats.covered++;
      return;
    }
    if (data === this.last || this.echoes.includes(data)) return;
    this.last = data;
    this.onDamage();
  }

  /** The capture the last frame asked for found the layer unchanged: that frame was an echo. */
  echoed(): void {
    if (!this.last || this.echoes.includes(this.last)) return;
    this.echoes.push(this.last);
    if (this.echoes.length > MAX_ECHOES) this.echoes.shift();
  }

  /**
   * `since` says when the newest whole capture of the layer began (ms since the epoch, the
   * screencast's clock): a frame painted before then shows the page as it was before that
   * capture, which shows it as it was then or later, so it asks for nothing. After a motion the
   * screencast's last frames came in while its exact capture ran (the frames arrive 20-170 ms
   * after their paint) and each asked for one more capture, which found nothing.
   */
  useCaptures(since: () => number): void {
    this.capturedSince = since;
  }

  /** The layer changed: frames taken for echoes may be the app's own states now. */
  changed(): void {
    this.echoes = [];
  }

  constructor(
    private readonly cdp: CDPSession,
    private readonly onDamage: () => void,
    /** A JPEG frame, when it was taken (ms since the epoch), and whether it is live (else taken between motions). */
    private readonly onLive: ((jpeg: Buffer, takenAt: number, live: boolean) => void) | null = null,
    /**
     * Pixels mode: each new PNG frame and when it was taken go here instead of onDamage (at
     * scale 1, where a frame's opaque and clear pixels are the capture's, byte for byte).
     */
    private readonly onShot: ((png: Buffer, takenAt: number) => void) | null = null,
    /** Frames between motions go to onLive too (what a motion's first frame is cut against); else never decoded. */
    private readonly seenBetween = true
  ) {}

  async start(): Promise<void> {
    this.cdp.on('Page.screencastFrame', this.onFrame);
    const params = { format: 'png' as const };
    await this.cdp.send('Page.startScreencast', params);
    this.running = JSON.stringify(params);
  }

  /**
   * Switches the screencast to JPEGs of `size` at `quality` (live) or back to PNGs (damage only).
   * Back from live, the next PNG frame asks for a capture, whatever it shows: the exact pixels
   * after the motion are due anyway.
   */
  setLive(on: boolean, quality = 80, size = { width: 0, height: 0 }): Promise<void> {
    return this.switchTo(() => {
      if (this.live === on) return false;
      this.live = on;
      if (on) this.liveParams = { quality, size };
      return true;
    });
  }

  /** Keeps the screencast in JPEG between live motions (`on`), or not: see `ready`. */
  setReady(on: boolean, quality = 80, size = { width: 0, height: 0 }): Promise<void> {
    return this.switchTo(() => {
      if (this.ready === on) return false;
      this.ready = on;
      if (on) this.liveParams = { quality, size };
      return true;
    });
  }

  /**
   * Quiet: no screencast at all while the page is still and vouches for its paints (page-paint.ts
   * reports them instead). A live motion's JPEGs still come while quiet; PNGs do not.
   */
  setQuiet(on: boolean): Promise<void> {
    return this.switchTo(() => {
      if (this.quiet === on) return false;
      this.quiet = on;
      return true;
    });
  }

  /**
   * Sets the mode at once and restarts the screencast in it, after the switches before it, unless
   * it already runs so. Changes made together (leaving quiet for a key that goes live) cost one
   * restart: each restart delays the first frame, and two in a row delayed it by 100 to 200 ms.
   */
  private switchTo(change: () => boolean): Promise<void> {
    if (!change()) return this.switching;
    this.switching = this.switching.then(async () => {
      const mode = this.mode();
      const { quality, size } = this.liveParams;
      const params = mode === 'jpeg' ? { format: 'jpeg' as const, quality, maxWidth: size.width, maxHeight: size.height } : { format: 'png' as const };
      const key = mode === 'none' ? 'none' : JSON.stringify(params);
      if (key === this.running) return;
      this.last = '';
      await this.cdp.send('Page.stopScreencast').catch(() => undefined);
      this.running = 'none';
      if (mode === 'none') return;
      await this.cdp.send('Page.startScreencast', params).catch(() => undefined);
      this.running = key;
    });
    return this.switching;
  }

  private mode(): 'jpeg' | 'png' | 'none' {
    return this.live || this.ready ? 'jpeg' : this.quiet ? 'none' : 'png';
  }

  stop(): void {
    this.cdp.off('Page.screencastFrame', this.onFrame);
  }
}
