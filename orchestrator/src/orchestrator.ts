import { BASELINE_MEDIA_CAPABILITIES, HelloParams, JoinParams, ResumeParams } from '@stratus/protocol';
import { Channel } from './channel/channel';
import { MediaBridge } from '@stratus/media-bridge';
import { issueDeviceToken, verifyDeviceToken } from './auth/device-token';
import { launchChromium, LaunchedChromium, trustCertificateArg } from './chromium';
import { XmlCheck } from './page/xml-check';
import { Config } from './config';
import { PeerInfo, SessionHost } from './connection/peer-connection';
import { StratusError } from '@stratus/protocol';
import { HttpFront, startHttp } from './server';
import { Session } from './session/session';
import { sessionUserAgent } from './identity';
import { embeddedBridge, remoteBridge } from './media/bridge-link';
import { BridgeLink, PlaybackRouter } from './media/playback-route';

/** The media-bridge's settings from the one config (embedded here, or standalone in bridge-main.ts). */
export function bridgeOptions(config: Config): ConstructorParameters<typeof MediaBridge>[0] {
  const b = config.bridge;
  const allowPrivate = config.media.allowPrivate.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  return {
    ffmpegPath: b.ffmpegPath,
    ffprobePath: b.ffprobePath,
    workDir: b.workDir,
    segmentSeconds: b.segmentSeconds,
    preset: b.preset,
    maxTranscodes: b.maxTranscodes,
    idleMs: b.idleMs,
    segmentWaitMs: b.segmentWaitMs,
    probeTimeoutMs: config.media.inspectTimeoutMs,
    maxAheadSegments: b.maxAheadSegments,
    allowPrivate
  };
}

/** The Stratus version the user agent and the API report. */
export const STRATUS_VERSION = '0.1.0';

/**
 * The running orchestrator: one Chromium, the HTTP/WebSocket front, and the live sessions.
 * `close` ends every session first, then the server, then Chromium.
 */
export class Orchestrator implements SessionHost {
  readonly sessions = new Map<string, Session>();
  private chromium: LaunchedChromium | null = null;
  /** Checks HbbTV XHTML documents for well-formedness, for every session (page/xml-check.ts). */
  private xmlCheck: XmlCheck | null = null;
  private http: HttpFront | null = null;
  private starting = 0;
  /** Admitted sessions not yet in `sessions` (their browser context is being made). */
  private admitting = 0;
  /** Sessions opened since start (the bench counts them per RED press). */
  sessionsOpened = 0;
  private closing: Promise<void> | null = null;
  /** Device ids whose credentials are refused: from auth.revokedDevices, plus operator revocations. */
  private readonly revoked: Set<string>;

  private chromiumUserAgent = '';
  /** The embedded media-bridge (bridge.mode=embedded). */
  bridge: MediaBridge | null = null;
  private router: PlaybackRouter | null = null;

  private constructor(readonly config: Config) {
    this.revoked = new Set(config.auth.revokedDevices.split(',').map((d) => d.trim()).filter(Boolean));
  }

  /** Issues device credentials signed with this orchestrator's secret. */
  issueDeviceToken(deviceId: string, ttlSeconds = 3600): string {
    return issueDeviceToken(this.config.auth.secret, deviceId, ttlSeconds);
  }

  /** Refuses the device from now on and closes its live sessions. Returns how many closed. */
  async revokeDevice(deviceId: string): Promise<number> {
    this.revoked.add(deviceId);
    const victims = [...this.sessions.values()].filter((s) => s.deviceId === deviceId);
    await Promise.all(victims.map((s) => s.close(new StratusError('STRATUS_AUTH_REVOKED', deviceId))));
    return victims.length;
  }

  private locationFor(hello: HelloParams): { latitude: number; longitude: number; accuracy: number } | null {
    if (hello.location) return { accuracy: 1000, ...hello.location };
    const d = this.config.identity.defaultLocation;
    if (!d) return null;
    const [latitude, longitude] = d.split(',').map(Number);
    return { latitude, longitude, accuracy: 5000 };
  }

