import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { APP_MESSAGE_MAX, AppInfo, CarriedMedia, check, EventType, json, KEYSET_ALL, MediaCapabilities, SessionInfo, StratusError, TO_CHANNEL } from '@stratus/protocol';
import { RateLimit } from '../channel/rate-limit';
import { BrowserContext, Page } from 'puppeteer-core';
import { AppEntry, Config } from '../config';
import { InputPipeline } from '../input/input-pipeline';
import { KeyInjector } from '../input/key-injector';
import { DamageSignal } from '../layer/damage-signal';
import { PagePaint } from '../layer/page-paint';
import { QuietScreencast } from '../layer/quiet-screencast';
import { LayerStream } from '../layer/layer-stream';
import { VideoHoles } from '../layer/video-holes';
import { playbackSupport } from '../media/capabilities';
import { ControlMediaMethod, LineupChannel, MediaProxy } from '../media/media-proxy';
import { PlaybackRouter } from '../media/playback-route';
import { CloudPage, CloudPageOptions } from '../page/cloud-page';
import { hbbtvConfig } from '../page/hbbtv-config';
import { IdleTimer } from './idle-timer';
import { SessionChannels } from './session-channels';
import type { DeviceState } from '../storage/device-state';
import { settledWithin } from '../deadline';

export interface SessionOptions extends Omit<CloudPageOptions, 'scale'> {
  /** From the device's verified token. */
  deviceId: string;
  appId: string;
  app: AppEntry;
  /** `encodings`: what the device's hello says it decodes (UI rectangles); `tileCache`: the slots it keeps. */
  device: { width: number; height: number; model: string; encodings: readonly string[]; tileCache?: number };
  ui: Config['ui'];
  hbbtv: Config['hbbtv'];
  /** Whether an HbbTV XHTML document is well-formed XML (page/xml-check.ts, shared by the sessions). */
  wellFormedXml(text: string): Promise<boolean>;
  media: {
    playTimeoutMs: number;
    channels: LineupChannel[];
    virtualAnswer: string;
    /** The device's report from its hello (or the baseline). */
    caps: MediaCapabilities;
    router: PlaybackRouter;
  };
  idleTimeoutMs: number;
  resumeGraceMs: number;
  /** Page crashes or hangs within crashWindowMs that end the session (STRATUS_PAGE_CRASHED). */
  maxCrashes: number;
  crashWindowMs: number;
  /** Control clients that may join besides the device. */
  maxControlChannels: number;
  rpcTimeoutMs: number;
  /** app.error events per minute at most; more are counted into the next one. */
  appErrorsPerMin: number;
  /** Reserved by the integration API before its device connected (POST /api/sessions). */
  prewarmed?: boolean;
  /** What the device still plays from a session it lost (hello `carried`): told to the app's first page. */
  carried?: CarriedMedia;
  /** The app keeps its state per device (catalogue `storage: "device"`): what to restore, and where to save. */
  deviceState?: DeviceStateOptions | null;
}

export interface DeviceStateOptions {
  restore: DeviceState | null;
  save(state: DeviceState): Promise<void>;
  /** Saved this often while the session runs (a node that dies loses no more), and at its end. */
  intervalMs: number;
}

/** Why the app's page was re-created (the session.reloaded notification). */
export type ReloadReason = 'crashed' | 'hung' | 'browser' | 'launch' | 'reload';

export interface SessionEvents {
  /** Teardown begins: tell the device now, the page still gets its unload grace. */
  closing: [StratusError | null];
  closed: [StratusError | null];
  /** Something operators hear of (protocol/src/api.ts EVENT_TYPES); the orchestrator numbers and delivers it. */
  event: [EventType, Record<string, unknown>];
}

const APP_MESSAGE = json(APP_MESSAGE_MAX);

/** Scale from the app's authored resolution to the device screen, keeping the aspect ratio. */
export function layerScale(app: { width: number; height: number }, device: { width: number; height: number }): number {
  return Math.min(device.width / app.width, device.height / app.height);
}

