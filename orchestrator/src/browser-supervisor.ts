import { StratusError } from '@stratus/protocol';
import { launchChromium, LaunchedChromium, trustCertificateArg } from './chromium';
import type { Config } from './config';
import { settledWithin } from './deadline';
import type { Logger } from './ops/log';
import { XmlCheck } from './page/xml-check';

/** What a supervisor asks of the orchestrator when its browser dies and comes back. */
export interface BrowserHost {
  /** Shutdown has begun: a dead browser is not relaunched, a new one not kept. */
  readonly shuttingDown: boolean;
  /** `from`'s browser died: every page in it is gone. */
  browserLost(from: BrowserSupervisor): void;
  /**
   * A new browser runs in `from`: each of its sessions gets a context in it. A session whose
   * renewal fails while this browser is still connected is the host's to close; one that fails
   * because this browser died too is renewed by the next relaunch.
   */
  browserBack(from: BrowserSupervisor, chromium: LaunchedChromium): Promise<void>;
}

/**
 * One cloud Chromium of the node (browser-pool.ts), kept running: launched at start, relaunched
 * when it dies (killed, out of memory, crashed). Until a new one runs, `current` is null: its
 * sessions wait, and new ones wait up to relaunchWaitMs for it (`live`) when no other runs.
 */
export class BrowserSupervisor {
  private chromium: LaunchedChromium | null = null;
  /** The relaunch of a browser that died, while it runs. */
  private relaunching: Promise<void> | null = null;
  /** Times the browser died and was relaunched since start. */
  relaunches = 0;
  /** The browser's own user agent (sessions derive theirs from it). */
  userAgent = '';
  /** Checks HbbTV XHTML documents for well-formedness, for every session (page/xml-check.ts). */
  xmlCheck: XmlCheck | null = null;

  constructor(
    private readonly config: Config,
    private readonly host: BrowserHost,
    private readonly log: Logger,
    /** Its place in the pool, for logs. */
    readonly index = 0
  ) {}

  /** The running browser; null while a dead one is being relaunched. */
  get current(): LaunchedChromium | null {
    return this.chromium;
  }

  /** Launches the browser and watches it: a browser that dies is relaunched. */
  async launch(): Promise<LaunchedChromium> {
    const config = this.config;
    const chromium = await launchChromium(config.chromium, config.server.tlsCert ? [trustCertificateArg(config.server.tlsCert)] : []);
    chromium.browser.on('disconnected', () => {
      if (!chromium.closing && this.chromium === chromium && !this.host.shuttingDown) void this.relaunch(chromium);
    });
    if (this.host.shuttingDown) {
      // Shutdown began while it launched: it must not outlive the orchestrator.
      await chromium.close(1000);
      throw new StratusError('STRATUS_SHUTDOWN');
    }
    this.userAgent = await chromium.browser.userAgent();
    this.xmlCheck = new XmlCheck(chromium.browser);
    this.chromium = chromium;
    return chromium;
  }

  /**
   * The browser died: every session's page is gone with it. Until a new browser runs the node is
   * not ready (health says so, hellos wait); then each session gets a new context and reloads
   * its app, its device still connected.
   */
  private relaunch(dead: LaunchedChromium): Promise<void> {
    // The browser a relaunch just started can die while that relaunch still renews its sessions:
    // it gets its own relaunch, after that one (whose sessions then wait for this one).
    const before = this.relaunching;
    if (before) {
      // Not ready meanwhile: hellos wait for the next browser instead of failing on this one.
      this.chromium = null;
      const next: Promise<void> = before
        .then(() => (this.host.shuttingDown ? dead.close(1000).catch(() => undefined) : this.relaunchNow(dead)))
        .finally(() => {
          if (this.relaunching === next) this.relaunching = null;
        });
      return (this.relaunching = next);
    }
    const now: Promise<void> = this.relaunchNow(dead).finally(() => {
      if (this.relaunching === now) this.relaunching = null;
    });
    return (this.relaunching = now);
  }

  private async relaunchNow(dead: LaunchedChromium): Promise<void> {
    this.chromium = null;
    this.xmlCheck = null;
    this.host.browserLost(this);
    // Whatever is left of it goes, with its profile. Its cleanup failing must not stop the
    // relaunch: the node would stay "relaunching" for ever.
    await dead.close(1000).catch((err: unknown) => this.log.error({ err }, "the dead browser's cleanup failed"));
    for (let attempt = 1; !this.host.shuttingDown; attempt++) {
      try {
        await this.launch();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5000)).unref());
      }
    }
    const chromium = this.chromium as LaunchedChromium | null;
    if (this.host.shuttingDown || !chromium) return;
    this.relaunches++;
    this.log.info({ browser: this.index, relaunches: this.relaunches }, 'the cloud browser is back');
    await this.host.browserBack(this, chromium);
  }

  /**
   * The running browser, waiting up to relaunchWaitMs for one being relaunched (while none runs,
   * a relaunch is under way: it clears the browser and starts in the same step).
   */
  async live(): Promise<LaunchedChromium> {
    const waitMs = this.config.chromium.relaunchWaitMs;
    if (!this.chromium && this.relaunching) await settledWithin(this.relaunching, waitMs);
    if (this.host.shuttingDown) throw new StratusError('STRATUS_SHUTDOWN');
    if (!this.chromium) throw new StratusError('STRATUS_BROWSER_UNAVAILABLE', `not back within ${waitMs} ms`);
    return this.chromium;
  }

  /** At shutdown, within `ms`: a relaunch under way gets half of it, the browser's close the rest. */
  async close(ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    if (this.relaunching) await settledWithin(this.relaunching, ms * 0.5);
    await this.chromium?.close(Math.max(0, deadline - performance.now()));
  }
}
