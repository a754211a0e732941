import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { BrowserContext, CDPSession, Page } from 'puppeteer-core';
import { AppEntry, Config } from './config';
import { StratusError } from './errors';
import { KeyInjector } from './key-injector';
import { playbackSupport } from './media/capabilities';
import { LineupChannel, MediaProxy } from './media/media-proxy';
import { PlaybackRouter } from './media/playback-route';
import { MediaCapabilities, MediaEventParams, SERVER_METHODS, SessionInfo } from '@stratus/protocol';
import { Channel, ChannelConnection } from './control/channel';
import { DAMAGE_HINT_GLOBAL, damageHintScript, HintRect } from './layer/damage-hint';
import { Rect } from './layer/damage';
import { LayerStream, PaintedInfo } from './layer/layer-stream';
import { cloudErrorScript, pageShim, renderedEventScript } from './page-shim';

export interface SessionOptions {
  /** From the device's verified token. */
  deviceId: string;
  appId: string;
  app: AppEntry;
  /** Absolute URL of the app page. */
  appUrl: string;
  device: { width: number; height: number; model: string };
  ui: Config['ui'];
  media: {
    playTimeoutMs: number;
    channels: LineupChannel[];
    virtualAnswer: string;
    /** The device's report from its hello (or the baseline). */
    caps: MediaCapabilities;
    router: PlaybackRouter;
  };
  appLoadTimeoutMs: number;
  idleTimeoutMs: number;
  unloadGraceMs: number;
  resumeGraceMs: number;
  /** Control clients that may join besides the device. */
  maxControlChannels: number;
  rpcTimeoutMs: number;
  /** Sent as X-Forwarded-For on every request the page makes. */
  deviceIp: string | null;
  userAgent: string;
  /** What navigator.geolocation reports; null: position unavailable, never the data centre's. */
  location: { latitude: number; longitude: number; accuracy: number } | null;
}

export interface SessionEvents {
  /** Teardown begins: tell the device now, the page still gets its unload grace. */
  closing: [StratusError | null];
  closed: [StratusError | null];
  painted: [PaintedInfo & { inputToPaintMs?: number }];
}

/** Scale from the app's authored resolution to the device screen, keeping the aspect ratio. */
export function layerScale(app: { width: number; height: number }, device: { width: number; height: number }): number {
  return Math.min(device.width / app.width, device.height / app.height);
}

/**
 * One device's cloud browser: an incognito context with one page running the app, rendered at the
 * device's resolution with a transparent background, and streamed as a UI layer.
 */
