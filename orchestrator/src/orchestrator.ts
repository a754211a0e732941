import type { BrowserContext } from 'puppeteer-core';
import { BASELINE_MEDIA_CAPABILITIES, CarriedMedia, EventType, HelloParams, Infer, JoinParams, MediaCapabilities, PREWARM_SCHEMA, ResumeParams, SessionInfo } from '@stratus/protocol';
import { ApiKeys } from './api/api-keys';
import { Catalogue, FileCatalogue } from './api/catalogue';
import { EventLog } from './api/event-log';
import { JsonStore } from './api/json-store';
import { coversApp, coversSession, Principal } from './api/principal';
import { Webhooks } from './api/webhooks';
import { forgetNoProxy, GuardedProxy, MediaBridge } from '@stratus/media-bridge';
import { issueDeviceToken, verifyDeviceToken } from './auth/device-token';
import type { LaunchedChromium } from './chromium';
import { BrowserPool, Placement } from './browser-pool';
import { BrowserHost, BrowserSupervisor } from './browser-supervisor';
import { AppEntry, Config, listOf } from './config';
import { settledWithin } from './deadline';
import { PeerInfo, SessionHost, Taken } from './connection/peer-connection';
import { StratusError } from '@stratus/protocol';
import { HttpFront, startHttp } from './server';
import { Session } from './session/session';
import { Reservations } from './session/reservations';
import type { FrameInfo, PaintedInfo } from './layer/layer-types';
import { sessionUserAgent } from './identity';
import { STRATUS_VERSION } from './version';
import { embeddedBridge, remoteBridge } from './media/bridge-link';
import { BridgeLink, PlaybackRouter } from './media/playback-route';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { createLogger, Logger } from './ops/log';
import { Metrics, SessionState } from './ops/metrics';
import { Directory, NodeRecord } from './cluster/directory';
import { Routing } from './cluster/routing';
import { SharedDocs } from './cluster/shared-docs';
import type { DocStore } from './api/json-store';
import type { StoredKey } from './api/api-keys';
import type { StoredCatalogue } from './api/catalogue';
import type { StoredWebhook } from './api/webhooks';
import { BlobStore, DeviceStates, FileBlobStore, MemoryBlobStore, stateKey } from './storage/device-state';
import { join as joinPath } from 'node:path';
import type { DeviceStateOptions } from './session/session';

/** The media-bridge's settings from the one config (embedded here, or standalone in bridge-main.ts). */
export function bridgeOptions(config: Config): ConstructorParameters<typeof MediaBridge>[0] {
  const b = config.bridge;
  const allowPrivate = listOf(config.media.allowPrivate.toLowerCase());
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
    allowPrivate,
    corsOrigins: listOf(config.media.corsOrigins)
  };
}

/** The integration API's state: keys, the catalogue, the event log and the webhooks fed from it. */
export interface ApiState {
  keys: ApiKeys;
  catalogue: Catalogue;
  events: EventLog;
  webhooks: Webhooks;
}

export type PrewarmSpec = Infer<typeof PREWARM_SCHEMA>;

/** What GET /api/node answers. */
export interface NodeStatus {
  node: string;
  ready: boolean;
  draining: boolean;
  browser: 'up' | 'relaunching' | 'closing';
  sessions: Record<SessionState, number>;
}

/** What a new session is made of, from a device's hello or a pre-warm request. */
interface SessionSpec {
  deviceId: string;
  appId: string;
  app: AppEntry;
  device: { width: number; height: number; model: string; encodings: string[]; tileCache: number };
  media: MediaCapabilities;
  peer: PeerInfo;
  location: { latitude: number; longitude: number; accuracy: number } | null;
  prewarmed: boolean;
  /** What the device still plays from a session it lost (hello `carried`). */
  carried?: CarriedMedia;
}

export { STRATUS_VERSION } from './version';

/**
 * The running orchestrator: its Chromium processes (browser-pool.ts), the HTTP/WebSocket front, and the live sessions.
 * `close` ends every session first, then the server, then Chromium.
 */
