import { randomBytes } from 'node:crypto';
import type { CloudErrorDetail, CloudPageConfig, PageChannel, PlaybackSupport } from '@stratus/cloud-page';
import {
  check,
  isErrorCode,
  DrmEventParams,
  isMediaMethod,
  MEDIA_METHODS,
  MediaCapabilities,
  MediaEventParams,
  MediaMethod,
  MediaResult,
  MediaState,
  ParamsOf,
  PlayerInfo,
  Infer,
  STREAM_EVENT_SCRIPT_SCHEMA,
  StratusError,
  StreamEventParams,
  toStratusError,
  ToChannel
} from '@stratus/protocol';
import { CDPSession } from 'puppeteer-core';
import { runAsTerminal } from '../page/document-types';
import { DeviceLease, PlaybackRouter } from './playback-route';

/** A channel of the line-up, as configured: the device gets `url` when it has no real tuner. */
export interface LineupChannel extends PageChannel {
  url: string;
  /** Scripted stream events the emulator fires on this channel (real terminals get the broadcast's). */
  streamEvents?: Array<Infer<typeof STREAM_EVENT_SCRIPT_SCHEMA>>;
}

/** A media request to the device, typed by the protocol; rejects with a coded StratusError. */
export type MediaRequest = <M extends MediaMethod>(method: M, params: ParamsOf<ToChannel[M]>, timeoutMs?: number) => Promise<MediaResult>;

export interface MediaProxyOptions {
  /** Layer pixels per CSS pixel: video windows go to the device in layer pixels. */
  scale: number;
  channels: LineupChannel[];
  /** What the device reported in its hello: each load's route follows it. */
  caps: MediaCapabilities;
  /** What the page answers about playback (a pre-warmed session's app keeps it when a device claims it). */
  support: PlaybackSupport;
  /** Decides native or virtual playback for each load. */
  router: PlaybackRouter;
  /** How long play() may wait for the device's player to start. */
  playTimeoutMs: number;
  request: MediaRequest;
  /** Raises a cloud-browser error event in the page. */
  notifyApp(detail: CloudErrorDetail): void;
  /**
   * The page's own reports (not a player's), by method: `holes` (where its video holes are,
   * layer/video-holes.ts), `keyset` (the HbbTV keyset the app set), `exit` (destroyApplication),
   * `message` (the app's stratus.postMessage to control clients).
   * Each answers an error message for malformed params, or null.
   */
  pageCalls: { [M in PageCallMethod]: (contextId: number, params: Record<string, unknown>) => string | null };
  /** A document went away (its holes go with it). */
  contextGone(contextId: number): void;
  /** Whether a document served with an HbbTV XHTML type is well-formed XML (page/xml-check.ts). */
  wellFormedXml(text: string): Promise<boolean>;
  /** A player's state changed in a way operators hear of (STATE_EVENTS): the media.state event. */
  stateChanged?(player: PlayerInfo, type: string): void;
  /** A control client's command, carried out by the player's object in its document (CloudPage.controlPlayer). */
  controlPlayer?(contextId: number, local: string, method: string, params: object): Promise<{ code: string; message: string } | null>;
}

/** Device media events that are news to operators (media.state); the rest (timeupdate, progress...) are not. */
const STATE_EVENTS = new Set(['playing', 'pause', 'ended', 'error', 'seeked', 'volumechange', 'tuned', 'tuneerror']);

/** The control methods a broadcaster's backend may call on the app's players (protocol TO_ORCHESTRATOR media.*). */
export type ControlMediaMethod = 'media.play' | 'media.pause' | 'media.stop' | 'media.seek' | 'media.volume' | 'media.mute' | 'media.tune';

/** What a page may report about itself through the binding. */
export const PAGE_CALLS = ['holes', 'keyset', 'exit', 'message'] as const;
export type PageCallMethod = (typeof PAGE_CALLS)[number];

interface PageCall {
  id: number;
  player: string;
  method: string;
  params: Record<string, unknown>;
}

/** What a page may ask for (the protocol's media.* requests, by their short name); anything else is refused before it reaches the device. */
const PAGE_METHODS = new Set(Object.keys(MEDIA_METHODS).map((m) => m.slice('media.'.length)));
/** A page call's JSON: a DRM message (protocol DRM_MESSAGE_MAX) is the largest. */
const MAX_PAYLOAD = 16384;
/** The player id of calls about the page itself rather than a player (PAGE_CALLS). */
const PAGE = 'page';

