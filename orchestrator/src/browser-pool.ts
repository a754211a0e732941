import { StratusError } from '@stratus/protocol';
import { BrowserHost, BrowserSupervisor } from './browser-supervisor';
import type { LaunchedChromium } from './chromium';
import type { Config } from './config';
import type { Logger } from './ops/log';
import type { XmlCheck } from './page/xml-check';

/** Where a new session goes: a browser of the pool, and the Chromium running in it now. */
export interface Placement {
  supervisor: BrowserSupervisor;
  chromium: LaunchedChromium;
}

/**
 * The node's cloud browsers (chromium.browsers of them), each kept running by its supervisor. A
 * session lives in one of them, placed on the running one with the fewest sessions. Each browser
 * process carries its sessions' input, compositor frames and captures, and when it dies (Chromium's
 * browser process can: a renderer that crashes with a screenshot pending takes it along) only its
 * own sessions reload.
 */
export class BrowserPool {
  readonly supervisors: readonly BrowserSupervisor[];

  constructor(config: Config, host: BrowserHost, log: Logger) {
    this.supervisors = Array.from({ length: config.chromium.browsers }, (_, i) => new BrowserSupervisor(config, host, log, i));
  }

  /** Launches every browser; when one fails, those that started are closed again. */
  async launch(): Promise<void> {
    const launched = await Promise.allSettled(this.supervisors.map((s) => s.launch()));
    const failed = launched.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return;
    await this.close(5000);
    throw failed.reason;
  }

  /** Browsers running now (the others are being relaunched). */
  get running(): number {
    return this.supervisors.filter((s) => s.current).length;
  }

  /** Times a browser died and was relaunched since start, all of them. */
  get relaunches(): number {
    return this.supervisors.reduce((n, s) => n + s.relaunches, 0);
  }

  /** The browsers' own user agent (the same executable for all). */
  get userAgent(): string {
    return this.supervisors.find((s) => s.userAgent)?.userAgent ?? '';
  }

  /** An XML check of a running browser, if any runs. */
  get xmlCheck(): XmlCheck | null {
    return this.supervisors.find((s) => s.xmlCheck)?.xmlCheck ?? null;
  }

  /**
   * The browser for a new session: the running one with the fewest sessions (`load`); while none
   * runs, the first to come back within relaunchWaitMs (BrowserSupervisor.live).
   */
  async place(load: (s: BrowserSupervisor) => number): Promise<Placement> {
    const up = this.supervisors.filter((s) => s.current);
    if (up.length > 0) {
      const supervisor = up.reduce((best, s) => (load(s) < load(best) ? s : best));
      return { supervisor, chromium: supervisor.current as LaunchedChromium };
    }
    const chromium = await Promise.any(this.supervisors.map((s) => s.live())).catch((err: AggregateError) => {
      throw err.errors.find((e) => e instanceof StratusError && e.code === 'STRATUS_SHUTDOWN') ?? err.errors[0];
    });
    const supervisor = this.supervisors.find((s) => s.current === chromium);
    if (!supervisor) throw new StratusError('STRATUS_BROWSER_UNAVAILABLE', 'the browser died again as it came back');
    return { supervisor, chromium };
  }

  /** At shutdown, within `ms`, all at once. */
  async close(ms: number): Promise<void> {
    await Promise.all(this.supervisors.map((s) => s.close(ms)));
  }
}