export class Orchestrator implements SessionHost, BrowserHost {
  readonly sessions = new Map<string, Session>();
  /** The cloud browsers, each relaunched when it dies. */
  private readonly browser: BrowserPool;
  /** The browser each session lives in, from its placement on. */
  private readonly browserOf = new Map<Session, BrowserSupervisor>();
  private http: HttpFront | null = null;
  private starting = 0;
  /** Admitted sessions not yet in `sessions` (their browser context is being made). */
  private admitting = 0;
  /** Sessions opened since start (the bench counts them per RED press). */
  sessionsOpened = 0;
  private closing: Promise<void> | null = null;
  /** Device ids whose credentials are refused: from auth.revokedDevices, plus operator revocations. */
  private readonly revoked: Set<string>;

  /** The embedded media-bridge (bridge.mode=embedded). */
  bridge: MediaBridge | null = null;
  private router: PlaybackRouter | null = null;
  /** ffprobe's only way out when the orchestrator inspects a source (media-bridge guarded-proxy.ts). */
  private mediaProxy: GuardedProxy | null = null;

  /** Made at start: in files (api.dataDir), or in the directory's Redis with many nodes. */
  api!: ApiState;
  /** The node's name in logs and metrics (ops.nodeId, or the host name and a random suffix). */
  readonly nodeId: string;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The API's documents shared with the other nodes (cluster.redisUrl), or null alone. */
  private docs: SharedDocs | null = null;
  /** The session directory shared with the other nodes (cluster.redisUrl), or null alone. */
  private directory: Directory | null = null;
  /** Where hellos, resumes and joins belong among the nodes (all here until the directory runs). */
  private routing: Routing;
  /** Apps' state kept per device (catalogue `storage: "device"`), encrypted; in Redis with a directory. */
  deviceStates: DeviceStates | null = null;
  /** Where deviceStates keeps its records (memory when api.dataDir is empty and there is no directory). */
  stateStore: BlobStore | null = null;
  /** Sessions in `sessions` whose app is still loading (Session.start). */
  private readonly loading = new Set<Session>();
  /** The drain under way (drain()), if any. */
  private draining: Promise<void> | null = null;
  /** Sessions reserved through the API (prewarm), by device id, until their device says hello. */
  private readonly reserved: Reservations;

  private constructor(
    readonly config: Config,
    logDestination?: DestinationStream
  ) {
    this.nodeId = config.ops.nodeId || `${hostname()}-${randomBytes(3).toString('hex')}`;
    this.log = createLogger(config.ops.logLevel, this.nodeId, logDestination);
    this.metrics = new Metrics({
      sessionStates: () => this.sessionStates(),
      ready: () => this.ready(),
      draining: () => this.draining !== null,
      transcodes: () => this.bridge?.stats ?? null
    });
    this.revoked = new Set(listOf(config.auth.revokedDevices));
    this.routing = this.makeRouting();
    this.browser = new BrowserPool(config, this, this.log);
    this.reserved = new Reservations(config.api.prewarmTtlMs);
  }

  private makeRouting(): Routing {
    const { auth, cluster } = this.config;
    return new Routing(this.directory, this.nodeId, () => this.nodeRecord(), { secret: auth.secret, ticketTtlMs: cluster.ticketTtlMs });
  }

  /** The integration API's state over these document stores. */
  private makeApi(stores: { keys: DocStore<StoredKey[]>; catalogue: DocStore<StoredCatalogue>; webhooks: DocStore<StoredWebhook[]> }): ApiState {
    const a = this.config.api;
    const events = new EventLog(a.eventBuffer);
    return {
      keys: new ApiKeys(stores.keys),
      catalogue: new FileCatalogue(this.config.apps.catalog, stores.catalogue),
      events,
      webhooks: new Webhooks(stores.webhooks, events, {
        timeoutMs: a.webhookTimeoutMs,
        queue: a.webhookQueue,
        retryMs: a.webhookRetryMs,
        retryMaxMs: a.webhookRetryMaxMs,
        allowPrivate: listOf(a.webhookAllowPrivate.toLowerCase())
      })
    };
  }

  /** Where an app entry's page is: absolute, or a path on this orchestrator. */
  appUrl(app: AppEntry): string {
    return new URL(app.url, this.baseUrl).href;
  }

  /** The sessions `p` may see. */
  sessionsFor(p: Principal): Session[] {
    return [...this.sessions.values()].filter((s) => !s.isClosing && coversSession(p, s));
  }