export class Session extends EventEmitter<SessionEvents> {
  readonly id = randomUUID();
  readonly deviceId: string;
  readonly appId: string;
  readonly scale: number;
  /** Counters for tests, the bench and operators. */
  readonly stats = { captures: 0, framesSent: 0, bytesSent: 0, keys: 0 };
  /** The device's channel: the UI stream goes to its connection. */
  readonly device = new Channel('device', 'device');
  /** Control clients joined with the device's credentials (session.join). */
  private readonly controls = new Set<Channel>();
  private context: BrowserContext | null = null;
  private page: Page | null = null;
  private cdp: CDPSession | null = null;
  private keys: KeyInjector | null = null;
  private media: MediaProxy | null = null;
  private stream: LayerStream | null = null;
  /** Chromium corrupts parallel captures of one page, so every capture goes through this chain. */
  private captureChain: Promise<unknown> = Promise.resolve();
  private keyChain: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private lastActivity = Date.now();
  /** The STRATUS_TRANSPORT_LOST the app was told about at the drop; closing with it says nothing new. */
  private announcedLoss: StratusError | null = null;
  /** Highest input.key seq from the device: frames name it so the device can time its keys. */
  keySeq = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SessionOptions) {
    super();
    this.deviceId = opts.deviceId;
    this.appId = opts.appId;
    this.scale = layerScale(opts.app, opts.device);
  }

  get layerSize(): { width: number; height: number } {
    return { width: Math.round(this.opts.app.width * this.scale), height: Math.round(this.opts.app.height * this.scale) };
  }

  /** The app as the hello result describes it. */
  get appInfo(): { id: string; width: number; height: number; scale: number } {
    return { id: this.appId, width: this.opts.app.width, height: this.opts.app.height, scale: this.scale };
  }

  /** Key frames captured from a page-reported clip, and the full captures after them that still found changes. */
  get clipStats(): { clipFrames: number; clipCorrections: number } {
    return { ...(this.stream?.stats ?? { clipFrames: 0, clipCorrections: 0 }) };
  }

  get framesInFlight(): number {
    return this.stream?.framesInFlight ?? 0;
  }

  get cloudPage(): Page | null {
    return this.page;
  }

  /** Creates the context and page and loads the app. Throws STRATUS_APP_LOAD_FAILED. */
  async start(context: BrowserContext): Promise<void> {
    this.context = context;
    const page = await context.newPage();
    this.page = page;
    const cdp = await page.createCDPSession();
    this.cdp = cdp;
    const { app, device } = this.opts;
    await cdp.send('Emulation.setDeviceMetricsOverride', {
      width: app.width,
      height: app.height,
      deviceScaleFactor: this.scale,
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
    const m = this.opts.media;
    const support = playbackSupport(m.caps, m.router.virtualAvailable, m.virtualAnswer);
    const media = new MediaProxy(cdp, {
      scale: this.scale,
      channels: m.channels,
      caps: m.caps,
      support,
      router: m.router,
      playTimeoutMs: m.playTimeoutMs,
      request: (method, params, timeoutMs) => this.requestDevice(method, params, timeoutMs),
      notifyApp: (code, message, source, deviceCode) => void this.notifyApp(code, message, source, deviceCode)
    });
    await cdp.send('Page.addScriptToEvaluateOnNewDocument', {
      source: pageShim({
        sessionId: this.id,
        device,
        app: { id: this.opts.appId, width: app.width, height: app.height, scale: this.scale },
        media: { inbox: media.inboxName, device: { ...m.caps, virtual: support.virtual } }
      })
    });
    await media.install();
    this.media = media;
    this.keys = new KeyInjector(cdp);
    if (this.hintsOn) await cdp.send('Page.addScriptToEvaluateOnNewDocument', { source: damageHintScript() });
    const stream = new LayerStream(
      // Hints come only at scale 1 (see hintsOn), so layer pixels are CSS pixels.
      { capture: (clip) => this.capture(clip ? { format: 'png', optimizeForSpeed: true, clip: { x: clip.x, y: clip.y, width: clip.w, height: clip.h, scale: 1 } } : undefined) },
      (m) => this.device.connection?.sendFrame?.(m),
      this.opts.ui
    );
    this.stream = stream;
    // Nothing to stream to until a device attaches; attach() starts it with a keyframe.
    stream.pause();
    stream.on('frame', (f) => {
      this.stats.framesSent++;
      this.stats.bytesSent += f.bytes;
    });
    stream.on('error', (err) => void this.close(err));
    try {
      await page.goto(this.opts.appUrl, { waitUntil: 'load', timeout: this.opts.appLoadTimeoutMs });
    } catch (err) {
      throw new StratusError('STRATUS_APP_LOAD_FAILED', `${this.opts.appUrl}: ${(err as Error).message}`);
    }
    // The screencast is the damage signal: Chromium sends a frame only when the page paints, so a
    // static UI costs nothing. Its colours are premultiplied and not exact, so the pixels we send
    // come from capture(); but each capture makes Chromium paint once more, and that paint yields
    // a screencast frame identical to the one before. Comparing frames byte for byte drops those
    // echoes, which would otherwise keep an idle page capturing forever.
    let lastSignal = '';
    cdp.on('Page.screencastFrame', (f) => {
      cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => undefined);
      if (f.data === lastSignal) return;
      lastSignal = f.data;
      stream.markDirty();
    });
    await cdp.send('Page.startScreencast', { format: 'png' });
    // The page's load is not a key's change: start the hints from here.
    if (this.hintsOn) await this.damageHint();
    stream.markDirty();
    this.armIdleTimer(this.opts.idleTimeoutMs);
  }

  /**
   * One timer per session, re-armed only when it fires early: keys just move lastActivity, so a
   * busy session does not churn timers.
   */
  private armIdleTimer(ms: number): void {
    this.idleTimer = setTimeout(() => {
      const idleFor = Date.now() - this.lastActivity;
      if (idleFor >= this.opts.idleTimeoutMs) void this.close(new StratusError('STRATUS_IDLE_TIMEOUT'));
      else this.armIdleTimer(this.opts.idleTimeoutMs - idleFor);
    }, ms);
  }

  /**
   * Page-reported damage (layer/damage-hint.ts) serves only where layer pixels are CSS pixels: at a
   * fractional scale a clip edge can fall inside a device pixel.
   */
  private get hintsOn(): boolean {
    return this.opts.ui.damageHints === 'on' && this.scale === 1;
  }

  /** Where the key just delivered repainted, if the page can tell; null costs a full capture. */
  private async damageHint(): Promise<Rect | null> {
    const cdp = this.cdp;
    if (!cdp) return null;
    const { width, height } = this.opts.app;
    const maxArea = Math.floor((width * height * this.opts.ui.damageHintMaxPercent) / 100);
    try {
      const r = await cdp.send('Runtime.evaluate', {
        expression: `(() => { const h = window.${DAMAGE_HINT_GLOBAL}; return h ? h.take(${width}, ${height}, ${maxArea}) : null; })()`,
        returnByValue: true
      });
      const v: unknown = r.result.value;
      if (!Array.isArray(v) || v.length !== 4 || !v.every((n) => Number.isInteger(n))) return null;
      const [x0, y0, x1, y1] = v as HintRect;
      if (x0 < 0 || y0 < 0 || x1 > width || y1 > height || x1 <= x0 || y1 <= y0) return null;
      return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
    } catch {
      return null;
    }
  }

  /**
   * The exact transparent layer as PNG, serialized with every other capture of this page. The
   * bench passes other formats to measure baselines on the same screen.
   */
  capture(
    format: {
      format: 'png' | 'jpeg';
      quality?: number;
      optimizeForSpeed?: boolean;
      clip?: { x: number; y: number; width: number; height: number; scale: number };
    } = { format: 'png', optimizeForSpeed: true }
  ): Promise<Buffer> {
    const cdp = this.cdp;
    if (!cdp) return Promise.reject(new StratusError('STRATUS_SESSION_CLOSED'));
    this.stats.captures++;
    const run = this.captureChain.then(() => cdp.send('Page.captureScreenshot', format));
    this.captureChain = run.catch(() => undefined);
    return run.then((r) => Buffer.from(r.data, 'base64'));
  }

  /**
   * Injects a key; keys are applied strictly in arrival order. `seq` is the device's input
   * number; a control client's keys have none and leave the frames' input numbering alone.
   */
  key(code: number, action: 'down' | 'up', seq?: number): Promise<void> {
    const keys = this.keys;
    const stream = this.stream;
    if (!keys || !stream) return Promise.reject(new StratusError('STRATUS_OUT_OF_ORDER', 'the app is still loading'));
    this.stats.keys++;
    if (seq !== undefined) this.keySeq = Math.max(this.keySeq, seq);
    const inputSeq = this.keySeq;
    this.lastActivity = Date.now();
    const run = this.keyChain.then(async () => {
      // Apps act on keydown. Injecting the keyup while the keydown's capture runs only slows that
      // capture (measured ~4 ms), so the keyup waits for it; the order of keys is unchanged.
      if (action === 'up') await stream.settled();
      await keys.inject(code, action);
      stream.inputDelivered(inputSeq, action === 'down', action === 'down' && this.hintsOn ? await this.damageHint() : null);
    });
    this.keyChain = run.catch(() => undefined);
    return run;
  }

  /** False when the frame is not in flight. */
  ack(frame: number, decodeMs?: number, inputToPaintMs?: number): boolean {
    const painted = this.stream?.ack(frame, decodeMs);
    if (!painted) return false;
    if (painted !== 'abandoned') this.onPainted({ ...painted, inputToPaintMs });
    return true;
  }

  requestKeyframe(): void {
    this.stream?.requestKeyframe();
  }

  /** The channel a resume token belongs to, if any. */
  channelFor(resumeToken: string): Channel | null {
    if (this.device.checkResumeToken(resumeToken)) return this.device;
    for (const c of this.controls) if (c.checkResumeToken(resumeToken)) return c;
    return null;
  }

  /**
   * A connection takes one of the session's channels: a first hello or join, or a resume, whose
   * peer has everything up to `peerAck`. A connection still holding it is released with
   * STRATUS_SUPERSEDED, and the link replays what the peer missed. The device starts from a
   * keyframe. Throws STRATUS_REPLAY_GAP when the replay is no longer possible.
   */
  attach(channel: Channel, conn: ChannelConnection, peerAck?: number): void {
    if (this.closing) throw new StratusError('STRATUS_SESSION_CLOSED');
    channel.attach(conn, peerAck);
    if (channel !== this.device) return;
    this.stream?.resume();
    this.tellControls(true);
  }

  /**
   * A channel's connection dropped; it waits `resumeGraceMs` for a resume. When the device's goes,
   * the app hears of it at once, and the session closes with STRATUS_TRANSPORT_LOST when the grace
   * runs out; a control channel that stays away is just removed.
   */
  detach(channel: Channel, conn: ChannelConnection): void {
    if (this.closing) return;
    if (channel !== this.device) {
      channel.detach(conn, this.opts.resumeGraceMs, () => this.removeControl(channel, new StratusError('STRATUS_TRANSPORT_LOST')));
      return;
    }
    const lost = new StratusError('STRATUS_TRANSPORT_LOST');
    if (!channel.detach(conn, this.opts.resumeGraceMs, () => void this.close(lost))) return;
    this.stream?.pause();
    void this.notifyApp(lost.code, lost.message);
    this.announcedLoss = lost;
    this.tellControls(false);
  }

  /** A control client joins with the device's credentials. Throws STRATUS_CHANNEL_LIMIT. */
  join(name: string): Channel {
    if (this.closing) throw new StratusError('STRATUS_SESSION_CLOSED');
    if (this.controls.size >= this.opts.maxControlChannels) {
      throw new StratusError('STRATUS_CHANNEL_LIMIT', `${this.opts.maxControlChannels} control channels`);
    }
    const channel = new Channel('control', name);
    this.controls.add(channel);
    return channel;
  }

  /** A control channel leaves (session.leave, a protocol error, or its grace ran out). */
  removeControl(channel: Channel, reason: StratusError): void {
    if (!this.controls.delete(channel)) return;
    const conn = channel.connection;
    channel.close(reason);
    conn?.release(reason);
  }

  get controlChannels(): number {
    return this.controls.size;
  }

  /** What `session.info` answers. */
  info(): SessionInfo {
    return {
      sessionId: this.id,
      deviceId: this.deviceId,
      app: this.appInfo,
      layer: this.layerSize,
      model: this.opts.device.model,
      deviceAttached: this.attached,
      controlChannels: this.controls.size,
      keys: this.stats.keys,
      framesSent: this.stats.framesSent
    };
  }

  private tellControls(attached: boolean): void {
    for (const c of this.controls) c.notify(SERVER_METHODS.device, { attached });
  }

  /** Closing has begun: nothing may attach any more. */
  get isClosing(): boolean {
    return this.closing !== null;
  }

  get attached(): boolean {
    return this.device.connection !== null;
  }

  /**
   * A cloud-to-device request (JSON-RPC), answered by the device or rejected with a code. Made
   * during a drop, it goes out with the replay when the device resumes, unless it times out first.
   */
  requestDevice(method: string, params: unknown = {}, timeoutMs = this.opts.rpcTimeoutMs): Promise<unknown> {
    return this.device.request(method, params, timeoutMs);
  }

  /** A device player's event, for the page's media state mirror. */
  mediaEvent(e: MediaEventParams): void {
    this.media?.deviceEvent(e);
  }

  get mediaStats(): MediaProxy['stats'] | null {
    return this.media?.stats ?? null;
  }

  /** Raises a cloud-browser error event in the app's page. */
  notifyApp(code: string, message: string, source = 'cloud', deviceCode?: string): Promise<void> {
    const cdp = this.cdp;
    if (!cdp) return Promise.resolve();
    return cdp
      .send('Runtime.evaluate', { expression: cloudErrorScript({ code, message, source, deviceCode }) })
      .then(() => undefined, () => undefined);
  }

  private onPainted(info: PaintedInfo & { inputToPaintMs?: number }): void {
    this.emit('painted', info);
    const cdp = this.cdp;
    if (!cdp) return;
    const detail = {
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
    };
    cdp.send('Runtime.evaluate', { expression: renderedEventScript(detail) }).catch(() => undefined);
  }

  /**
   * Releases everything the session holds; safe to call more than once. The app first sees its
   * page hidden and unloaded (visibilitychange, pagehide, unload) and gets `unloadGraceMs` to let
   * sendBeacon analytics leave, then the context with its cookies, storage and cache is dropped.
   */
  close(reason: StratusError | null = null): Promise<void> {
    this.closing ??= (async () => {
      this.emit('closing', reason);
      const ended = reason ?? new StratusError('STRATUS_SESSION_CLOSED');
      this.device.close(ended);
      for (const c of this.controls) c.close(ended);
      this.controls.clear();
      // The app learns why before it is hidden and unloaded (a lost transport it heard at the drop).
      if (reason && reason !== this.announcedLoss) await this.notifyApp(reason.code, reason.message);
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = null;
      this.stream?.stop();
      this.stream = null;
      this.keys = null;
      this.media?.dispose();
      this.media = null;
      const page = this.page;
      this.cdp = null;
      this.page = null;
      if (page) await this.unload(page);
      const context = this.context;
      this.context = null;
      if (context) await context.close().catch(() => undefined);
      this.emit('closed', reason);
    })();
    return this.closing;
  }

  /**
   * Leaves the app's page by navigating away, which fires pagehide, visibilitychange (hidden) and
   * unload natively, in the order of the HTML spec, as on a TV browser leaving an app. Beacons
   * queued there outlive the document; the grace gives them time to leave before the context goes.
   */
  private async unload(page: Page): Promise<void> {
    const grace = this.opts.unloadGraceMs;
    await page.goto('about:blank', { timeout: grace + 2000 }).catch(() => undefined);
    if (grace > 0) await new Promise((r) => setTimeout(r, grace));
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