/**
 * One device's cloud browser: the app's CloudPage streamed as a UI layer to the device's channel,
 * keys into the page through the input pipeline, and the media proxy between the page and the
 * device's players. The session starts them, closes them, and closes itself when idle.
 */
export class Session extends EventEmitter<SessionEvents> {
  readonly id = randomUUID();
  readonly deviceId: string;
  /** The running app (app.launch changes it). */
  appId: string;
  private app: AppEntry;
  private appUrl: string;
  /** Layer pixels per CSS pixel of the running app. */
  scale: number;
  readonly startedAt = Date.now();
  /** app.error events held back by the rate limit since the last one sent. */
  private suppressedErrors = 0;
  private readonly errorRate: RateLimit;
  readonly page: CloudPage;
  readonly channels: SessionChannels;
  readonly input = new InputPipeline();
  readonly layer: LayerStream;
  /** The media proxy, once the page is open. */
  media: MediaProxy | null = null;
  /** The page's video holes, once the page is open. */
  holes: VideoHoles | null = null;
  private signal: DamageSignal | null = null;
  /** The page's paint reports, and the policy that stops its screencast on them. */
  private paint: PagePaint | null = null;
  private quiet: QuietScreencast | null = null;
  private closing: Promise<void> | null = null;
  /** The incognito context the page lives in (a relaunched browser gives a new one). */
  private context: BrowserContext | null = null;
  /** Saves the device's state of the app now and then (storage "device"). */
  private stateTimer: NodeJS.Timeout | null = null;
  /** The app has loaded at least once in this session. */
  private appLoaded = false;
  /** Whether the app's first page has been told what the device carried over. */
  private restoredCarried = false;
  /** Whether the device's kept localStorage has been put into the app's first page. */
  private restoredLocal = false;
  /** Page re-creations, one after another. */
  private renewal: Promise<void> = Promise.resolve();
  /** The browser died: the page is gone until the orchestrator renews it in a new browser. */
  private browserGone = false;
  /** When the page crashed or hung, within the crash window. */
  private crashes: number[] = [];
  /** Times the app was reloaded in this session. */
  reloads = 0;
  /** Reloads asked for and not yet streaming. */
  private pendingRenewals = 0;
  /** The STRATUS_TRANSPORT_LOST the app was told about at the drop; closing with it says nothing new. */
  private announcedLoss: StratusError | null = null;
  private readonly idle: IdleTimer;

  constructor(private readonly opts: SessionOptions) {
    super();
    this.deviceId = opts.deviceId;
    this.appId = opts.appId;
    this.app = opts.app;
    this.appUrl = opts.appUrl;
    this.scale = layerScale(opts.app, opts.device);
    this.page = new CloudPage({ ...opts, scale: this.scale });
    this.errorRate = new RateLimit(opts.appErrorsPerMin / 60, opts.appErrorsPerMin);
    this.page.on('appError', (e) => this.appError(e));
    this.channels = new SessionChannels({
      maxControls: opts.maxControlChannels,
      resumeGraceMs: opts.resumeGraceMs,
      onDevice: (attached) => this.onDevice(attached),
      onDeviceGone: (reason) => void this.close(reason)
    });
    this.idle = new IdleTimer(opts.idleTimeoutMs, () => void this.close(new StratusError('STRATUS_IDLE_TIMEOUT')));
    this.input.onKey = () => this.idle.touch();
    this.layer = new LayerStream(this.page, this.channels.device, opts.ui);
    this.layer.setDeviceEncodings(opts.device.encodings, opts.device.tileCache ?? 0);
    // Nothing to stream to until a device attaches; attaching starts it with a keyframe.
    this.layer.pause();
    this.layer.on('error', (err) => void this.close(err));
    // What the captures found teaches the damage signal which screencast frames are echoes.
    this.layer.on('unchanged', () => this.signal?.echoed());
    this.layer.on('idle', () => this.quiet?.layerIdle());
    this.layer.on('missed', () => this.quiet?.missed());
    this.layer.on('changed', () => this.signal?.changed());
    // Live motion: the screencast's frames become the layer's, at the device's size.
    const liveSize = { width: opts.device.width, height: opts.device.height };
    this.layer.on('live', (on) => {
      const signal = this.signal;
      if (!signal) return;
      const motion = on ? this.layer.liveMotion : null;
      void signal.setLive(on, opts.ui.motionQuality, liveSize).then(() => {
        if (motion && this.signal === signal) this.layer.liveSwitched(motion);
      });
    });
    this.layer.on('ready', (on) => void this.signal?.setReady(on, opts.ui.motionQuality, liveSize));
    this.layer.on('painted', (info) => {
      this.page.rendered({
        frame: info.frame,
        inputSeq: info.inputSeq,
        keyframe: info.keyframe,
        rects: info.rects,
        bytes: info.bytes,
        captureMs: round(info.captureMs),
        encodeMs: round(info.encodeMs),
        sendToAckMs: round(info.ackedAt - info.sentAt),
        captureToAckMs: round(info.ackedAt - info.capturedAt),
        decodeMs: info.decodeMs,
        inputToPaintMs: info.inputToPaintMs
      });
    });
  }