/**
 * The orchestrator half of the media proxy. The page's shim calls a CDP binding; this class checks
 * the call, forwards it to the device as media.*, and answers the page. Device media events go the
 * other way, into the execution context that owns the player. Media requests from the page to the
 * network are failed here, so nothing ever decodes in the cloud.
 */
export class MediaProxy {
  private readonly binding = `__stratusMedia_${randomBytes(6).toString('hex')}`;
  /** Device players by context, so a page that goes away takes its players with it. */
  private readonly contexts = new Map<number, Set<string>>();
  /** Media-bridge holds of players on the virtual path. */
  private readonly leases = new Map<string, DeviceLease>();
  /** The device's last report per player, the basis of an error the bridge raises. */
  private readonly lastEvents = new Map<string, MediaEventParams>();
  /** Players whose transcode failed: the device's own error that follows is not news. */
  private readonly bridgeFailed = new Set<string>();
  /** Per player: settles once its latest call has gone to the device. */
  private readonly sending = new Map<string, Promise<void>>();
  /** The app's players (and DRM agents) as session.info lists them, in the order they appeared. */
  private readonly players = new Map<string, PlayerInfo>();
  readonly stats = { calls: 0, refused: 0, events: 0, blockedFetches: 0, virtualLoads: 0 };
  private mainFrame = '';

  constructor(
    private readonly cdp: CDPSession,
    /** The cloud page bundle's hidden global, through which answers and events reach the page. */
    private readonly inbox: string,
    private readonly opts: MediaProxyOptions
  ) {}

  /** Loads route by this report from now on (a pre-warmed session's device); the page keeps its answers. */
  useDeviceCaps(caps: MediaCapabilities): void {
    this.opts.caps = caps;
  }

  /** What the cloud page bundle's media proxy needs to know (cloud-page/src/media). */
  get pageConfig(): NonNullable<CloudPageConfig['media']> {
    return {
      binding: this.binding,
      channels: this.opts.channels.map(({ url: _url, streamEvents: _events, ...c }) => c),
      support: this.opts.support
    };
  }

  /** Installs the binding and the fetch block; call before the app loads. */
  async install(): Promise<void> {
    const cdp = this.cdp;
    cdp.on('Runtime.bindingCalled', (e) => {
      if (e.name === this.binding) this.onCall(e.payload, e.executionContextId);
    });
    cdp.on('Runtime.executionContextDestroyed', (e) => this.releaseContext(e.executionContextId));
    cdp.on('Runtime.executionContextsCleared', () => {
      for (const id of [...this.contexts.keys()]) this.releaseContext(id);
    });
    cdp.on('Fetch.requestPaused', (e) => {
      if (e.responseStatusCode !== undefined || e.responseErrorReason !== undefined) {
        // A document's response: HbbTV content types are made to run (page/document-types.ts).
        void runAsTerminal(cdp, e, this.opts.wellFormedXml)
          .catch(() => false)
          .then((done) => (done ? undefined : cdp.send('Fetch.continueRequest', { requestId: e.requestId })))
          .catch(() => undefined);
        return;
      }
      void this.screen(e.resourceType, e.frameId).then((block) => {
        if (block) this.stats.blockedFetches++;
        return block
          ? cdp.send('Fetch.failRequest', { requestId: e.requestId, errorReason: 'BlockedByClient' })
          : cdp.send('Fetch.continueRequest', { requestId: e.requestId });
      }).catch(() => undefined);
    });
    await cdp.send('Runtime.enable');
    await cdp.send('Runtime.addBinding', { name: this.binding });
    this.mainFrame = (await cdp.send('Page.getFrameTree')).frameTree.frame.id;
    // Media elements still fetch natively when given a src, and an A/V Control <object> loads its
    // data as a nested document that would play it: those requests never leave.
    await cdp.send('Fetch.enable', {
      patterns: [
        { urlPattern: '*', resourceType: 'Media', requestStage: 'Request' },
        { urlPattern: '*', resourceType: 'Document', requestStage: 'Request' },
        { urlPattern: '*', resourceType: 'Document', requestStage: 'Response' }
      ]
    });
  }

  /**
   * Whether a paused request must fail: every media fetch, and the document of a nested frame
   * owned by an <object>/<embed> of a media type. Other documents (the app, its iframes) go on.
   */
  private async screen(resourceType: string, frameId: string): Promise<boolean> {
    if (resourceType === 'Media') return true;
    if (frameId === this.mainFrame) return false;
    try {
      const owner = await this.cdp.send('DOM.getFrameOwner', { frameId });
      const { node } = await this.cdp.send('DOM.describeNode', { backendNodeId: owner.backendNodeId });
      if (node.nodeName !== 'OBJECT' && node.nodeName !== 'EMBED') return false;
      const attrs = node.attributes ?? [];
      const type = (attrs[attrs.indexOf('type') + 1] ?? '').toLowerCase();
      return attrs.includes('type') && /^(video|audio)\/|^application\/(dash\+xml|vnd\.apple\.mpegurl|x-mpegurl)/.test(type);
    } catch {
      return false;
    }
  }

