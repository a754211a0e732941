import {
  DeviceInfo,
  errorSpec,
  HelloResult,
  isErrorCode,
  LINK_ACK_METHOD,
  LinkTimers,
  MediaCapabilities,
  MediaEventParams,
  PROTOCOL_VERSION,
  ReliableLink
} from '@stratus/protocol';
import { now } from './clock';
import { AppliedFrame, Display } from './display';
import { MediaHost } from './media/media-host';
import { Transport } from './transport';

export interface ClientOptions {
  screen: { width: number; height: number };
  token: string;
  app?: string;
  model?: string;
  /** What the box decodes; the cloud page's canPlayType answers from it. */
  media?: MediaCapabilities;
}

/** What the client has measured; the emulator's overlay and the tests read it. */
export interface ClientStats {
  framesPainted: number;
  framesDropped: number;
  uiBytes: number;
  keysSent: number;
  keyframeRequests: number;
  reconnects: number;
  /** Key-to-paint samples, in ms, for keys whose effect has been painted. */
  inputToPaintMs: number[];
  decodeMs: number[];
  /** From starting a reconnect attempt to painting the keyframe of the resumed session. */
  resumeToKeyframeMs: number[];
  /** Cloud requests handled, by method: each exactly once, however often the link drops. */
  requestsHandled: { [method: string]: number };
  lastError: { code: string; message: string } | null;
}

var MAX_SAMPLES = 1000;
var BACKOFF_FIRST_MS = 250;
var BACKOFF_MAX_MS = 8000;

/**
 * Close codes after which reconnecting cannot help: the device's own close, an ended session,
 * refused credentials, or a protocol error that would only repeat.
 */
var FINAL_CLOSE_CODES: { [code: number]: boolean } = {
  1000: true, 4002: true, 4003: true, 4004: true, 4400: true, 4401: true, 4403: true, 4404: true, 4409: true, 4413: true, 4426: true, 4429: true
};

var BROWSER_TIMERS: LinkTimers = {
  set: function (fn, ms) {
    return setTimeout(fn, ms);
  },
  clear: function (handle) {
    clearTimeout(handle as number);
  }
};

function push(list: number[], v: number): void {
  list.push(v);
  if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
}

/**
 * The device end of one session: says hello, feeds UI frames to the display and acknowledges them
 * once painted, and sends remote-control keys. One instance per connection.
 */
export class StratusClient {
  session: HelloResult | null = null;
  stats: ClientStats = {
    framesPainted: 0,
    framesDropped: 0,
    uiBytes: 0,
    keysSent: 0,
    keyframeRequests: 0,
    reconnects: 0,
    inputToPaintMs: [],
    decodeMs: [],
    resumeToKeyframeMs: [],
    requestsHandled: {},
    lastError: null
  };
  onstatus: ((status: string) => void) | null = null;
  onpainted: ((f: AppliedFrame) => void) | null = null;
  /** The video plane's players; boot() sets it. Without it media requests are refused. */
  media: MediaHost | null = null;
  private keySeq = 0;
  /** Send times of key-downs not yet seen painted, by seq. */
  private keyTimes: { [seq: number]: number } = {};
  private paintedSeq = 0;
  private rpcId = 0;
  private transport: Transport | null = null;
  /** The socket is open (the session may not be live on it yet). */
  connected = false;
  /** The session is live on this connection: hello or resume answered. */
  live = false;
  private closedByUs = false;
  private attempt = 0;
  private retryTimer: number | null = null;
  /**
   * The session's reliable link: keys, events, errors and answers are numbered and kept until the
   * orchestrator acknowledges them, so a drop loses none and a replay applies none twice.
   */
  link = new ReliableLink(BROWSER_TIMERS);
  /** The id of the hello or resume in flight on this connection. */
  private handshakeId = -1;
  private resume: { sessionId: string; resumeToken: string } | null = null;
  /** The last resume was refused: the next connection says hello instead. */
  private startFresh = false;
  private reconnectStartedAt = -1;

  constructor(
    private connect: () => Transport,
    private display: Display,
    private opts: ClientOptions
  ) {
    var self = this;
    display.onapplied = function (f) {
      self.onApplied(f);
    };
    display.onbroken = function (reason) {
      self.stats.keyframeRequests++;
      self.notify('ui.keyframe', { reason: reason, code: 'STRATUS_TILE_DECODE_FAILED' });
      self.reportError('decode', 'TILE_DECODE_FAILED', reason);
    };
    this.open();
  }

  /** One connection attempt: resume the session if there is one, otherwise say hello. */
  private open(): void {
    var self = this;
    var t = this.connect();
    this.transport = t;
    t.onopen = function () {
      self.connected = true;
      self.display.reset();
      if (self.resume) {
        self.status('resuming');
        self.handshakeId = self.request('session.resume', {
          sessionId: self.resume.sessionId,
          resumeToken: self.resume.resumeToken,
          ack: self.link.received
        });
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
      if (self.startFresh && !self.closedByUs) {
        self.startFresh = false;
        self.releaseMedia();
        self.open();
        return;
      }
      if (self.closedByUs || FINAL_CLOSE_CODES[code]) {
        // The session is over: its video stops with it. A mere drop keeps playing through the resume.
        self.releaseMedia();
        self.status('disconnected (' + code + (reason ? ' ' + reason : '') + ')');
        return;
      }
      self.scheduleReconnect();
    };
  }

  /** Exponential back-off with jitter, so a fleet of boxes does not reconnect in lockstep. */
  private scheduleReconnect(): void {
    var self = this;
    var base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * Math.pow(2, this.attempt));
    var delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.attempt++;
    this.status('reconnecting');
    this.retryTimer = setTimeout(function () {
      self.retryTimer = null;
      self.stats.reconnects++;
      self.reconnectStartedAt = now();
      self.open();
    }, delay) as unknown as number;
  }

