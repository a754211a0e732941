import { randomBytes } from 'node:crypto';
import type { CDPSession } from 'puppeteer-core';

/**
 * The page's paint reports (cloud-page/src/paint-watch.ts), through a CDP binding: "d<seq>"
 * something may have painted, "q<seq>" the page is still and vouches for its paints, "b<seq>" it
 * cannot (something paints by itself), "e<seq>" a motion it ran (transitions, animations, smooth
 * scrolls, a script's steps) has ended and nothing else moves, "f<seq>" the same said at a
 * script's last step, the app having asked for no further frame or short timer
 * (cloud-page/src/frame-drivers.ts) rather than after a wait. Each report is one short string;
 * anything else is dropped, since the page runs the app's code.
 */
export interface PaintReport {
  kind: 'dirty' | 'quiet' | 'busy' | 'ended';
  seq: number;
  /** An "ended" said at the script's last step ("f"). */
  final?: true;
}

const KINDS = { d: 'dirty', q: 'quiet', b: 'busy', e: 'ended', f: 'ended' } as const;

export function parsePaintReport(payload: unknown): PaintReport | null {
  if (typeof payload !== 'string') return null;
  const m = /^([dqbef])(\d{1,15})$/.exec(payload);
  if (!m) return null;
  const report: PaintReport = { kind: KINDS[m[1] as keyof typeof KINDS], seq: Number(m[2]) };
  if (m[1] === 'f') report.final = true;
  return report;
}

export class PagePaint {
  /** Random per session, so apps cannot rely on it (the page takes it off window anyway). */
  readonly binding = `__stratusPaint_${randomBytes(6).toString('hex')}`;
  readonly stats = { reports: 0, refused: 0 };
  private readonly onCalled = (e: { name: string; payload: string }): void => {
    if (e.name !== this.binding) return;
    const r = parsePaintReport(e.payload);
    if (!r) {
      this.stats.refused++;
      return;
    }
    this.stats.reports++;
    this.onReport(r);
  };

  constructor(
    private readonly cdp: CDPSession,
    private readonly onReport: (r: PaintReport) => void
  ) {}

  /** Before the app loads: the binding must exist when the cloud page bundle runs. */
  async install(): Promise<void> {
    this.cdp.on('Runtime.bindingCalled', this.onCalled);
    await this.cdp.send('Runtime.addBinding', { name: this.binding });
  }

  stop(): void {
    this.cdp.off('Runtime.bindingCalled', this.onCalled);
  }
}