  /** A live session `p` may drive. Throws STRATUS_UNKNOWN_SESSION or STRATUS_FORBIDDEN. */
  sessionFor(p: Principal, id: string): Session {
    const s = this.liveSession(id);
    if (!coversSession(p, s)) throw new StratusError('STRATUS_FORBIDDEN', `session ${id.slice(0, 64)}`);
    return s;
  }

  /**
   * Reserves a session for a device before it connects: the app loads now, and the device's next
   * hello (for the same app, or none, and the same screen) takes it over, so the viewer's red
   * button shows a loaded app. Unclaimed, it closes after api.prewarmTtlMs.
   */
  prewarm(p: Principal, spec: PrewarmSpec): Promise<SessionInfo> {
    return this.counted(() => this.reserve(p, spec));
  }

  private async reserve(p: Principal, spec: PrewarmSpec): Promise<SessionInfo> {
    this.checkTakesSessions();
    const app = await this.api.catalogue.get(spec.appId);
    if (!app) throw new StratusError('STRATUS_UNKNOWN_APP', spec.appId);
    if (!coversApp(p, app.owner)) throw new StratusError('STRATUS_FORBIDDEN', `app ${spec.appId}`);
    if (this.revoked.has(spec.deviceId)) throw new StratusError('STRATUS_AUTH_REVOKED', spec.deviceId);
    if (this.reserved.has(spec.deviceId)) throw new StratusError('STRATUS_CONFLICT', `a session is reserved for ${spec.deviceId} already`);
    const screen = spec.screen ?? { width: 1280, height: 720 };
    const media = spec.media ?? BASELINE_MEDIA_CAPABILITIES;
    this.admit(spec.deviceId, screen);
    const session = await this.createSession({
      deviceId: spec.deviceId,
      appId: spec.appId,
      app,
      device: { ...screen, model: spec.model ?? 'unknown', encodings: spec.encodings ?? ['png'], tileCache: 0 },
      media,
      peer: { ip: null },
      location: this.locationFor({}),
      prewarmed: true
    });
    // Its device's first frame should not wait for a capture: one is kept built.
    session.layer.prepareWhilePaused(true);
    this.reserved.add(spec.deviceId, session, media);
    return session.info();
  }

  /** A session event: numbered into the event log (SSE, webhooks) and told to the session's control clients. */
  private publish(session: Session, type: EventType, data: Record<string, unknown>): void {
    const logged = this.api.events.publish(session.subject, type, data);
    session.channels.tellEvent(logged.event);
  }

