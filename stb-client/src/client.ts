import {
  AppKeyset,
  DeviceErrorParams,
  DeviceInfo,
  DrmEventParams,
  ERRORS,
  errorCodeOf,
  HelloResult,
  isErrorCode,
  JoinResult,
  LINK_ACK_METHOD,
  LinkTimers,
  MediaCapabilities,
  MediaEventParams,
  PROTOCOL_VERSION,
  ReliableLink,
  rpcError,
  rpcErrorResponse,
  RpcErrorObject,
  rpcResult,
  StreamEventParams,
  keysetTakes,
  VK
} from '@stratus/protocol/device';
import { now } from './clock';
import { notification, request } from './device-messages';
import { ClientStats, newClientStats, pushSample as push } from './client-stats';
import { KeyTiming } from './key-timing';
import { KEY_EXIT } from './keymap';
import { AppliedFrame, Display } from './display';
import { decodedEncodings } from './decoders/index';
import { MediaHost } from './media/media-host';
import { answerRequest } from './device-requests';
import { ReconnectPolicy } from './reconnect';
import { Transport } from './transport';

export interface ClientOptions {
  screen: { width: number; height: number };
  token: string;
  app?: string;
  model?: string;
  /** What the box decodes; the cloud page's canPlayType answers from it. */
  media?: MediaCapabilities;
  /** UI rectangle encodings to announce; by default every one this build decodes. */
  encodings?: string[];
  /**
   * Broadcast-related deployment: no session (and no cloud resources) until the viewer presses
   * RED; the device shows its own prompt meanwhile, and comes back to it when the app ends.
   */
  autostart?: boolean;
}

/** How long the device shows why an app ended before it returns to its idle state. */
var APP_ENDED_SHOW_MS = 4000;

/** Closes that end the app (not the connection): the device shows why, then goes idle. */
function endsApp(code: number): boolean {
  return code === ERRORS.STRATUS_APP_EXITED.close || code === ERRORS.STRATUS_APP_LOAD_FAILED.close;
}

/** Redirects followed in a row before the device waits (back-off) instead: nodes that disagree. */
var MAX_REDIRECTS = 3;

var BROWSER_TIMERS: LinkTimers = {
  set: function (fn, ms) {
    return setTimeout(fn, ms);
  },
  clear: function (handle) {
    clearTimeout(handle as number);
  }
};

/**
 * The device end of one session: says hello, feeds UI frames to the display and acknowledges them
 * once painted, and sends remote-control keys. One instance per connection.
 */
export class StratusClient {
  session: HelloResult | null = null;
  stats: ClientStats = newClientStats();
  onstatus: ((status: string) => void) | null = null;
  onpainted: ((f: AppliedFrame) => void) | null = null;
  /** The video plane's players; boot() sets it. Without it media requests are refused. */
  media: MediaHost | null = null;
  private keySeq = 0;
  private keyTiming = new KeyTiming();
  private rpcId = 0;
  private transport: Transport | null = null;
  /** The socket is open (the session may not be live on it yet). */
  connected = false;
  /** The session is live on this connection: hello or resume answered. */
  live = false;
  private closedByUs = false;
  private retryTimer: number | null = null;
  /**
   * The session's reliable link: keys, events, errors and answers are numbered and kept until the
   * orchestrator acknowledges them, so a drop loses none and a replay applies none twice.
   */
  link = new ReliableLink(BROWSER_TIMERS);
  /** Where the last handshake was redirected to (STRATUS_REDIRECT), for the next connection. */
  private redirect: { url: string; ticket: string | undefined } | null = null;
  /** The redirect ticket the hello on this connection carries. */
  private ticket: string | undefined = undefined;
  /** Redirects followed since the session was last live. */
  private redirects = 0;
  /** The id of the hello or resume in flight on this connection. */
  private handshakeId = -1;
  private resume: { sessionId: string; resumeToken: string } | null = null;
  /** The last resume was refused: the next connection says hello instead. */
  private startFresh = false;
  private reconnectStartedAt = -1;
  /** What the device last said on its screen (onstatus may be set after the constructor spoke). */
  lastStatus = 'connecting';
  /** No session: waiting for RED (autostart), or back from an app that ended. */
  idle = false;
  private idleTimer: number | null = null;
  /** The cloud app's HbbTV keyset (app.keyset); null: it set none, and takes every key. */
  keyset: AppKeyset | null = null;
  /** Hears the app's keyset change (null: back to every key), to register it with a terminal. */
  onkeyset: ((k: AppKeyset | null) => void) | null = null;