  /** The app's page, for tests and tools; null before start and after close. */
  get cloudPage(): Page | null {
    return this.page.puppeteerPage;
  }

  get layerSize(): { width: number; height: number } {
    return layerSizeOf(this.app, this.scale);
  }

  /** The app as the handshake results describe it. */
  get appInfo(): AppInfo {
    return { id: this.appId, width: this.app.width, height: this.app.height, scale: this.scale };
  }

  /** The broadcaster owning the running app (scopes and events follow it); undefined: operators only. */
  get owner(): string | undefined {
    return this.app.owner;
  }

  /** What the session.event and API events say about this session. */
  get subject(): { id: string; appId: string; deviceId: string; owner: string | undefined } {
    return { id: this.id, appId: this.appId, deviceId: this.deviceId, owner: this.owner };
  }

  private appError(e: { code: string; message: string; source: string }): void {
    // Why the session ends is in session.ended, not an error of the app.
    if (this.closing) return;
    if (!this.errorRate.take()) {
      this.suppressedErrors++;
      return;
    }
    const suppressed = this.suppressedErrors;
    this.suppressedErrors = 0;
    this.emit('event', 'app.error', { ...e, suppressed });
  }

  /** Key-downs whose damage hint was refused, by the page's reason (at most 32 kinds). */
  readonly hintRefusals: Record<string, number> = {};

  private countRefusal(why: string): void {
    if (why in this.hintRefusals || Object.keys(this.hintRefusals).length < 32) this.hintRefusals[why] = (this.hintRefusals[why] ?? 0) + 1;
  }

  /** Counters for tests, the bench and operators. */
  get stats(): { captures: number; framesSent: number; bytesSent: number; keys: number; screencastFrames: number; quiet: boolean; quietEntered: number; reportedCaptures: number } {
    const l = this.layer.counters;
    const q = this.quiet?.stats;
    return {
      captures: this.page.captures,
      framesSent: l.framesSent,
      bytesSent: l.bytesSent,
      keys: this.input.keys,
      // Of this page only (a reloaded page starts over).
      screencastFrames: this.signal?.stats.frames ?? 0,
      quiet: this.layer.quietNow,
      quietEntered: q?.entered ?? 0,
      reportedCaptures: q?.reportedCaptures ?? 0
    };
  }

  /** Opens the page, gives it the cloud page bundle and the media proxy, and loads the app. Throws STRATUS_APP_LOAD_FAILED. */
  async start(context: BrowserContext): Promise<void> {
    this.context = context;
    this.page.on('crashed', () => void this.renew('crashed'));
    this.page.on('hung', () => void this.renew('hung'));
    const kept = this.opts.deviceState;
    // The device's cookies go into the fresh context before the app's first request.
    if (kept?.restore?.cookies.length) await context.setCookie(...kept.restore.cookies).catch(() => undefined);
    await this.openApp(context);
    this.idle.start();
    if (kept) {
      this.stateTimer = setInterval(() => void this.saveState(), kept.intervalMs);
      this.stateTimer.unref();
    }
  }