  private hello(): void {
    this.handshakeId = this.request('session.hello', {
      protocol: PROTOCOL_VERSION,
      screen: this.opts.screen,
      app: this.opts.app,
      model: this.opts.model,
      token: this.opts.token,
      encodings: ['png'],
      media: this.opts.media
    });
  }

  /**
   * Sends a remote-control key. Returns its input seq. While disconnected it is kept and goes out
   * with the replay after the resume, so no key is lost or applied twice.
   */
  sendKey(code: number, action: 'down' | 'up'): number {
    var seq = ++this.keySeq;
    if (action === 'down') this.keyTimes[seq] = now();
    this.stats.keysSent++;
    this.link.send({ jsonrpc: '2.0', method: 'input.key', params: { code: code, action: action, seq: seq } });
    return seq;
  }

  /** Ends the session for good. */
  close(): void {
    this.closedByUs = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.transport) {
      if (this.live) this.link.send({ jsonrpc: '2.0', id: ++this.rpcId, method: 'session.close', params: { reason: 'device closed' } });
      else this.transport.close(1000, 'bye');
    }
  }

  /**
   * Tells the orchestrator about a failure on the device; the app gets it as an error event. One
   * from a drop goes out after the resume.
   */
  reportError(source: 'decode' | 'network' | 'player' | 'client', code: string, message: string): void {
    this.link.send({ jsonrpc: '2.0', method: 'device.error', params: { source: source, code: code.slice(0, 64), message: message.slice(0, 500) } });
  }

  /** A device media player's event, for the cloud page's state mirror; kept through a drop. */
  mediaEvent(e: MediaEventParams): void {
    this.link.send({ jsonrpc: '2.0', method: 'media.event', params: e });
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
      var t = now();
      // Every key this frame is the first to include has now been painted.
      for (var s = this.paintedSeq + 1; s <= f.header.inputSeq; s++) {
        if (this.keyTimes[s] !== undefined) {
          var ms = t - this.keyTimes[s];
          if (inputToPaintMs === undefined) inputToPaintMs = ms;
          push(this.stats.inputToPaintMs, ms);
          delete this.keyTimes[s];
        }
      }
      if (f.header.inputSeq > this.paintedSeq) this.paintedSeq = f.header.inputSeq;
    } else {
      this.stats.framesDropped++;
    }
    var ack: { frame: number; decodeMs: number; inputToPaintMs?: number } = {
      frame: f.header.frame,
      decodeMs: Math.round(f.decodeMs * 100) / 100
    };
    if (inputToPaintMs !== undefined) ack.inputToPaintMs = Math.round(inputToPaintMs * 100) / 100;
    this.notify('ui.ack', ack);
    if (this.onpainted) this.onpainted(f);
  }

  private onText(text: string): void {
    var msg: {
      id?: number | string;
      seq?: number;
      ack?: number;
      result?: HelloResult;
      error?: { message: string; data?: { code: string } };
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
    if (msg.method === 'session.error' && msg.params) {
      this.stats.lastError = { code: msg.params.code, message: msg.params.message };
      this.status('error ' + msg.params.code);
      return;
    }
    // Only the handshake's answer matters here; the answer to session.close precedes the close.
    if (msg.id === undefined || msg.id !== this.handshakeId) return;
    this.handshakeId = -1;
    if (msg.result) {
      var r = msg.result;
      if (!this.link.attach(this.sender(), r.ack)) {
        // What we sent during the drop is no longer kept: this session cannot be mended.
        this.startOver();
        return;
      }
      this.session = r;
      this.resume = { sessionId: r.sessionId, resumeToken: r.resumeToken };
      this.attempt = 0;
      this.display.resize(r.layer.width, r.layer.height);
      this.live = true;
      this.status('live');
      return;
    }
    if (msg.error) {
      var code = msg.error.data ? msg.error.data.code : 'STRATUS_INTERNAL';
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

  /** Drops the session and opens a new one on the next connection. */
  private startOver(): void {
    this.resume = null;
    this.session = null;
    this.link.close();
    this.link = new ReliableLink(BROWSER_TIMERS);
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
    function respond(body: { [key: string]: unknown }): void {
      if (self.link !== link) return;
      body.jsonrpc = '2.0';
      body.id = id;
      link.send(body);
    }
    if (this.media && this.media.handle(method, params, function (err, result) {
      if (err) {
        var rpc = isErrorCode(err.code) ? errorSpec(err.code).rpc : -32603;
        respond({ error: { code: rpc, message: err.message, data: { code: err.code } } });
      } else {
        respond({ result: result || {} });
      }
    })) {
      return;
    }
    if (method === 'device.info') {
      var info: DeviceInfo = {
        screen: this.opts.screen,
        model: this.opts.model || 'unknown',
        framesPainted: this.stats.framesPainted,
        uiBytes: this.stats.uiBytes
      };
      respond({ result: info });
      return;
    }
    respond({ error: { code: -32601, message: 'No such method: ' + method, data: { code: 'STRATUS_UNKNOWN_METHOD' } } });
  }

  /** A handshake request, unsequenced: it belongs to this connection. Returns its id. */
  private request(method: string, params: object): number {
    var id = ++this.rpcId;
    if (this.transport) this.transport.send(JSON.stringify({ jsonrpc: '2.0', id: id, method: method, params: params }));
    return id;
  }

  /** A connection-scoped notification (UI acks, keyframe requests): not kept for a replay. */
  private notify(method: string, params: object): void {
    this.link.sendUnsequenced({ jsonrpc: '2.0', method: method, params: params });
  }

  private status(s: string): void {
    if (this.onstatus) this.onstatus(s);
  }
}