  constructor(
    private connect: (url?: string) => Transport,
    private display: Display,
    private opts: ClientOptions,
    private reconnect: ReconnectPolicy = new ReconnectPolicy()
  ) {
    var self = this;
    display.onapplied = function (f) {
      self.onApplied(f);
    };
    display.onbroken = function (reason) {
      self.stats.keyframeRequests++;
      self.link.sendUnsequenced(notification('ui.keyframe', { reason: reason, code: 'STRATUS_TILE_DECODE_FAILED' }));
      self.reportError('decode', 'TILE_DECODE_FAILED', reason);
    };
    if (opts.autostart) this.goIdle();
    else this.open();
  }

  /** Back to the idle state: no session, a clear screen, the device's own prompt. */
  private goIdle(): void {
    this.idle = true;
    this.session = null;
    this.resume = null;
    this.link.close();
    this.link = new ReliableLink(BROWSER_TIMERS);
    this.setKeyset(null);
    this.releaseMedia();
    this.display.clear();
    this.status('press RED');
  }

  /** The viewer pressed RED: a new session with the app. */
  private start(): void {
    this.idle = false;
    this.closedByUs = false;
    this.startFresh = false;
    this.open();
  }

  /** One connection attempt: resume the session if there is one, otherwise say hello. */
  private open(): void {
    var self = this;
    // A redirect is for the next connection only: later ones go through the usual address (the
    // load balancer), which sends them on to wherever the session is then.
    var redirect = this.redirect;
    this.redirect = null;
    this.ticket = redirect ? redirect.ticket : undefined;
    var t = this.connect(redirect ? redirect.url : undefined);
    this.transport = t;
    t.onopen = function () {
      self.connected = true;
      self.display.reset();
      if (self.resume) {
        self.status('resuming');
        self.handshakeId = ++self.rpcId;
        t.send(
          JSON.stringify(
            request(self.handshakeId, 'session.resume', {
              sessionId: self.resume.sessionId,
              resumeToken: self.resume.resumeToken,
              ack: self.link.received
            })
          )
        );
      } else {
        self.status('connected');
        self.hello();
      }
    };
    t.ontext = function (text) {
      self.onText(text);
    };
    t.onbinary = function (data) {
      self.stats.uiBytes += data.byteLength;
      self.display.push(data);
    };
    t.onclose = function (code, reason) {
      if (self.transport !== t) return;
      self.connected = false;
      self.live = false;
      self.link.detach();
      if (code === ERRORS.STRATUS_NODE_DRAINING.close && !self.closedByUs && self.session) {
        // The node drains: the session ends there, and a new one starts on another node at once.
        // The video keeps playing meanwhile (carried over until the new app plays its own). A
        // hello a draining node refused is retried with back-off, as any other.
        self.dropSession();
        if (self.media) self.media.carryOver();
        self.stats.moves++;
        self.open();
        return;
      }
      if (self.redirect && !self.closedByUs) {
        // Sent to another node: go there now. A node that keeps redirecting gets the back-off.
        self.redirects++;
        if (self.redirects <= MAX_REDIRECTS) self.open();
        else self.scheduleReconnect();
        return;
      }
      if (self.startFresh && !self.closedByUs) {
        // The session is gone (its node died, or it expired): a new one starts at once, and the
        // video plays on meanwhile; the new app is told what plays (hello `carried`).
        self.startFresh = false;
        if (self.media) self.media.carryOver();
        self.open();
        return;
      }
      if (self.closedByUs || !self.reconnect.retries(code)) {
        // The session is over: its video stops with it. A mere drop keeps playing through the resume.
        self.releaseMedia();
        self.status('disconnected (' + code + (reason ? ' ' + reason : '') + ')');
        if (!self.closedByUs && endsApp(code)) {
          // The app ended or could not start: say so for a moment, then wait for the viewer.
          self.idleTimer = setTimeout(function () {
            self.idleTimer = null;
            self.goIdle();
          }, APP_ENDED_SHOW_MS);
        }
        return;
      }
      self.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    var self = this;
    var delay = this.reconnect.nextDelay();
    this.status('reconnecting');
    this.retryTimer = setTimeout(function () {
      self.retryTimer = null;
      self.stats.reconnects++;
      self.reconnectStartedAt = now();
      self.open();
    }, delay) as unknown as number;
  }

  private hello(): void {
    this.handshakeId = ++this.rpcId;
    // Options left undefined are dropped by JSON.stringify, as absent members.
    var hello = request(this.handshakeId, 'session.hello', {
      protocol: PROTOCOL_VERSION,
      screen: this.opts.screen,
      app: this.opts.app,
      model: this.opts.model,
      token: this.opts.token,
      encodings: this.opts.encodings || decodedEncodings(),
      tileCache: this.display.tileSlots > 0 ? this.display.tileSlots : undefined,
      media: this.opts.media,
      ticket: this.ticket,
      carried: this.media && this.media.carriedCount > 0 ? this.media.carriedState() : undefined
    });
    if (this.transport) this.transport.send(JSON.stringify(hello));
  }

  /**
   * Sends a remote-control key. Returns its input seq, or -1 for a key the app's keyset leaves
   * to the TV. While disconnected it is kept and goes out
   * with the replay after the resume, so no key is lost or applied twice.
   */
  sendKey(code: number, action: 'down' | 'up'): number {
    if (code === KEY_EXIT) {
      if (action === 'down') this.exitApp();
      return -1;
    }
    if (this.idle || this.idleTimer !== null) {
      // No app: RED starts one (the device keeps the key), anything else is the TV's.
      if (code === VK.VK_RED && action === 'down') {
        if (this.idleTimer !== null) clearTimeout(this.idleTimer);
        this.idleTimer = null;
        this.start();
      }
      return -1;
    }
    // The app's keyset leaves it out: the key is the TV's (a terminal would not even deliver it).
    if (!this.takesKey(code)) {
      this.stats.keysKeptForTv++;
      return -1;
    }
    var seq = ++this.keySeq;
    if (action === 'down') this.keyTiming.keySent(seq);
    this.stats.keysSent++;
    this.link.send(notification('input.key', { code: code, action: action, seq: seq }));
    return seq;
  }

  /** Whether the cloud app takes this key; the others stay with the TV and are not sent. */
  takesKey(code: number): boolean {
    return keysetTakes(this.keyset, code);
  }

  private setKeyset(k: AppKeyset | null): void {
    this.keyset = k;
    if (this.onkeyset) this.onkeyset(k);
  }

  /**
   * EXIT: the app ends, as a terminal ends it, and the device goes back to its prompt at once
   * (autostart or not). The session closes for good; the next RED starts a new one.
   */
  exitApp(): void {
    if (this.idle) return;
    var t = this.transport;
    this.close();
    // Its close is no longer news: the device is idle already. session.close goes out before it.
    this.transport = null;
    this.connected = false;
    this.live = false;
    if (t) t.close(1000, 'exit');
    this.goIdle();
  }

  /** Ends the session for good. */
  close(): void {
    this.closedByUs = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.transport) {
      if (this.live) this.link.send(request(++this.rpcId, 'session.close', { reason: 'device closed' }));
      else this.transport.close(1000, 'bye');
    }
  }