  /** What the device carried over, for the app's first page only. */
  private takeCarried(): CarriedMedia {
    if (this.restoredCarried) return [];
    this.restoredCarried = true;
    return this.opts.carried ?? [];
  }

  /**
   * Saves the app's cookies and the localStorage of its origin for its device (storage "device").
   * Only while the app it was opened with runs, from its own origin: another app's state is not its.
   */
  private async saveState(): Promise<void> {
    const kept = this.opts.deviceState;
    const context = this.context;
    // An app that never loaded (its server down) has nothing to keep: the device's last state stands.
    if (!kept || !context || !this.appLoaded || this.appId !== this.opts.appId || this.browserGone || this.page.hasFailed || this.renewing) return;
    try {
      const cookies = (await context.cookies()).map((c) => ({
        name: c.name,
        value: c.value,
        domain: c.domain,
        path: c.path,
        ...(c.expires > 0 ? { expires: c.expires } : {}),
        httpOnly: c.httpOnly,
        secure: c.secure,
        ...(c.sameSite ? { sameSite: c.sameSite } : {})
      }));
      const local = await this.page.localStorageOf(new URL(this.appUrl).origin);
      await kept.save({ cookies, local });
    } catch {
      // The page went meanwhile (navigating, closing): the last save stands.
    }
  }

  /** Loads the running app in a new page of `context`; operators hear app.loaded or app.failed. */
  private async openApp(context: BrowserContext): Promise<void> {
    const began = performance.now();
    try {
      await this.loadApp(context);
    } catch (err) {
      const e = err instanceof StratusError ? err : new StratusError('STRATUS_APP_LOAD_FAILED', String(err));
      if (!this.closing && !this.browserGone) this.emit('event', 'app.failed', { code: e.code, message: e.message.slice(0, 500), url: this.appUrl });
      throw err;
    }
    this.appLoaded = true;
    this.emit('event', 'app.loaded', { url: this.appUrl, loadMs: Math.round(performance.now() - began) });
  }