  /** Feeds a session's frames and paints to the metrics, and logs its start and end. */
  private observe(session: Session): void {
    const m = this.metrics;
    const log = this.log.child({ session: session.id, device: session.deviceId });
    session.layer.on('frame', (f: FrameInfo) => {
      m.frames.inc({ kind: f.keyframe ? 'keyframe' : f.lossy > 0 ? 'lossy' : 'delta' });
      m.frameBytes.inc(f.bytes);
      if (f.captureMs > 0) m.captureSeconds.observe(f.captureMs / 1000);
      m.encodeSeconds.observe(f.encodeMs / 1000);
    });
    session.layer.on('painted', (p: PaintedInfo) => {
      if (p.inputToPaintMs !== undefined) m.keyToPaint.observe(p.inputToPaintMs / 1000);
    });
    session.once('closed', (reason: StratusError | null) => {
      const level = reason?.code === 'STRATUS_INTERNAL' || reason?.code === 'STRATUS_CAPTURE_FAILED' ? 'warn' : 'info';
      log[level]({ app: session.appId, code: reason?.code ?? null, keys: session.input.keys, frames: session.layer.counters.framesSent }, 'session ended');
    });
    log.info({ app: session.appId }, 'session starting');
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

  private locationFor(hello: Pick<HelloParams, 'location'>): { latitude: number; longitude: number; accuracy: number } | null {
    if (hello.location) return { accuracy: 1000, ...hello.location };
    const d = this.config.identity.defaultLocation;
    if (!d) return null;
    const [latitude, longitude] = d.split(',').map(Number);
    return { latitude, longitude, accuracy: 5000 };
  }

  /** The operator API's list (/operator/sessions). */
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

  /** Shutdown has begun (BrowserHost). */
  get shuttingDown(): boolean {
    return this.closing !== null;
  }

  /** The sessions living in `from`'s browser. */
  private sessionsIn(from: BrowserSupervisor): Session[] {
    return [...this.sessions.values()].filter((s) => this.browserOf.get(s) === from);
  }

  /** A cloud browser died (BrowserHost): the pages of its sessions are gone with it. */
  browserLost(from: BrowserSupervisor): void {
    this.metrics.chromiumCrashes.inc();
    const lost = this.sessionsIn(from);
    this.log.error({ browser: from.index, sessions: lost.length }, 'the cloud browser died; relaunching it');
    for (const s of lost) s.browserLost();
  }

  /** A new cloud browser runs (BrowserHost): each of its sessions reloads its app in a context of it, its device still connected. */
  async browserBack(from: BrowserSupervisor, chromium: LaunchedChromium): Promise<void> {
    await Promise.all(
      this.sessionsIn(from).map(async (s) => {
        if (s.isClosing) return;
        try {
          await s.renew('browser', await chromium.browser.createBrowserContext());
        } catch (err) {
          // The new browser died too: its own relaunch renews the session.
          if (!chromium.browser.connected) return;
          await s.close(err instanceof StratusError ? err : new StratusError('STRATUS_INTERNAL', String(err)));
        }
      })
    );
  }

  /** Times the browser died and was relaunched since start. */
  get browserRelaunches(): number {
    return this.browser.relaunches;
  }

  /** Whether the node takes new sessions: one of its browsers runs, and it neither drains nor shuts down (/readyz). */
  ready(): boolean {
    return !this.closing && !this.draining && this.browser.running > 0 && (!this.directory || this.directory.reachable);
  }

  /** This node as the directory shows it to the others. */
  private nodeRecord(): NodeRecord {
    const url = this.config.cluster.publicUrl || this.http?.baseUrl || '';
    return { id: this.nodeId, url, capacity: this.config.sessions.max, sessions: this.sessions.size + this.admitting, draining: this.draining !== null };
  }

  async ownerUrl(sessionId: string): Promise<string | null> {
    return this.sessions.has(sessionId) ? null : this.routing.ownerUrl(sessionId);
  }

  otherNodeUrls(): Promise<string[]> {
    return this.routing.otherNodeUrls();
  }

  /** Rejects with a redirect to the node that owns the session, or STRATUS_UNKNOWN_SESSION. */
  private async redirectOrUnknown(sessionId: string): Promise<Taken> {
    throw await this.routing.toOwner(sessionId);
  }

  /** What /healthz and /readyz report. */
  health(): { ok: boolean; browser: 'up' | 'relaunching' | 'closing'; draining: boolean; sessions: number; relaunches: number } {
    // 'up' when every browser runs; new sessions still go to the others while one is relaunched.
    const browser = this.closing ? 'closing' : this.browser.running === this.browser.supervisors.length ? 'up' : 'relaunching';
    return { ok: this.ready(), browser, draining: this.draining !== null, sessions: this.sessions.size, relaunches: this.browserRelaunches };
  }

  nodeStatus(): NodeStatus {
    const h = this.health();
    return { node: this.nodeId, ready: h.ok, draining: h.draining, browser: h.browser, sessions: this.sessionStates() };
  }

  /** The sessions by what they are doing, for stratus_sessions. */
  sessionStates(): Record<SessionState, number> {
    const counts: Record<SessionState, number> = { starting: this.admitting, attached: 0, detached: 0, reserved: 0, closing: 0 };
    const reserved = new Set(this.reserved.sessions());
    for (const s of this.sessions.values()) {
      if (s.isClosing) counts.closing++;
      else if (reserved.has(s)) counts.reserved++;
      else if (this.loading.has(s)) counts.starting++;
      else if (s.deviceAttached) counts.attached++;
      else counts.detached++;
    }
    return counts;
  }

  /**
   * Drains the node: it takes no new sessions (hellos and pre-warms get STRATUS_NODE_DRAINING,
   * /readyz fails so the load balancer sends devices elsewhere), then moves its sessions: each
   * closes with STRATUS_NODE_DRAINING, which makes its device say hello again at once (to another
   * node) with its video still playing. Sessions whose viewer is not using the UI go first (no key
   * for ops.drainIdleMs, nothing moving); the rest as they fall idle, or end, or at the deadline.
   * Resolves when no session is left.
   */
  drain(deadlineMs: number = this.config.ops.drainDeadlineMs): Promise<void> {
    this.draining ??= (async () => {
      const started = performance.now();
      this.log.info({ sessions: this.sessions.size, deadlineMs }, 'draining');
      // The other nodes stop placing sessions here as soon as the directory says so.
      await this.directory?.renew();
      const moving = new Set<Promise<void>>();
      const move = (s: Session, why: 'idle' | 'deadline' | 'reserved'): void => {
        this.metrics.sessionsMoved.inc({ reason: 'drain' });
        this.log.info({ session: s.id, device: s.deviceId, why }, 'moving a session off the draining node');
        const p = s.close(new StratusError('STRATUS_NODE_DRAINING', why));
        moving.add(p);
        void p.finally(() => moving.delete(p));
      };
      for (const r of this.reserved.sessions()) move(r, 'reserved');
      const deadline = started + deadlineMs;
      while (!this.closing) {
        const open = [...this.sessions.values()].filter((s) => !s.isClosing);
        if (open.length === 0) break;
        const late = performance.now() >= deadline;
        // A session still loading its app is moved once it runs (its device is waiting for it).
        for (const s of open) if (late || (!this.loading.has(s) && s.uiIdle(this.config.ops.drainIdleMs))) move(s, late ? 'deadline' : 'idle');
        if (late) break;
        // Viewers stop pressing keys at their own pace: look again shortly.
        await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, deadline - performance.now()))).unref());
      }
      await Promise.all([...moving]);
      this.log.info({ ms: Math.round(performance.now() - started) }, 'drained');
    })();
    return this.draining;
  }

  static async start(config: Config, deps: { logDestination?: DestinationStream } = {}): Promise<Orchestrator> {
    const o = new Orchestrator(config, deps.logDestination);
    if (config.cluster.redisUrl) {
      // Every node answers the API the same: its documents are shared in Redis.
      try {
        o.docs = await SharedDocs.start(config.cluster.redisUrl, config.cluster.keyPrefix, o.nodeId, ['api-keys', 'catalogue', 'webhooks'], o.log, () => o.metrics.directoryErrors.inc());
      } catch (err) {
        throw new StratusError('STRATUS_DIRECTORY_UNAVAILABLE', (err as Error).message);
      }
      o.api = o.makeApi({ keys: o.docs.doc('api-keys'), catalogue: o.docs.doc('catalogue'), webhooks: o.docs.doc('webhooks') });
    } else {
      const dir = config.api.dataDir;
      o.api = o.makeApi({ keys: new JsonStore(dir, 'api-keys.json'), catalogue: new JsonStore(dir, 'catalogue.json'), webhooks: new JsonStore(dir, 'webhooks.json') });
    }
    try {
      await o.browser.launch();
    } catch (err) {
      o.docs?.close();
      throw err;
    }
    const b = config.bridge;
    const options = bridgeOptions(config);
    const allowPrivate = options.allowPrivate;
    if (b.mode === 'embedded') o.bridge = new MediaBridge(options);
    try {
      o.http = await startHttp(config, o, o.bridge);
    } catch (err) {
      o.docs?.close();
      await o.bridge?.close();
      await o.browser.close(10000);
      throw err;
    }
    // The development media origin is this server: its sources are private but ours. The list is
    // the one the embedded bridge holds, so it learns the address too.
    if (config.media.fixtureOrigin === 'on') {
      const self = new URL(o.http.baseUrl);
      allowPrivate.push(`${self.hostname.replace(/^\[|\]$/g, '')}:${self.port}`);
    }
    if (config.cluster.redisUrl) {
      const d = new Directory(
        { redisUrl: config.cluster.redisUrl, leaseMs: config.cluster.leaseMs, sessionTtlMs: config.sessions.resumeGraceMs + config.cluster.leaseMs * 2, prefix: config.cluster.keyPrefix },
        () => o.nodeRecord(),
        o.log,
        () => o.metrics.directoryErrors.inc()
      );
      try {
        await d.start();
      } catch (err) {
        await d.close();
        await o.close();
        throw new StratusError('STRATUS_DIRECTORY_UNAVAILABLE', `${(err as Error).message}`);
      }
      o.directory = d;
      o.routing = o.makeRouting();
    }
    const storeDir = config.api.dataDir ? joinPath(config.api.dataDir, 'device-state') : '';
    o.stateStore = o.directory ? o.directory.blobs : storeDir ? new FileBlobStore(storeDir) : new MemoryBlobStore();
    o.deviceStates = new DeviceStates(o.stateStore, stateKey(config.storage.key, config.auth.secret), config.storage.ttlDays * 86400000);
    const link: BridgeLink | null = o.bridge ? embeddedBridge(o.bridge) : b.mode === 'remote' ? remoteBridge(b.url, b.token, config.media.inspectTimeoutMs) : null;
    forgetNoProxy();
    o.mediaProxy = new GuardedProxy(allowPrivate);
    o.router = new PlaybackRouter(link, { ffprobePath: b.ffprobePath, timeoutMs: config.media.inspectTimeoutMs, allowPrivate, proxy: o.mediaProxy });
    return o;
  }

  /** Sessions being started (their app loading), not yet in `sessions` or about to be. */
  get startingSessions(): number {
    return this.starting;
  }

  /** Browser contexts open in the cloud browsers: each one's default plus one per session (a leak check). */
  get chromiumContexts(): number {
    return this.browser.supervisors.reduce((n, s) => n + (s.current?.browser.browserContexts().length ?? 0), 0);
  }

  /** The first cloud browser's process (the only one with chromium.browsers 1). */
  get chromiumPid(): number | undefined {
    return this.chromiumPids[0];
  }

  /** The running cloud browsers' processes, for CPU and memory accounting. */
  get chromiumPids(): number[] {
    return this.browser.supervisors.flatMap((s) => s.current?.browser.process()?.pid ?? []);
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
  resumeChannel(params: ResumeParams): Taken | Promise<Taken> {
    // Another node's session: the device came back through the load balancer to this one.
    if (this.directory && !this.sessions.has(params.sessionId)) return this.redirectOrUnknown(params.sessionId);
    const session = this.liveSession(params.sessionId);
    const channel = session.channels.channelFor(params.resumeToken);
    if (!channel) throw new StratusError('STRATUS_AUTH_INVALID', 'wrong resume token');
    return { session, channel };
  }

  /**
   * A control client joins a session with a token for the session's own device: the same
   * credentials, so revoking the device also keeps its control clients out.
   */
  joinSession(params: JoinParams): Taken | Promise<Taken> {
    if (this.directory && !this.sessions.has(params.sessionId)) return this.redirectOrUnknown(params.sessionId);
    if (params.key !== undefined) {
      // An integration client: its API key's scope must cover the session's app.
      const principal = this.api.keys.verify(params.key);
      const session = this.sessionFor(principal, params.sessionId);
      const channel = session.channels.join(params.name ?? 'control');
      channel.principal = principal;
      return { session, channel };
    }
    if (params.token === undefined) throw new StratusError('STRATUS_AUTH_REQUIRED', 'session.join needs a token or a key');
    const claims = verifyDeviceToken(this.config.auth.secret, params.token);
    if (this.revoked.has(claims.dev)) throw new StratusError('STRATUS_AUTH_REVOKED', claims.dev);
    const session = this.liveSession(params.sessionId);
    if (session.deviceId !== claims.dev) throw new StratusError('STRATUS_AUTH_INVALID', 'the token is for another device');
    const channel = session.channels.join(params.name ?? 'control');
    channel.principal = { kind: 'device', deviceId: claims.dev };
    return { session, channel };
  }

  private liveSession(id: string): Session {
    const s = this.sessions.get(id);
    // A session whose grace ran out stays listed while its page unloads; it cannot come back.
    if (!s || s.isClosing) throw new StratusError('STRATUS_UNKNOWN_SESSION', id.slice(0, 64));
    return s;
  }

  openSession(hello: HelloParams, peer: PeerInfo = { ip: null }): Promise<Session> {
    return this.counted(() => this.startSession(hello, peer));
  }

  /** A session start, counted by its result (stratus_session_starts_total) and logged when refused. */
  private async counted<T>(start: () => Promise<T>): Promise<T> {
    try {
      const r = await start();
      this.metrics.sessionStarts.inc({ result: 'ok' });
      return r;
    } catch (err) {
      const code = err instanceof StratusError ? err.code : 'STRATUS_INTERNAL';
      this.metrics.sessionStarts.inc({ result: code });
      this.log.info({ code }, 'session start refused');
      throw err;
    }
  }

  /** New sessions are refused while the node shuts down or drains. */
  private checkTakesSessions(): void {
    if (this.closing) throw new StratusError('STRATUS_SHUTDOWN');
    if (this.draining) throw new StratusError('STRATUS_NODE_DRAINING');
  }

  private async startSession(hello: HelloParams, peer: PeerInfo): Promise<Session> {
    if (this.closing) throw new StratusError('STRATUS_SHUTDOWN');
    if (!hello.token) throw new StratusError('STRATUS_AUTH_REQUIRED');
    const claims = verifyDeviceToken(this.config.auth.secret, hello.token);
    if (this.revoked.has(claims.dev)) throw new StratusError('STRATUS_AUTH_REVOKED', claims.dev);
    const reserved = this.draining ? null : this.reserved.claim(claims.dev, hello, this.router?.virtualAvailable ?? false);
    if (reserved?.claimed) return reserved.session;
    // A draining node still places a hello on another node (its own record says it drains), so
    // a device it moved that comes straight back is sent on, whatever the load balancer does.
    const elsewhere = await this.routing.place(claims.dev, this.draining ? undefined : hello.ticket);
    if (elsewhere) throw elsewhere;
    this.checkTakesSessions();
    const appId = hello.app ?? this.config.apps.default;
    const app = await this.api.catalogue.get(appId);
    if (!app) throw new StratusError('STRATUS_UNKNOWN_APP', appId);
    this.admit(claims.dev, hello.screen, reserved?.session);
    return this.createSession({
      deviceId: claims.dev,
      appId,
      app,
      device: { width: hello.screen.width, height: hello.screen.height, model: hello.model ?? 'unknown', encodings: hello.encodings ?? ['png'], tileCache: hello.tileCache ?? 0 },
      media: hello.media ?? BASELINE_MEDIA_CAPABILITIES,
      peer,
      location: this.locationFor(hello),
      prewarmed: false,
      carried: hello.carried
    });
  }

  /**
   * The limits a new session must pass: screen size, sessions per device, sessions in all.
   * `replacing`: the device's reservation just closed as unfit, whose place the new session takes.
   */
  private admit(deviceId: string, screen: { width: number; height: number }, replacing?: Session): void {
    const { maxScreenWidth, maxScreenHeight, maxPerDevice } = this.config.sessions;
    if (screen.width > maxScreenWidth || screen.height > maxScreenHeight) {
      throw new StratusError('STRATUS_SCREEN_TOO_LARGE', `${screen.width}x${screen.height} is over ${maxScreenWidth}x${maxScreenHeight}`);
    }
    let held = 0;
    for (const s of this.sessions.values()) if (s.deviceId === deviceId && !s.isClosing) held++;
    if (held >= maxPerDevice) throw new StratusError('STRATUS_DEVICE_SESSION_LIMIT', `${held} sessions`);
    // Sessions count from admission: those in the map (starting or live), and those admitted and
    // still getting their browser context.
    const replaced = replacing && this.sessions.get(replacing.id) === replacing ? 1 : 0;
    if (this.sessions.size - replaced + this.admitting >= this.config.sessions.max) {
      throw new StratusError('STRATUS_SESSION_LIMIT', `${this.config.sessions.max} sessions`);
    }
  }

  /** What a session of an app kept per device restores and where it saves; null for the others. */
  private async deviceStateFor(spec: SessionSpec): Promise<DeviceStateOptions | null> {
    const states = this.deviceStates;
    if (spec.app.storage !== 'device' || !states) return null;
    const log = this.log.child({ device: spec.deviceId, app: spec.appId });
    const restore = await states.load(spec.deviceId, spec.appId).catch((err: unknown) => {
      log.warn({ err }, "the device's kept state could not be read; the app starts without it");
      return null;
    });
    return {
      restore,
      intervalMs: this.config.storage.saveIntervalMs,
      save: async (state) => {
        const saved = await states.save(spec.deviceId, spec.appId, state).catch((err: unknown) => {
          log.warn({ err }, "the device's state could not be saved");
          return true;
        });
        if (!saved) log.warn('the app keeps more state than a device may (512 KB): not saved');
      }
    };
  }

  private async createSession(spec: SessionSpec): Promise<Session> {
    const deviceState = await this.deviceStateFor(spec);
    const session = new Session({
      deviceState,
      carried: spec.carried,
      deviceId: spec.deviceId,
      appId: spec.appId,
      app: spec.app,
      appUrl: this.appUrl(spec.app),
      device: spec.device,
      ui: this.config.ui,
      hbbtv: this.config.hbbtv,
      wellFormedXml: (text) => (this.browser.xmlCheck ? this.browser.xmlCheck.wellFormed(text) : Promise.resolve(false)),
      media: {
        ...this.config.media,
        caps: spec.media,
        router: this.router as PlaybackRouter
      },
      appLoadTimeoutMs: this.config.sessions.appLoadTimeoutMs,
      idleTimeoutMs: this.config.sessions.idleTimeoutMs,
      maxCrashes: this.config.sessions.maxCrashes,
      crashWindowMs: this.config.sessions.crashWindowMs,
      hangTimeoutMs: this.config.chromium.hangTimeoutMs,
      unloadGraceMs: this.config.sessions.unloadGraceMs,
      resumeGraceMs: this.config.sessions.resumeGraceMs,
      maxControlChannels: this.config.control.maxChannels,
      rpcTimeoutMs: this.config.control.rpcTimeoutMs,
      appErrorsPerMin: this.config.api.appErrorsPerMin,
      prewarmed: spec.prewarmed,
      deviceIp: spec.peer.ip,
      userAgent: sessionUserAgent(this.browser.userAgent, spec.device.model, STRATUS_VERSION),
      location: spec.location
    });
    session.on('event', (type, data) => this.publish(session, type, data));
    this.observe(session);
    this.starting++;
    this.sessionsOpened++;
    this.admitting++;
    let placed: Placement | null = null;
    try {
      let context: BrowserContext;
      try {
        // Counted in its browser at once: hellos arriving together spread too.
        placed = await this.browser.place((b) => [...this.browserOf.values()].filter((x) => x === b).length);
        this.browserOf.set(session, placed.supervisor);
        context = await placed.chromium.browser.createBrowserContext();
      } finally {
        this.admitting--;
      }
      this.sessions.set(session.id, session);
      session.once('closed', () => {
        this.sessions.delete(session.id);
        this.browserOf.delete(session);
      });
      this.publish(session, 'session.started', { prewarmed: spec.prewarmed, model: spec.device.model, screen: { width: spec.device.width, height: spec.device.height } });
      this.loading.add(session);
      await session.start(context).finally(() => this.loading.delete(session));
      if (this.directory) {
        const d = this.directory;
        void d.claim({ id: session.id, node: this.nodeId, deviceId: session.deviceId, appId: session.appId });
        session.once('closed', () => void d.release(session.id));
      }
      return session;
    } catch (err) {
      await session.close(err instanceof StratusError ? err : null);
      this.browserOf.delete(session);
      // The browser died under the start: the device may simply try again.
      const p = placed as Placement | null;
      if (p && (p.supervisor.current !== p.chromium || !p.chromium.browser.connected) && !this.closing) {
        throw new StratusError('STRATUS_BROWSER_UNAVAILABLE', 'the browser died while the session started');
      }
      throw err;
    } finally {
      this.starting--;
    }
  }

  /**
   * Ends every session (their apps hear why and unload), then the server, the bridge and
   * Chromium, within server.shutdownDeadlineMs whatever Chromium does: a browser that has not
   * closed by then is killed.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const deadline = performance.now() + this.config.server.shutdownDeadlineMs;
      const left = (): number => Math.max(0, deadline - performance.now());
      const shutdown = new StratusError('STRATUS_SHUTDOWN');
      for (const conn of this.http?.connections ?? []) conn.fail(shutdown);
      const orderly = (async () => {
        await Promise.all([...this.sessions.values()].map((s) => s.close(shutdown)));
        await this.http?.close();
        await this.bridge?.close();
        await this.mediaProxy?.close();
        await this.directory?.close();
        this.docs?.close();
        this.api.webhooks.close();
      })();
      // The browser's own close needs a share of the deadline too.
      await settledWithin(orderly, left() * 0.7);
      await this.browser.close(left());
      // Pages that did not close in time go with their browser; whatever else is left is released.
      await settledWithin(orderly, left());
      this.http?.server.closeAllConnections();
    })();
    return this.closing;
  }
}