  private onCall(payload: string, contextId: number): void {
    this.stats.calls++;
    let call: PageCall;
    try {
      call = parseCall(payload);
    } catch (err) {
      // The app's own code called the binding with junk: answer if it gave an id, touch nothing.
      this.stats.refused++;
      const id = (err as { id?: unknown }).id;
      if (typeof id === 'number') this.reply(contextId, id, { code: 'STRATUS_INVALID_PARAMS', message: (err as Error).message }, null);
      return;
    }
    if (call.player === PAGE) {
      // parseCall admits only PAGE_CALLS for the page's own reports.
      const method = call.method as PageCallMethod;
      const why = this.opts.pageCalls[method](contextId, call.params);
      if (why) this.stats.refused++;
      this.reply(contextId, call.id, why ? { code: 'STRATUS_INVALID_PARAMS', message: `${method}: ${why}` } : null, null);
      return;
    }
    this.forward(call, contextId).then(
      (result) => this.reply(contextId, call.id, null, result),
      (err: unknown) => {
        const e = toStratusError(err);
        this.reply(contextId, call.id, { code: e.code, message: e.message }, null);
      }
    );
  }

  private async forward(call: PageCall, contextId: number): Promise<unknown> {
    const player = `${contextId}.${call.player}`;
    const params: Record<string, unknown> = { ...call.params, player };
    if (call.method === 'window') {
      const r = params.rect as Record<string, number> | undefined;
      const s = this.opts.scale;
      if (r && typeof r === 'object') params.rect = { x: r.x * s, y: r.y * s, width: r.width * s, height: r.height * s };
    }
    if (call.method === 'tune') {
      const ch = this.opts.channels.find((c) => c.ccid === params.ccid);
      if (!ch) throw new StratusError('STRATUS_UNKNOWN_CHANNEL', String(params.ccid).slice(0, 64));
      delete params.ccid;
      // The schedule is the page's; the device gets what it tunes and plays.
      const { programmes: _programmes, ...forDevice } = ch;
      params.channel = forDevice;
    }
    const method = `media.${call.method}`;
    // parseCall admits only the short names of MEDIA_METHODS, so this narrows rather than refuses.
    if (!isMediaMethod(method)) throw new StratusError('STRATUS_INVALID_PARAMS', `no media method ${method}`);
    const why = check(MEDIA_METHODS[method], params);
    if (why) {
      this.stats.refused++;
      throw new StratusError('STRATUS_INVALID_PARAMS', `${method}: ${why}`);
    }
    // A DRM agent is a "player" of the document from its first message: the terminal's answers find it.
    if (call.method === 'load' || call.method === 'tune' || call.method === 'drm') {
      let set = this.contexts.get(contextId);
      if (!set) this.contexts.set(contextId, (set = new Set()));
      set.add(player);
    }
    if (call.method === 'release') {
      this.contexts.get(contextId)?.delete(player);
      this.players.delete(player);
    } else if (call.method === 'load' || call.method === 'tune' || (call.method === 'drm' && !this.players.has(player))) {
      // Newest last: a control call without a player id acts on the latest.
      const kind = call.method === 'load' ? 'media' : call.method === 'tune' ? 'broadcast' : 'drm';
      const before = this.players.get(player);
      this.players.delete(player);
      this.players.set(player, { id: player, kind, event: before?.event ?? null, state: before?.state ?? null, ...(kind === 'broadcast' ? { channel: (params.channel as { ccid: string }).ccid } : {}) });
    }
    // A player's calls reach the device in the app's order, though a load may wait for routing.
    const before = this.sending.get(player);
    let sent: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (sent = resolve));
    this.sending.set(player, gate);
    try {
      await before;
      // In turn with the player's other calls, so a load still being routed cannot set its lease
      // after a later load or release has dropped the one before.
      if (call.method === 'load' || call.method === 'tune' || call.method === 'release') this.dropLease(player);
      if (call.method === 'load') await this.routeLoad(player, contextId, params);
      // Checked against the method's schema above: these are its params.
      return this.opts.request(method, params as ParamsOf<ToChannel[typeof method]>, call.method === 'play' ? this.opts.playTimeoutMs : undefined);
    } finally {
      sent();
      if (this.sending.get(player) === gate) this.sending.delete(player);
    }
  }

  /**
   * The per-asset decision: the device gets the original URL when it can play it, otherwise the
   * media-bridge's transcode of it. The app's element keeps the URL it set either way.
   */
  private async routeLoad(player: string, contextId: number, params: Record<string, unknown>): Promise<void> {
    const route = await this.opts.router.route(String(params.url), this.opts.caps);
    if (route.path === 'native') return;
    if (!this.contexts.get(contextId)?.has(player)) {
      // Released, or its page went away, while the bridge was starting.
      route.lease.release();
      throw new StratusError('STRATUS_MEDIA_PLAY_REJECTED', 'the load was overtaken by another');
    }
    this.stats.virtualLoads++;
    this.leases.set(player, route.lease);
    params.url = route.url;
    params.type = route.type;
    route.lease.onFailed((err) => {
      if (this.leases.get(player) === route.lease) this.raiseBridgeFailure(player, contextId, err);
    });
  }

  private dropLease(player: string): void {
    this.leases.get(player)?.release();
    this.leases.delete(player);
    this.bridgeFailed.delete(player);
    this.lastEvents.delete(player);
  }

  /** ffmpeg failed under a playing element: a MediaError on it and a cloud-browser error on window. */
  private raiseBridgeFailure(player: string, contextId: number, err: StratusError): void {
    this.bridgeFailed.add(player);
    const last = this.lastEvents.get(player);
    const state: MediaState = last ? { ...last.state, paused: true } : { ...IDLE_STATE };
    this.toPage(contextId, { player: player.slice(player.indexOf('.') + 1), cmd: last?.cmd ?? 0, type: 'error', state, error: { code: 3, message: err.message.slice(0, 500) } });
    this.opts.notifyApp({ code: 'STRATUS_BRIDGE_FAILED', message: err.message, source: 'bridge' });
  }

  /** The session is over: every media-bridge hold goes. */
  dispose(): void {
    for (const player of [...this.leases.keys()]) this.dropLease(player);
  }

  /**
   * The page died with its documents (a renderer crash tells nothing per document): their
   * players stop on the device, as when a page unloads, and the bridge holds go.
   */
  pageGone(): void {
    for (const id of [...this.contexts.keys()]) this.releaseContext(id);
    this.dispose();
  }

  private reply(contextId: number, id: number, error: { code: string; message: string } | null, result: unknown): void {
    this.toInbox(contextId, 'reply', [id, error, result ?? null]);
  }

  /** Calls the inbox of one document (execution context); the arguments go as JSON. */
  private toInbox(contextId: number, method: string, args: unknown[]): void {
    const expression = `window[${JSON.stringify(this.inbox)}].${method}(...${JSON.stringify(args)})`;
    this.cdp.send('Runtime.evaluate', { expression, contextId }).catch(() => undefined);
  }

  /** The document that owns a device player id ("context.player"), and the page's own id; null if none does. */
  private ownerOf(player: string): { contextId: number; local: string } | null {
    const dot = player.indexOf('.');
    const contextId = Number(player.slice(0, dot));
    if (dot < 1 || !this.contexts.get(contextId)?.has(player)) return null;
    return { contextId, local: player.slice(dot + 1) };
  }

  /** A device player's event: into the page that owns the player; errors also as a cloud error. */
  deviceEvent(e: MediaEventParams): void {
    this.stats.events++;
    const owner = this.ownerOf(e.player);
    if (!owner) return;
    if (this.bridgeFailed.has(e.player) && e.type === 'error') return;
    if (this.leases.has(e.player)) this.lastEvents.set(e.player, e);
    this.toPage(owner.contextId, { ...e, player: owner.local });
    const info = this.players.get(e.player);
    if (info && e.type !== 'tracks') {
      const st = e.state;
      info.event = e.type;
      info.state = { paused: st.paused, ended: st.ended, currentTime: st.currentTime, duration: st.duration, volume: st.volume, muted: st.muted };
      if (STATE_EVENTS.has(e.type)) this.opts.stateChanged?.(info, e.type);
    }
    if (e.type === 'error') {
      const message = e.error?.message || `media error ${e.error?.code ?? ''}`;
      this.opts.notifyApp({ code: 'STRATUS_MEDIA_ERROR', message, source: 'player', deviceCode: String(e.error?.code ?? '') });
    }
  }

  /** A stream event the device relays: to the broadcast object's listeners in its page. */
  streamEvent(e: StreamEventParams): void {
    const owner = this.ownerOf(e.player);
    if (owner) this.toInbox(owner.contextId, 'streamEvent', [{ ...e, player: owner.local }]);
  }

  /** What the terminal's DRM agent says: to the DRM agent object that sent it messages. */
  drmEvent(e: DrmEventParams): void {
    const owner = this.ownerOf(e.player);
    if (owner) this.toInbox(owner.contextId, 'drmEvent', [{ ...e, player: owner.local }]);
  }

  /** A media event into the page's state mirror, with the page's own player id. */
  private toPage(contextId: number, event: MediaEventParams): void {
    this.toInbox(contextId, 'event', [event]);
  }

  /** The app's players, oldest first, with their last reported state. */
  playerList(): PlayerInfo[] {
    return [...this.players.values()].map((p) => structuredClone(p));
  }

  /**
   * A control client's command on one of the app's players (`player` as session.info lists it;
   * absent: the latest, of the broadcast kind for media.tune). The player's own object in the
   * page carries it out, so the app sees its object change and fire events, and the device gets
   * the command the usual way. Throws STRATUS_MEDIA_UNKNOWN_PLAYER or the object's refusal.
   */
  async control(method: ControlMediaMethod, params: { player?: string; time?: number; volume?: number; muted?: boolean; ccid?: string; lcn?: number }): Promise<{ player: string }> {
    const wanted = method === 'media.tune' ? 'broadcast' : null;
    const list = [...this.players.values()].filter((p) => p.kind !== 'drm' && (!wanted || p.kind === wanted));
    const target = params.player ? list.find((p) => p.id === params.player) : list[list.length - 1];
    const owner = target ? this.ownerOf(target.id) : null;
    if (!target || !owner) throw new StratusError('STRATUS_MEDIA_UNKNOWN_PLAYER', params.player ? params.player.slice(0, 64) : `the app has no ${wanted ?? 'media'} player`);
    if (method === 'media.tune') {
      const ch = this.opts.channels.find((c) => (params.ccid !== undefined ? c.ccid === params.ccid : c.lcn === params.lcn));
      if (!ch) throw new StratusError('STRATUS_UNKNOWN_CHANNEL', String(params.ccid ?? params.lcn ?? 'none given'));
      params = { ccid: ch.ccid };
    }
    const { player: _player, ...args } = params;
    const refused = await this.opts.controlPlayer?.(owner.contextId, owner.local, method.slice('media.'.length), args);
    if (refused === undefined) throw new StratusError('STRATUS_INTERNAL', 'no player control');
    if (refused) throw new StratusError(isErrorCode(refused.code) ? refused.code : 'STRATUS_MEDIA_ERROR', refused.message);
    return { player: target.id };
  }

  /** The page (or a frame) went away: its players stop on the device. */
  private releaseContext(contextId: number): void {
    this.opts.contextGone(contextId);
    const set = this.contexts.get(contextId);
    this.contexts.delete(contextId);
    if (!set) return;
    for (const player of set) {
      this.players.delete(player);
      this.dropLease(player);
      this.opts.request('media.release', { player, cmd: 0 }).catch(() => undefined);
    }
  }
}