  private async loadApp(context: BrowserContext): Promise<void> {
    const { opts, page } = this;
    await page.open(context);
    // A top-level document of another origin is another app (createApplication outside the app's
    // boundary, or the app leaving for another site): it has set no keyset yet, as on a terminal
    // starting an app. The app's own pages (same origin, its application boundary) keep it.
    let origin: string | null = null;
    page.cdp.on('Page.frameNavigated', (e) => {
      if (e.frame.parentId) return;
      if (origin !== null && e.frame.securityOrigin !== origin) this.unsetKeyset();
      origin = e.frame.securityOrigin;
    });
    const m = opts.media;
    const support = playbackSupport(m.caps, m.router.virtualAvailable, m.virtualAnswer);
    const holes = new VideoHoles(
      this.scale,
      { paintKey: (n, contexts) => page.holeKey(n, contexts), capture: (clip) => page.captureRect(clip) },
      () => this.layer.markDirty()
    );
    this.layer.useHoles(holes);
    this.holes = holes;
    const media = new MediaProxy(page.cdp, page.inbox, {
      scale: this.scale,
      channels: m.channels,
      caps: m.caps,
      support,
      router: m.router,
      playTimeoutMs: m.playTimeoutMs,
      request: (method, params, timeoutMs = opts.rpcTimeoutMs) => this.channels.device.request(method, params, timeoutMs),
      notifyApp: (detail) => void page.notifyApp(detail),
      pageCalls: {
        holes: (contextId, params) => holes.report(contextId, params.rects),
        keyset: (_contextId, params) => this.setKeyset(params),
        exit: () => {
          void this.close(new StratusError('STRATUS_APP_EXITED'));
          return null;
        },
        message: (_contextId, params) => {
          const why = check(APP_MESSAGE, params.data, 'data');
          if (why) return why;
          this.emit('event', 'app.message', { data: params.data });
          return null;
        }
      },
      contextGone: (contextId) => holes.forget(contextId),
      wellFormedXml: opts.wellFormedXml,
      stateChanged: (player, type) => this.emit('event', 'media.state', { player: player.id, kind: player.kind, type, state: player.state, ...(player.channel ? { channel: player.channel } : {}) }),
      controlPlayer: (contextId, local, method, params) => page.controlPlayer(contextId, local, method, params)
    });
    await media.install();
    this.media = media;
    // The page's paint reports: while it vouches for them, its screencast stops (quiet-screencast.ts).
    const quietOn = opts.ui.quietScreencast === 'on';
    const quiet = quietOn ? new QuietScreencast(this.layer, () => this.signal) : null;
    // The end of a motion concerns a live one only: the screencast's policy hears the rest.
    const paint = quiet ? new PagePaint(page.cdp, (r) => (r.kind === 'ended' ? this.layer.pageStill(r.final === true) : quiet.report(r))) : null;
    if (paint) await paint.install();
    this.paint = paint;
    this.quiet = quiet;
    // At scale 1 the screencast's own frames carry the layer's opaque and clear pixels exactly
    // (layer/shot.ts): a key then costs its own paint, not captures. At a fractional scale they
    // are not the capture's, and every change is captured.
    const pixels = opts.ui.screencastPixels === 'on' && this.scale === 1;
    this.layer.useShots(pixels);
    // Page-reported damage serves only where layer pixels are CSS pixels: at a fractional scale a
    // clip edge can fall inside a device pixel.
    const hints = opts.ui.damageHints === 'on' && this.scale === 1;
    const local = this.restoredLocal ? null : (opts.deviceState?.restore?.local ?? null);
    this.restoredLocal = true;
    const restoring = local ? await page.restoreLocalStorage(local.origin, local.items) : null;
    await page.inject({
      session: { sessionId: this.id, device: opts.device, app: this.appInfo, mediaDevice: { ...m.caps, virtual: support.virtual }, carried: this.takeCarried() },
      media: media.pageConfig,
      damageHints: hints,
      paint: paint ? paint.binding : null,
      hbbtv: hbbtvConfig(opts.hbbtv, opts.device.model, this.app.allowedOrigins)
    });
    await page.load();
    // Only the first document gets the kept items: the app's own changes stand after that.
    if (restoring) await page.forgetScript(restoring);
    // The catalogue's keyset for the app until it sets its own.
    if (this.app.keyset !== undefined && !this.input.keyset) this.applyKeyset({ value: this.app.keyset, otherKeys: [] });
    // With the screencast quiet, a key's hint also says which paint reports its capture includes
    // (without hints, at a fractional scale, it has no rectangle).
    const ask = async (since?: number): Promise<Awaited<ReturnType<CloudPage['damageHint']>>> => {
      const answer = await page.damageHint(hints ? opts.ui.damageHintMaxPercent : 0, since);
      quiet?.hinted(answer.seq);
      return answer;
    };
    const hint =
      hints || quiet
        ? async (since: number) => {
            const answer = await ask(since);
            if (hints && answer.why) this.countRefusal(answer.why);
            return { rect: answer.rect, word: answer.word };
          }
        : null;
    this.input.open(new KeyInjector(page.cdp, (call) => page.watch(call)), this.layer, hint);
    // While quiet, a change the page reports by itself is captured from its hint too.
    this.layer.useReportHints(hints && quiet ? async () => (await ask()).rect : null);
    this.signal = new DamageSignal(
      page.cdp,
      () => {
        if (!quiet || quiet.screencastDamage()) this.layer.markDirty();
      },
      (jpeg, takenAt, live) => this.layer.liveFrame(jpeg, takenAt, live),
      pixels ? (png, takenAt) => this.layer.screencastShot(png, takenAt) : null,
      opts.ui.motionCrop === 'on'
    );
    this.signal.useCaptures(() => this.layer.capturedSince);
    await this.signal.start();
    // The page's load is not a key's change: the hints start from here.
    if (hints) await page.damageHint(opts.ui.damageHintMaxPercent);
    this.layer.markDirty();
  }