  /**
   * Tells the orchestrator about a failure on the device; the app gets it as an error event. One
   * from a drop goes out after the resume.
   */
  reportError(source: DeviceErrorParams['source'], code: string, message: string): void {
    this.link.send(notification('device.error', { source: source, code: code.slice(0, 64), message: message.slice(0, 500) }));
  }

  /** A device media player's event, for the cloud page's state mirror; kept through a drop. */
  mediaEvent(e: MediaEventParams): void {
    this.link.send(notification('media.event', e));
  }

  /** A stream event for a broadcast player's subscription (media/stream-events.ts, broadcast-tuner.ts). */
  streamEvent(e: StreamEventParams): void {
    this.link.send(notification('media.streamevent', e));
  }

  /** What the terminal's DRM agent tells a cloud DRM agent (media/drm-relay.ts). */
  drmEvent(e: DrmEventParams): void {
    this.link.send(notification('media.drmevent', e));
  }

  private releaseMedia(): void {
    if (this.media) this.media.releaseAll();
  }

  /** UI frames received and not yet painted. */
  get framesPending(): number {
    return this.display.pending;
  }

  /**
   * Drops the connection as a network fault would (the emulator's and the tests' "pull the
   * cable"). False when there is no open socket to drop.
   */
  dropConnection(): boolean {
    if (!this.transport || !this.connected) return false;
    // As the cable goes: nothing more leaves, though the socket's close event comes later.
    this.connected = false;
    this.live = false;
    this.link.detach();
    this.transport.close(4999, 'simulated drop');
    return true;
  }