const IDLE_STATE: MediaState = {
  currentTime: 0, duration: -1, paused: true, ended: false, seeking: false, readyState: 0, networkState: 3,
  volume: 1, muted: false, rate: 1, buffered: [], seekable: [], videoWidth: 0, videoHeight: 0
};

function parseCall(payload: string): PageCall {
  if (typeof payload !== 'string' || payload.length > MAX_PAYLOAD) throw new Error('payload too large');
  const v = JSON.parse(payload) as Partial<PageCall>;
  if (!v || typeof v !== 'object') throw new Error('not an object');
  if (typeof v.id !== 'number' || !Number.isSafeInteger(v.id)) throw new Error('bad id');
  const fail = (why: string): never => {
    throw Object.assign(new Error(why), { id: v.id });
  };
  if (typeof v.player !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(v.player)) fail('bad player id');
  const pageCall = v.player === PAGE && (PAGE_CALLS as readonly unknown[]).includes(v.method);
  if (typeof v.method !== 'string' || !(pageCall || (v.player !== PAGE && PAGE_METHODS.has(v.method)))) fail(`no media method ${String(v.method).slice(0, 32)}`);
  if (!v.params || typeof v.params !== 'object' || Array.isArray(v.params)) fail('params must be an object');
  return v as PageCall;
}