  /** What the page's life held goes with the page: keys, damage, media (its players stop on the device). */
  private closeApp(): void {
    this.layer.useReportHints(null);
    this.signal?.stop();
    this.signal = null;
    this.paint?.stop();
    this.paint = null;
    this.quiet = null;
    this.input.suspend();
    this.input.keyset = null;
    this.media?.pageGone();
    this.media = null;
  }

  /**
   * The app's page died (its renderer crashed or hung) or its browser did (`context` is then a
   * new one in the relaunched browser): a new page in the same session loads the app again. The
   * device keeps its connection and its own video, hears session.reloaded, and gets a keyframe of
   * the reloaded app. Crashing maxCrashes times within the window closes the session instead.
   */
  renew(reason: ReloadReason, context?: BrowserContext): Promise<void> {
    if (this.closing) {
      // A context made for a session that ended meanwhile must not outlive it.
      void context?.close().catch(() => undefined);
      return this.closing;
    }
    if (reason !== 'browser') {
      const now = performance.now();
      this.crashes = this.crashes.filter((t) => now - t < this.opts.crashWindowMs);
      this.crashes.push(now);
      if (this.crashes.length >= this.opts.maxCrashes) {
        return this.close(new StratusError('STRATUS_PAGE_CRASHED', `${this.crashes.length} crashes or hangs within ${this.opts.crashWindowMs} ms`));
      }
    }
    // At once: captures of the dead page must not count as failures meanwhile, nor keys it never took.
    this.layer.hold();
    this.input.suspend();
    this.pendingRenewals++;
    this.renewal = this.renewal.then(() => this.reopen(reason, context)).finally(() => this.pendingRenewals--);
    return this.renewal;
  }

  /**
   * Replaces the running app with `appId` (app.launch): the old page leaves as on a TV switching
   * apps, the new one loads in the same context, the device hears session.reloaded and gets a
   * keyframe. The layer keeps its size, so an app whose aspect gives another layer is refused
   * (STRATUS_APP_LAYER_MISMATCH). An app that fails to load ends the session, as at its start.
   */
  launch(appId: string, app: AppEntry, appUrl: string): Promise<AppInfo> {
    const scale = layerScale(app, this.opts.device);
    const size = layerSizeOf(app, scale);
    const now = this.layerSize;
    if (size.width !== now.width || size.height !== now.height) {
      return Promise.reject(new StratusError('STRATUS_APP_LAYER_MISMATCH', `${appId} makes a ${size.width}x${size.height} layer, the session has ${now.width}x${now.height}`));
    }
    return this.replaceApp('launch', () => {
      this.appId = appId;
      this.app = app;
      this.appUrl = appUrl;
      this.scale = scale;
      this.page.retarget(appUrl, app, scale);
    });
  }

  /** Loads the running app again from its URL (app.reload). */
  reload(): Promise<AppInfo> {
    return this.replaceApp('reload', () => undefined);
  }

