import { CDPSession } from 'puppeteer-core';

/** How many distinct echo frames are remembered (4 were seen cycling at scale 0.667). */
const MAX_ECHOES = 8;

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
  private readonly onFrame = (f: { data: string; sessionId: number }): void => {
    this.cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => undefined);
    if (f.data === this.last || this.echoes.includes(f.data)) return;
    this.last = f.data;
    this.onDamage();
  };

  /** The capture the last frame asked for found the layer unchanged: that frame was an echo. */
  echoed(): void {
    if (!this.last || this.echoes.includes(this.last)) return;
    this.echoes.push(this.last);
    if (this.echoes.length > MAX_ECHOES) this.echoes.shift();
  }

  /** The layer changed: frames taken for echoes may be the app's own states now. */
  changed(): void {
    this.echoes = [];
  }

  constructor(
    private readonly cdp: CDPSession,
    private readonly onDamage: () => void
  ) {}

  async start(): Promise<void> {
    this.cdp.on('Page.screencastFrame', this.onFrame);
    await this.cdp.send('Page.startScreencast', { format: 'png' });
  }

  stop(): void {
    this.cdp.off('Page.screencastFrame', this.onFrame);
  }
}