  listSessions(): Array<{ id: string; deviceId: string; appId: string }> {
    return [...this.sessions.values()].map((s) => ({ id: s.id, deviceId: s.deviceId, appId: s.appId }));
  }

  /** Operator command: closes one session. False when there is no such session. */
  async closeSession(id: string): Promise<boolean> {
    const s = this.sessions.get(id);
    if (!s) return false;
    await s.close(new StratusError('STRATUS_OPERATOR_CLOSED'));
    return true;
  }

  static async start(config: Config): Promise<Orchestrator> {
    const o = new Orchestrator(config);
    o.chromium = await launchChromium(config.chromium, config.server.tlsCert ? [trustCertificateArg(config.server.tlsCert)] : []);
    o.chromiumUserAgent = await o.chromium.browser.userAgent();
    o.xmlCheck = new XmlCheck(o.chromium.browser);
    const b = config.bridge;
    const options = bridgeOptions(config);
    const allowPrivate = options.allowPrivate;
    if (b.mode === 'embedded') o.bridge = new MediaBridge(options);
    try {
      o.http = await startHttp(config, o, o.bridge);
    } catch (err) {
      await o.bridge?.close();
      await o.chromium.close();
      throw err;
    }
    // The development media origin is this server: its sources are private but ours. The list is
    // the one the embedded bridge holds, so it learns the address too.
    if (config.media.fixtureOrigin === 'on') {
      const self = new URL(o.http.baseUrl);
      allowPrivate.push(`${self.hostname.replace(/^\[|\]$/g, '')}:${self.port}`);
    }
    const link: BridgeLink | null = o.bridge ? embeddedBridge(o.bridge) : b.mode === 'remote' ? remoteBridge(b.url, b.token, config.media.inspectTimeoutMs) : null;
    o.router = new PlaybackRouter(link, { ffprobePath: b.ffprobePath, timeoutMs: config.media.inspectTimeoutMs, allowPrivate });
    return o;
  }

  /** Sessions being started (their app loading), not yet in `sessions` or about to be. */
  get startingSessions(): number {
    return this.starting;
  }

  /** Browser contexts open in the cloud Chromium: its default one plus one per session (a leak check). */
  get chromiumContexts(): number {
    return this.chromium?.browser.browserContexts().length ?? 0;
  }

  /** The cloud Chromium's browser process, for memory accounting. */
  get chromiumPid(): number | undefined {
    return this.chromium?.browser.process()?.pid;
  }

  get baseUrl(): string {
    if (!this.http) throw new StratusError('STRATUS_SHUTDOWN');
    return this.http.baseUrl;
  }

  /** The emulator page URL that `npm start` prints. */
  get emulatorUrl(): string {
    return `${this.baseUrl}/`;
  }

  /** Finds the session and channel a session.resume names; the resume token picks the channel. */
  resumeChannel(params: ResumeParams): { session: Session; channel: Channel } {
    const session = this.liveSession(params.sessionId);
    const channel = session.channels.channelFor(params.resumeToken);
    if (!channel) throw new StratusError('STRATUS_AUTH_INVALID', 'wrong resume token');
    return { session, channel };
  }

  /**
   * A control client joins a session with a token for the session's own device: the same
   * credentials, so revoking the device also keeps its control clients out.
   */
  joinSession(params: JoinParams): { session: Session; channel: Channel } {
    const claims = verifyDeviceToken(this.config.auth.secret, params.token);
    if (this.revoked.has(claims.dev)) throw new StratusError('STRATUS_AUTH_REVOKED', claims.dev);
    const session = this.liveSession(params.sessionId);
    if (session.deviceId !== claims.dev) throw new StratusError('STRATUS_AUTH_INVALID', 'the token is for another device');
    return { session, channel: session.channels.join(params.name ?? 'control') };
  }

