import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { CloudErrorDetail, CloudPageConfig } from '@stratus/cloud-page';
import { StratusError } from '@stratus/protocol';
import { BrowserContext, CDPSession, Page } from 'puppeteer-core';
import { settledWithin } from '../deadline';
import { Rect } from '../layer/damage';
import { hintAnswer } from '../layer/damage-hint';
import type { LayerSource } from '../layer/layer-types';
import { decodePng, Rgba } from '../png/decode';
import { cloudPageScript } from './cloud-page-script';

export interface CloudPageOptions {
  /** Absolute URL of the app page. */
  appUrl: string;
  /** The resolution the app is authored for (CSS pixels), and layer pixels per CSS pixel. */
  app: { width: number; height: number };
  scale: number;
  appLoadTimeoutMs: number;
  unloadGraceMs: number;
  /** A capture or evaluation running longer than this means the renderer hangs ('hung'). */
  hangTimeoutMs: number;
  userAgent: string;
  /** Sent as X-Forwarded-For on every request the page makes. */
  deviceIp: string | null;
  /** What navigator.geolocation reports; null: position unavailable, never the data centre's. */
  location: { latitude: number; longitude: number; accuracy: number } | null;
}

/** What Page.captureScreenshot takes; the bench measures other formats on the same screen. */
export interface CaptureFormat {
  format: 'png' | 'jpeg';
  quality?: number;
  optimizeForSpeed?: boolean;
  clip?: { x: number; y: number; width: number; height: number; scale: number };
}

const LAYER_PNG: CaptureFormat = { format: 'png', optimizeForSpeed: true };
/** How long a capture may wait after the page navigated before the page is asked whether it runs. */
const LOST_CAPTURE_CHECK_MS = 1000;

/** How long closing a crashed or hung page may take before the session goes on without it. */
const DROP_MS = 2000;

export interface CloudPageEvents {
  /** The page's renderer died (killed, out of memory, a crash): the page is useless now. */
  crashed: [];
  /** A capture or evaluation did not answer within hangTimeoutMs: the renderer is stuck. */
  hung: [];
  /** The app was told of a cloud-browser error, or its script threw and nothing caught it. */
  appError: [{ code: string; message: string; source: string }];
}

/**
 * The app's page in its own incognito context: rendered at the device's resolution with a
 * transparent background, given the cloud page bundle before the app's code, and captured one
 * capture at a time (it is the UI layer's LayerSource). It also carries what the orchestrator
 * tells the app (cloud-browser errors, painted frames) and asks it (damage hints), through the
 * bundle's hidden inbox.
 */
export class CloudPage extends EventEmitter<CloudPageEvents> implements LayerSource {
  /** The bundle's hidden global in this session's documents. */
  readonly inbox = `__stratus_${randomBytes(6).toString('hex')}`;
  private context: BrowserContext | null = null;
  private page: Page | null = null;
  private session: CDPSession | null = null;
  /** Chromium corrupts parallel captures of one page, so every capture goes through this chain. */
  private captureChain: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  captures = 0;
  /** Called on each main-frame navigation: captures in flight across one may be lost. */
  private readonly onNavigation = new Set<() => void>();
  /** This page (since open) has been reported crashed or hung: one report per page. */
  private failed = false;

  constructor(private readonly opts: CloudPageOptions) {
    super();
  }

  /** The page crashed or hung since it opened (it was reported). */
  get hasFailed(): boolean {
    return this.failed;
  }

  /** The app's page, for tests and operators' tools; null once closed. */
  get puppeteerPage(): Page | null {
    return this.page;
  }

  /** The page's CDP session. Throws STRATUS_SESSION_CLOSED once the page is gone. */
  get cdp(): CDPSession {
    if (!this.session) throw new StratusError('STRATUS_SESSION_CLOSED');
    return this.session;
  }

