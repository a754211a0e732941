import { CDPSession } from 'puppeteer-core';

/**
 * When the page may have painted: the screencast. Chromium sends a screencast frame only when the
 * page paints, so a static UI costs nothing. Its colours are premultiplied and not exact, so the
 * pixels sent come from the layer source's captures; but each capture makes Chromium paint once
 * more, and that paint yields a screencast frame identical to the one before. Comparing frames
 * byte for byte drops those echoes, which would otherwise keep an idle page capturing forever.
 */
export class DamageSignal {
  private last = '';
  private readonly onFrame = (f: { data: string; sessionId: number }): void => {
    this.cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => undefined);
    if (f.data === this.last) return;
    this.last = f.data;
    this.onDamage();
  };

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