  private liveSession(id: string): Session {
    const s = this.sessions.get(id);
    // A session whose grace ran out stays listed while its page unloads; it cannot come back.
    if (!s || s.isClosing) throw new StratusError('STRATUS_UNKNOWN_SESSION', id.slice(0, 64));
    return s;
  }

  async openSession(hello: HelloParams, peer: PeerInfo = { ip: null }): Promise<Session> {
    if (this.closing || !this.chromium) throw new StratusError('STRATUS_SHUTDOWN');
    if (!hello.token) throw new StratusError('STRATUS_AUTH_REQUIRED');
    const claims = verifyDeviceToken(this.config.auth.secret, hello.token);
    if (this.revoked.has(claims.dev)) throw new StratusError('STRATUS_AUTH_REVOKED', claims.dev);
    const appId = hello.app ?? this.config.apps.default;
    const app = Object.prototype.hasOwnProperty.call(this.config.apps.catalog, appId) ? this.config.apps.catalog[appId] : undefined;
    if (!app) throw new StratusError('STRATUS_UNKNOWN_APP', appId);
    const { maxScreenWidth, maxScreenHeight, maxPerDevice } = this.config.sessions;
    if (hello.screen.width > maxScreenWidth || hello.screen.height > maxScreenHeight) {
      throw new StratusError('STRATUS_SCREEN_TOO_LARGE', `${hello.screen.width}x${hello.screen.height} is over ${maxScreenWidth}x${maxScreenHeight}`);
    }
    let held = 0;
    for (const s of this.sessions.values()) if (s.deviceId === claims.dev && !s.isClosing) held++;
    if (held >= maxPerDevice) throw new StratusError('STRATUS_DEVICE_SESSION_LIMIT', `${held} sessions`);
    // Sessions count from admission: those in the map (starting or live), and those admitted and
    // still getting their browser context.
    if (this.sessions.size + this.admitting >= this.config.sessions.max) {
      throw new StratusError('STRATUS_SESSION_LIMIT', `${this.config.sessions.max} sessions`);
    }
    const session = new Session({
      deviceId: claims.dev,
      appId,
      app,
      appUrl: new URL(app.url, this.baseUrl).href,
      device: { width: hello.screen.width, height: hello.screen.height, model: hello.model ?? 'unknown' },
      ui: this.config.ui,
      hbbtv: this.config.hbbtv,
      wellFormedXml: (text) => (this.xmlCheck ? this.xmlCheck.wellFormed(text) : Promise.resolve(false)),
      media: {
        ...this.config.media,
        caps: hello.media ?? BASELINE_MEDIA_CAPABILITIES,
        router: this.router as PlaybackRouter
      },
      appLoadTimeoutMs: this.config.sessions.appLoadTimeoutMs,
      idleTimeoutMs: this.config.sessions.idleTimeoutMs,
      unloadGraceMs: this.config.sessions.unloadGraceMs,
      resumeGraceMs: this.config.sessions.resumeGraceMs,
      maxControlChannels: this.config.control.maxChannels,
      rpcTimeoutMs: this.config.control.rpcTimeoutMs,
      deviceIp: peer.ip,
      userAgent: sessionUserAgent(this.chromiumUserAgent, hello.model ?? 'unknown', STRATUS_VERSION),
      location: this.locationFor(hello)
    });
    this.starting++;
    this.sessionsOpened++;
    this.admitting++;
    try {
      const context = await this.chromium.browser.createBrowserContext().finally(() => this.admitting--);
      this.sessions.set(session.id, session);
      session.once('closed', () => this.sessions.delete(session.id));
      await session.start(context);
      return session;
    } catch (err) {
      await session.close();
      throw err;
    } finally {
      this.starting--;
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const shutdown = new StratusError('STRATUS_SHUTDOWN');
      for (const conn of this.http?.connections ?? []) conn.fail(shutdown);
      await Promise.all([...this.sessions.values()].map((s) => s.close(shutdown)));
      await this.http?.close();
      await this.bridge?.close();
      await this.chromium?.close();
    })();
    return this.closing;
  }
}