  private replaceApp(reason: 'launch' | 'reload', retarget: () => void): Promise<AppInfo> {
    if (this.closing) return Promise.reject(new StratusError('STRATUS_SESSION_CLOSED'));
    this.layer.hold();
    this.input.suspend();
    this.pendingRenewals++;
    const run = this.renewal.then(async () => {
      if (this.closing) throw new StratusError('STRATUS_SESSION_CLOSED');
      if (this.browserGone || !this.context) throw new StratusError('STRATUS_BROWSER_UNAVAILABLE');
      this.closeApp();
      await this.page.leaveApp();
      if (this.closing) throw new StratusError('STRATUS_SESSION_CLOSED');
      retarget();
      this.reloads++;
      this.channels.tellReloaded(reason);
      try {
        await this.openApp(this.context);
      } catch (err) {
        const e = err instanceof StratusError ? err : new StratusError('STRATUS_APP_LOAD_FAILED', String(err));
        if (!this.browserGone && !this.page.hasFailed) void this.close(e);
        throw e;
      }
      if (!this.closing) this.layer.restart();
      return this.appInfo;
    });
    this.renewal = run.then(
      () => undefined,
      () => undefined
    ).finally(() => this.pendingRenewals--);
    return run;
  }

  /** A control client's message to the app: false when the page could not take it. */
  message(data: unknown): Promise<boolean> {
    if (this.closing) return Promise.reject(new StratusError('STRATUS_SESSION_CLOSED'));
    return this.page.deliverMessage(data);
  }

  /** A control client's command on one of the app's players (MediaProxy.control). */
  mediaControl(method: ControlMediaMethod, params: Parameters<MediaProxy['control']>[1]): Promise<{ player: string }> {
    if (!this.media || this.renewing) return Promise.reject(new StratusError('STRATUS_MEDIA_UNKNOWN_PLAYER', 'the app is not running'));
    return this.media.control(method, params);
  }

  /** The app is being reloaded (renew): the device has not got its new page yet. */
  get renewing(): boolean {
    return this.pendingRenewals > 0 || this.browserGone;
  }

  /** The browser died: nothing of the page answers any more; renew('browser', context) follows. */
  browserLost(): void {
    if (this.closing) return;
    this.browserGone = true;
    this.layer.hold();
    this.closeApp();
    void this.page.discard();
  }

  private async reopen(reason: ReloadReason, context?: BrowserContext): Promise<void> {
    if (this.closing || (reason !== 'browser' && this.browserGone)) {
      void context?.close().catch(() => undefined);
      return;
    }
    if (reason === 'browser' && !context) return;
    // The layer is held already (renew, browserLost).
    this.closeApp();
    await this.page.discard();
    if (this.closing) {
      // The session's own close has released the context it knew; this one is ours to drop.
      void context?.close().catch(() => undefined);
      return;
    }
    if (context) {
      this.context = context;
      this.browserGone = false;
    }
    if (!this.context) return;
    this.reloads++;
    this.channels.tellReloaded(reason);
    try {
      await this.openApp(this.context);
    } catch (err) {
      // A browser that died meanwhile renews every session once it is back; a page that crashed
      // or hung while loading has its own renewal queued behind this one.
      if (this.browserGone || this.closing || this.page.hasFailed) return;
      void this.close(err instanceof StratusError ? err : new StratusError('STRATUS_APP_LOAD_FAILED', String(err)));
      return;
    }
    if (!this.closing) this.layer.restart();
  }

  /**
   * The app set its HbbTV keyset: from now on only those keys reach it, and the device is told,
   * so that a terminal keeps the others for the TV.
   */
  private setKeyset(params: Record<string, unknown>): string | null {
    const why = check(TO_CHANNEL['app.keyset'].params, params);
    if (why) return why;
    this.applyKeyset({ value: params.value as number, otherKeys: (params.otherKeys as number[]).slice() });
    return null;
  }

  private applyKeyset(keyset: { value: number; otherKeys: number[] }): void {
    this.input.keyset = keyset;
    this.channels.device.notify('app.keyset', keyset);
  }

  /** Back to every key, and the device is told (only when a keyset was set). */
  private unsetKeyset(): void {
    if (!this.input.keyset) return;
    this.input.keyset = null;
    this.channels.device.notify('app.keyset', { value: KEYSET_ALL, otherKeys: [], unset: true });
  }