  /** Creates the page and sets it up as a TV screen of the device's size, before any app code. */
  async open(context: BrowserContext): Promise<void> {
    this.context = context;
    this.failed = false;
    this.captureChain = Promise.resolve();
    const page = await context.newPage();
    this.page = page;
    // Puppeteer reports a dead renderer as the page's 'error' (Inspector.targetCrashed).
    page.on('error', () => this.fail(page, 'crashed'));
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) for (const fn of this.onNavigation) fn();
    });
    // A TV browser has no one to answer a dialog: alert() and confirm() would block the page's
    // thread for ever (and read as a hang). Leaving the page is always allowed.
    // An uncaught exception of the app's own script: operators hear of it (app.error events).
    page.on('pageerror', (err) => this.emit('appError', { code: 'SCRIPT_ERROR', message: String((err as Error)?.message ?? err).slice(0, 500), source: 'script' }));
    page.on('dialog', (d) => void (d.type() === 'beforeunload' ? d.accept() : d.dismiss()).catch(() => undefined));
    const cdp = await page.createCDPSession();
    this.session = cdp;
    const { app, scale } = this.opts;
    await cdp.send('Emulation.setDeviceMetricsOverride', {
      width: app.width,
      height: app.height,
      deviceScaleFactor: scale,
      mobile: false,
      screenWidth: app.width,
      screenHeight: app.height
    });
    await cdp.send('Emulation.setDefaultBackgroundColorOverride', { color: { r: 0, g: 0, b: 0, a: 0 } });
    await cdp.send('Page.enable');
    await page.setUserAgent(this.opts.userAgent);
    if (this.opts.deviceIp) await page.setExtraHTTPHeaders({ 'X-Forwarded-For': this.opts.deviceIp });
    if (this.opts.location) {
      await context.overridePermissions(new URL(this.opts.appUrl).origin, ['geolocation']);
      await cdp.send('Emulation.setGeolocationOverride', this.opts.location);
    } else {
      await cdp.send('Emulation.setGeolocationOverride', {});
    }
  }

  /** Every document of the page runs the cloud page bundle first, with this session's config. */
  async inject(config: Omit<CloudPageConfig, 'inbox'>): Promise<void> {
    await this.cdp.send('Page.addScriptToEvaluateOnNewDocument', { source: cloudPageScript({ ...config, inbox: this.inbox }) });
  }

  /**
   * Puts a device's kept localStorage items into the next document of `origin`, before its
   * scripts run. Returns the script's id, for forgetScript once that document has loaded.
   */
  async restoreLocalStorage(origin: string, items: Array<[string, string]>): Promise<string> {
    const source = `(function (o, items) { if (location.origin !== o) return; try { for (var i = 0; i < items.length; i++) localStorage.setItem(items[i][0], items[i][1]); } catch (e) {} })(${JSON.stringify(origin)}, ${JSON.stringify(items)});`;
    const { identifier } = await this.cdp.send('Page.addScriptToEvaluateOnNewDocument', { source });
    return identifier;
  }

  async forgetScript(identifier: string): Promise<void> {
    await this.cdp.send('Page.removeScriptToEvaluateOnNewDocument', { identifier }).catch(() => undefined);
  }

  /** The localStorage of the top document, when it is of `origin`; null otherwise. */
  async localStorageOf(origin: string): Promise<{ origin: string; items: Array<[string, string]> } | null> {
    const page = this.page;
    if (!page) return null;
    return page.evaluate((o: string) => {
      if (location.origin !== o) return null;
      const items: Array<[string, string]> = [];
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i) as string;
        items.push([k, localStorage.getItem(k) as string]);
      }
      return { origin: o, items };
    }, origin);
  }

  /** Loads the app. Throws STRATUS_APP_LOAD_FAILED. */
  async load(): Promise<void> {
    let status = 0;
    try {
      const res = await this.page!.goto(this.opts.appUrl, { waitUntil: 'load', timeout: this.opts.appLoadTimeoutMs });
      status = res ? res.status() : 0;
    } catch (err) {
      throw new StratusError('STRATUS_APP_LOAD_FAILED', `${this.opts.appUrl}: ${(err as Error).message}`);
    }
    // An error page is no app: the viewer would be left with a server's "Not Found".
    if (status >= 400) throw new StratusError('STRATUS_APP_LOAD_FAILED', `${this.opts.appUrl}: HTTP ${status}`);
  }

  /** The exact transparent layer as PNG (of `clip`, in layer pixels, when given). */
  capture(clip?: Rect): Promise<Buffer> {
    // Clips come only at scale 1 (damage hints are off otherwise), so layer pixels are CSS pixels.
    return this.captureAs(clip ? { ...LAYER_PNG, clip: { x: clip.x, y: clip.y, width: clip.w, height: clip.h, scale: 1 } } : LAYER_PNG);
  }

  /**
   * A JPEG of `region` (layer pixels). At a fractional scale the CSS clip is the region divided by
   * the scale, and Chromium's output may be a pixel off the region's size (the device fits it).
   */
  captureLossy(region: Rect, quality: number): Promise<Buffer> {
    const s = this.opts.scale;
    return this.captureAs({
      format: 'jpeg',
      quality,
      optimizeForSpeed: true,
      clip: { x: region.x / s, y: region.y / s, width: region.w / s, height: region.h / s, scale: 1 }
    });
  }

  /** The layer's pixels in `clip` (layer pixels), at any scale. */
  async captureRect(clip: Rect): Promise<Rgba> {
    if (this.opts.scale === 1) return decodePng(await this.capture(clip));
    // At a fractional scale a CSS clip does not fall on layer pixels: take the whole layer.
    const full = decodePng(await this.capture());
    const data = Buffer.alloc(clip.w * clip.h * 4);
    for (let row = 0; row < clip.h; row++) {
      const from = ((clip.y + row) * full.width + clip.x) * 4;
      full.data.copy(data, row * clip.w * 4, from, from + clip.w * 4);
    }
    return { width: clip.w, height: clip.h, data };
  }

  /** Paints the video holes of these documents (execution contexts) in key `n`. */
  async holeKey(n: 1 | 2, contexts: number[]): Promise<void> {
    await Promise.all(contexts.map((contextId) => this.call('holeKey', [n], contextId).catch(() => null)));
  }

  /** A capture in any format, serialised with every other capture of this page. */
  captureAs(format: CaptureFormat): Promise<Buffer> {
    const cdp = this.session;
    if (!cdp) return Promise.reject(new StratusError('STRATUS_SESSION_CLOSED'));
    this.captures++;
    const run = this.captureChain.then(() => this.watch(cdp.send('Page.captureScreenshot', format), true));
    this.captureChain = run.catch(() => undefined);
    return run.then((r) => Buffer.from(r.data, 'base64'));
  }

  /**
   * Where the changes since the last call repainted, as the page can tell, in CSS pixels; null
   * when it cannot (then a full capture). Areas over `maxPercent` of the page count as no hint.
   * `seq`: the last paint report (layer/page-paint.ts) the changes include.
   */
  async damageHint(maxPercent: number, since?: number): Promise<ReturnType<typeof hintAnswer>> {
    const { width, height } = this.opts.app;
    const maxArea = Math.floor((width * height * maxPercent) / 100);
    const value = await this.call<unknown>('take', since === undefined ? [width, height, maxArea] : [width, height, maxArea, since]).catch(() => null);
    return hintAnswer(value, width, height);
  }

  /**
   * The page is in the middle of a motion that will end (a transition, a smooth scroll, a script
   * animation: cloud-page/src/paint-watch.ts motionUnderWay); false when it cannot tell.
   */
  async moving(): Promise<boolean> {
    return (await this.call<unknown>('moving', []).catch(() => null)) === true;
  }

  /** Raises a cloud-browser error event in the app's page. */
  notifyApp(detail: CloudErrorDetail): Promise<void> {
    this.emit('appError', { code: detail.code, message: detail.message.slice(0, 500), source: detail.source });
    return this.call('cloudError', [detail]).then(() => undefined, () => undefined);
  }

  /** Tells the app the device has painted a frame (the `stratusrendered` event). */
  rendered(detail: object): void {
    this.call('rendered', [detail]).catch(() => undefined);
  }

  /** A control client's message to the app (app.message): false when the page has no inbox to take it. */
  async deliverMessage(data: unknown): Promise<boolean> {
    return (await this.call<boolean>('message', [data]).catch(() => null)) === true;
  }

  /**
   * A control client's media command, carried out by the app's own player object in the document
   * that owns it (cloud-page/src/media/control.ts): null when done, else the coded refusal.
   */
  async controlPlayer(contextId: number, local: string, method: string, params: object): Promise<{ code: string; message: string } | null> {
    const r = await this.call<{ code: string; message: string } | null>('control', [local, method, params], contextId);
    return r ?? null;
  }

  /**
   * Another app is to run in this page's context (app.launch, app.reload): the page leaves as on a
   * TV browser switching apps (pagehide and unload fire), then goes. The context, with the
   * session's cookies and storage, stays for the next page, so beacons sent on the way out carry
   * on without an unload grace to wait for.
   */
  async leaveApp(): Promise<void> {
    const page = this.page;
    if (!page || this.failed) {
      await this.discard();
      return;
    }
    await page.goto('about:blank', { timeout: this.opts.unloadGraceMs + 2000 }).catch(() => undefined);
    this.page = null;
    this.session = null;
    // A blank page holds nothing: the next one need not wait the ~0.5 s its close takes.
    void settledWithin(page.close(), DROP_MS).catch(() => undefined);
  }

  /** The next open() loads this app instead (app.launch). */
  retarget(appUrl: string, app: { width: number; height: number }, scale: number): void {
    this.opts.appUrl = appUrl;
    this.opts.app = { width: app.width, height: app.height };
    this.opts.scale = scale;
  }

  /** Calls the inbox in the page's main document (or in `contextId`'s); its arguments go as JSON. */
  private async call<T>(method: string, args: unknown[], contextId?: number): Promise<T | null> {
    const cdp = this.session;
    if (!cdp) return null;
    const expression = `(() => { const i = window[${JSON.stringify(this.inbox)}]; return i ? i.${method}(...${JSON.stringify(args)}) : null; })()`;
    const r = await this.watch(
      cdp.send('Runtime.evaluate', contextId === undefined ? { expression, returnByValue: true } : { expression, returnByValue: true, contextId })
    );
    return r.result.value as T;
  }

  /**
   * The watchdog: a call to the page that has not answered within hangTimeoutMs reports the page
   * hung, and fails (STRATUS_PAGE_CRASHED) rather than wait for the protocol timeout.
   *
   * Chromium can lose a screenshot taken while the page changes documents (seen after a
   * cross-origin navigation: the request is never answered, yet the page runs and the next
   * capture works). So a capture (`lostIfAlive`) still waiting a second after the page navigated,
   * or at the timeout, first asks the page something trivial: an answer means the capture was
   * lost, not the page, and only the capture fails (STRATUS_CAPTURE_FAILED; the layer stream
   * tries again), so the viewer sees the new document within about a second.
   */
  watch<T>(call: Promise<T>, lostIfAlive = false): Promise<T> {
    const page = this.page;
    const cdp = this.session;
    const ms = this.opts.hangTimeoutMs;
    const timers: NodeJS.Timeout[] = [];
    let navigated: (() => void) | null = null;
    const hung = new Promise<never>((_resolve, reject) => {
      const dead = (): void => {
        if (page) this.fail(page, 'hung');
        reject(new StratusError('STRATUS_PAGE_CRASHED', `the page did not answer within ${ms} ms`));
      };
      /** Whether the page answers within `within` ms. */
      const answers = async (within: number): Promise<boolean> => {
        if (!cdp) return false;
        let answered = false;
        await settledWithin(cdp.send('Runtime.evaluate', { expression: '0', returnByValue: true }).then(() => (answered = true)), within);
        return answered;
      };
      const lost = (): void => reject(new StratusError('STRATUS_CAPTURE_FAILED', 'a capture got no answer, though the page answers'));
      timers.push(setTimeout(() => (lostIfAlive ? void answers(ms / 2).then((alive) => (alive ? lost() : dead())) : dead()), ms));
      if (!lostIfAlive) return;
      navigated = () => timers.push(setTimeout(() => void answers(ms / 2).then((alive) => alive && lost()), LOST_CAPTURE_CHECK_MS));
      this.onNavigation.add(navigated);
    });
    // The call may still fail later (at the protocol timeout, or when the page is dropped).
    call.catch(() => undefined);
    return Promise.race([call, hung]).finally(() => {
      timers.forEach((t) => clearTimeout(t));
      if (navigated) this.onNavigation.delete(navigated);
    });
  }

  private fail(page: Page, how: 'crashed' | 'hung'): void {
    if (page !== this.page || this.failed || this.closing) return;
    this.failed = true;
    this.emit(how);
  }

  /**
   * Drops a crashed or hung page so that open() can make a new one (in the same context, or in
   * `context` of a relaunched browser). A hung renderer is crashed first: it would not close.
   */
  async discard(): Promise<void> {
    const page = this.page;
    const cdp = this.session;
    this.page = null;
    this.session = null;
    if (!page) return;
    if (cdp) cdp.send('Page.crash').catch(() => undefined);
    await settledWithin(page.close(), DROP_MS);
  }

  /**
   * Leaves the app's page by navigating away, which fires pagehide, visibilitychange (hidden) and
   * unload natively, in the order of the HTML spec, as on a TV browser leaving an app. Beacons
   * queued there outlive the document; the grace gives them time to leave before the context,
   * with its cookies, storage and cache, is dropped. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closing ??= this.leave();
    return this.closing;
  }

  private async leave(): Promise<void> {
    const page = this.page;
    const context = this.context;
    this.session = null;
    this.page = null;
    this.context = null;
    if (page && this.failed) {
      // A crashed or hung page runs no unload handlers: it only has to go.
      await settledWithin(page.close(), DROP_MS);
    } else if (page) {
      const grace = this.opts.unloadGraceMs;
      await page.goto('about:blank', { timeout: grace + 2000 }).catch(() => undefined);
      if (grace > 0) await new Promise((r) => setTimeout(r, grace));
    }
    if (context) await context.close().catch(() => undefined);
  }
}