  private onApplied(f: AppliedFrame): void {
    var inputToPaintMs: number | undefined;
    if (f.painted) {
      this.stats.framesPainted++;
      if (f.header.keyframe && this.reconnectStartedAt >= 0 && this.live) {
        push(this.stats.resumeToKeyframeMs, now() - this.reconnectStartedAt);
        this.reconnectStartedAt = -1;
      }
      push(this.stats.decodeMs, f.decodeMs);
      var times = this.keyTiming.painted(f.header.inputSeq);
      if (times.length > 0) inputToPaintMs = times[0];
      for (var i = 0; i < times.length; i++) push(this.stats.inputToPaintMs, times[i]);
    } else {
      this.stats.framesDropped++;
    }
    var ack: { frame: number; decodeMs: number; inputToPaintMs?: number } = {
      frame: f.header.frame,
      decodeMs: Math.round(f.decodeMs * 100) / 100
    };
    if (inputToPaintMs !== undefined) ack.inputToPaintMs = Math.round(inputToPaintMs * 100) / 100;
    // Connection-scoped: an ack means nothing on another socket, so it is not kept for a replay.
    this.link.sendUnsequenced(notification('ui.ack', ack));
    if (this.onpainted) this.onpainted(f);
  }

  private onText(text: string): void {
    var msg: {
      id?: number | string;
      seq?: number;
      ack?: number;
      result?: HelloResult | JoinResult;
      error?: RpcErrorObject;
      method?: string;
      params?: { code: string; message: string };
    };
    var raw: { params?: unknown };
    try {
      msg = JSON.parse(text);
      raw = msg;
    } catch (e) {
      this.status('protocol error');
      return;
    }
    var verdict = this.link.receive(typeof msg.seq === 'number' ? msg.seq : undefined, typeof msg.ack === 'number' ? msg.ack : undefined);
    if (verdict === 'duplicate') return;
    if (verdict !== 'deliver') {
      // The numbering broke: no replay can mend this session, so the box starts a new one
      // rather than leave the viewer with a dead screen.
      this.stats.lastError = { code: 'STRATUS_OUT_OF_ORDER', message: 'link ' + verdict };
      this.status('protocol error');
      this.startOver();
      return;
    }
    if (msg.method === LINK_ACK_METHOD) return;
    if (msg.method && msg.id !== undefined) {
      this.answer(msg.id, msg.method, raw.params);
      return;
    }
    if (msg.method === 'app.keyset' && raw.params) {
      var k = raw.params as AppKeyset & { unset?: boolean };
      // A new app in the cloud page has set no keyset yet: every key is its again.
      this.setKeyset(k.unset ? null : { value: k.value, otherKeys: k.otherKeys.slice() });
      return;
    }
    if (msg.method === 'session.reloaded') {
      // The app starts afresh in the same session: it has set no keyset yet. Its picture follows
      // as a keyframe; the connection and the TV's own video are untouched.
      this.stats.appReloads++;
      this.setKeyset(null);
      return;
    }
    if (msg.method === 'session.error' && msg.params) {
      this.stats.lastError = { code: msg.params.code, message: msg.params.message };
      this.status('error ' + msg.params.code);
      return;
    }
    // Only the handshake's answer matters here; the answer to session.close precedes the close.
    if (msg.id === undefined || msg.id !== this.handshakeId) return;
    this.handshakeId = -1;
    if (msg.result) {
      // The device only ever says hello or resumes its own channel: the answer is a device's.
      var r = msg.result as HelloResult;
      if (!this.link.attach(this.sender(), r.ack)) {
        // What we sent during the drop is no longer kept: this session cannot be mended.
        this.startOver();
        return;
      }
      // A new session's app has set no keyset yet.
      if (!this.session || this.session.sessionId !== r.sessionId) this.setKeyset(null);
      this.session = r;
      this.resume = { sessionId: r.sessionId, resumeToken: r.resumeToken };
      this.reconnect.reset();
      this.redirects = 0;
      this.display.resize(r.layer.width, r.layer.height);
      this.live = true;
      this.status('live');
      return;
    }
    if (msg.error) {
      var code = errorCodeOf(msg.error);
      var redirect = msg.error.data && msg.error.data.redirect;
      if (code === 'STRATUS_REDIRECT' && redirect && typeof redirect.url === 'string' && /^wss?:\/\//.test(redirect.url)) {
        // The node closes this connection next; the close opens the one to the other node.
        this.redirect = { url: redirect.url, ticket: typeof redirect.ticket === 'string' ? redirect.ticket : undefined };
        return;
      }
      if (this.resume && (code === 'STRATUS_UNKNOWN_SESSION' || code === 'STRATUS_AUTH_INVALID' || code === 'STRATUS_REPLAY_GAP')) {
        // The session is gone (its grace ran out, the orchestrator restarted, or the replay is
        // impossible): start a new one.
        this.startOver();
        return;
      }
      this.stats.lastError = { code: code, message: msg.error.message };
      this.status('error ' + code);
    }
  }