  /** The device's channel came or went: the layer streams only while it is there. */
  private onDevice(attached: boolean): void {
    this.emit('event', 'device.attached', { attached });
    if (attached) {
      this.layer.resume();
      return;
    }
    this.layer.pause();
    const lost = new StratusError('STRATUS_TRANSPORT_LOST');
    // The app hears of the drop at once; the session closes only if the grace runs out.
    void this.page.notifyApp({ code: lost.code, message: lost.message, source: 'cloud' });
    this.announcedLoss = lost;
  }

  /** What `session.info` answers. */
  info(): SessionInfo {
    const d = this.opts.device;
    return {
      sessionId: this.id,
      deviceId: this.deviceId,
      app: { ...this.appInfo, url: this.appUrl, owner: this.owner ?? null },
      layer: this.layerSize,
      model: d.model,
      deviceAttached: this.channels.deviceAttached,
      controlChannels: this.channels.controlCount,
      keys: this.input.keys,
      framesSent: this.layer.counters.framesSent,
      uiBytes: this.layer.counters.bytesSent,
      device: { screen: { width: d.width, height: d.height }, model: d.model, encodings: [...d.encodings], media: this.opts.media.caps },
      players: this.media?.playerList() ?? [],
      started: new Date(this.startedAt).toISOString(),
      prewarmed: this.opts.prewarmed === true,
      reloads: this.reloads
    };
  }

  /**
   * The viewer is not using the UI (watching video, say): no key for `quietMs` and nothing on the
   * layer moving or in flight. A draining node moves such sessions first.
   */
  uiIdle(quietMs: number): boolean {
    return this.idle.idleForMs >= quietMs && this.layer.idle;
  }

  /** Whether a device is connected to it now. */
  get deviceAttached(): boolean {
    return this.channels.deviceAttached;
  }

  /**
   * The device that claimed this pre-warmed session reported `caps`: its playback follows them
   * from now on (what it lacks of what the app was told is transcoded), and so does a reload.
   */
  useDeviceMedia(caps: MediaCapabilities): void {
    this.opts.media.caps = caps;
    this.media?.useDeviceCaps(caps);
  }

  /** Closing has begun: nothing may attach any more. */
  get isClosing(): boolean {
    return this.closing !== null;
  }

  /**
   * Releases everything the session holds; safe to call more than once. The app learns why,
   * then sees its page hidden and unloaded (CloudPage.close), and the context goes.
   */
  close(reason: StratusError | null = null): Promise<void> {
    // Set before anything runs: whoever hears 'closing' and closes too gets this same promise.
    this.closing ??= Promise.resolve().then(() => this.shutDown(reason));
    return this.closing;
  }

  private async shutDown(reason: StratusError | null): Promise<void> {
    this.emit('closing', reason);
    this.channels.close(reason ?? new StratusError('STRATUS_SESSION_CLOSED'));
    // The app learns why before it is hidden and unloaded (a lost transport it heard at the drop).
    // A crashed or hung page hears nothing.
    if (reason && reason !== this.announcedLoss && !this.page.hasFailed && !this.browserGone) await this.page.notifyApp({ code: reason.code, message: reason.message, source: 'cloud' });
    this.idle.stop();
    if (this.stateTimer) clearInterval(this.stateTimer);
    // The app's state is saved before its page is left (unload handlers may clear things).
    if (this.opts.deviceState) await settledWithin(this.saveState(), 2000);
    this.signal?.stop();
    this.paint?.stop();
    this.layer.stop();
    this.input.close();
    this.media?.dispose();
    await this.page.close();
    const c = this.layer.counters;
    this.emit('event', 'session.ended', {
      code: reason?.code ?? null,
      reason: reason ? reason.message.slice(0, 500) : 'closed',
      durationMs: Date.now() - this.startedAt,
      uiBytes: c.bytesSent,
      framesSent: c.framesSent,
      keys: this.input.keys
    });
    this.emit('closed', reason);
  }
}

function layerSizeOf(app: { width: number; height: number }, scale: number): { width: number; height: number } {
  return { width: Math.round(app.width * scale), height: Math.round(app.height * scale) };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