  /** Forgets the session: the next connection says hello. */
  private dropSession(): void {
    this.resume = null;
    this.session = null;
    this.link.close();
    this.link = new ReliableLink(BROWSER_TIMERS);
  }

  /** Drops the session and opens a new one on the next connection. */
  private startOver(): void {
    this.dropSession();
    this.startFresh = true;
    if (this.transport) this.transport.close(1000, 'starting over');
  }

  /** Writes to the current connection, whichever it is when the link sends. */
  private sender(): (text: string) => void {
    var self = this;
    return function (text) {
      if (self.transport && self.connected) self.transport.send(text);
    };
  }

  /**
   * Answers a cloud-to-device request, in sequence; media requests may answer later. An answer
   * made during a drop goes out with the replay, unless the session was replaced meanwhile.
   */
  private answer(id: number | string, method: string, params: unknown): void {
    var self = this;
    var link = this.link;
    var handled = this.stats.requestsHandled;
    handled[method] = (handled[method] || 0) + 1;
    answerRequest(this.media, method, params, this.deviceInfo(), function (err, result) {
      if (self.link !== link) return;
      link.send(err ? rpcErrorResponse(id, rpcError(isErrorCode(err.code) ? err.code : 'STRATUS_INTERNAL', err.message)) : rpcResult(id, result));
    });
  }

  private deviceInfo(): DeviceInfo {
    return { screen: this.opts.screen, model: this.opts.model || 'unknown', framesPainted: this.stats.framesPainted, uiBytes: this.stats.uiBytes };
  }


  private status(s: string): void {
    this.lastStatus = s;
    if (this.onstatus) this.onstatus(s);
  }
}
