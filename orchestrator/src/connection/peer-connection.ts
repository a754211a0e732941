import { isUtf8 } from 'node:buffer';
import {
  check,
  errorSpec,
  HelloParams,
  HelloResult,
  isKnownKeyCode,
  isOrchestratorMethod,
  JoinParams,
  JoinResult,
  ParamsOf,
  parseRequest,
  parseResponse,
  PROTOCOL_VERSION,
  ResumeParams,
  rpcErrorOf,
  rpcErrorResponse,
  rpcNotification,
  RpcRequest,
  rpcResult,
  StratusError,
  TO_ORCHESTRATOR,
  ToOrchestrator,
  toStratusError,
  wireMessage
} from '@stratus/protocol';
import { WebSocket, RawData } from 'ws';
import { Channel, ChannelConnection } from '../channel/channel';
import { RateLimit } from '../channel/rate-limit';
import { Config } from '../config';
import { Session } from '../session/session';
import { ControlHost, ControlMethod, runControl } from '../api/control-methods';

/** Who is on the other end of the socket, as far as the orchestrator can tell. */
export interface PeerInfo {
  ip: string | null;
}

/** What a connection needs from the orchestrator. */
export interface SessionHost extends ControlHost {
  readonly config: Config;
  openSession(hello: HelloParams, peer: PeerInfo): Promise<Session>;
  /** At once for a session of this node; a promise when the directory must be asked where it is. */
  resumeChannel(params: ResumeParams): Taken | Promise<Taken>;
  joinSession(params: JoinParams): Taken | Promise<Taken>;
  issueDeviceToken(deviceId: string, ttlSeconds: number): string;
}

type State = 'hello' | 'starting' | 'live' | 'closed';

/** How long a moved control client's connection stays open to answer requests that were on their way. */
const LINGER_MS = 1000;

/** A channel taken over by a resume or a join. */
export interface Taken {
  session: Session;
  channel: Channel;
}

/** One handler per inbound method, each given its own params type by the protocol's map. */
type Handlers = { [M in keyof ToOrchestrator]: (req: RpcRequest, params: ParamsOf<ToOrchestrator[M]>) => void };

/**
 * One WebSocket to the orchestrator, of either role: the device's (after session.hello), or a
 * control client's (after session.join); session.resume takes either back after a drop. Text
 * messages are JSON-RPC 2.0, binary ones UI frames to the device. Every inbound message is
 * size-checked, parsed and schema-checked; anything wrong gets a coded error and closes this
 * connection only. Once live, the channel's reliable link numbers, acknowledges and
 * de-duplicates the session's messages.
 */
export class PeerConnection {
  private state: State = 'hello';
  private session: Session | null = null;
  private channel: Channel | null = null;
  private onSessionClosing: ((reason: StratusError | null) => void) | null = null;
  /** The session moved off this node (a drain): late requests get this as their answer. */
  private lingering: StratusError | null = null;
  private readonly helloTimer: NodeJS.Timeout;
  /** What this socket lends its channel while it is live. */
  private readonly conn: ChannelConnection = {
    send: (text) => this.sendText(text),
    sendFrame: (m) => this.sendBinary(m),
    release: (reason) => this.release(reason)
  };
  private readonly rate: RateLimit;

  private readonly handlers: Handlers = {
    'session.hello': (req, p) => this.hello(req, p),
    'session.resume': (req, p) => this.resume(req, p),
    'session.join': (req, p) => this.join(req, p),
    'link.ack': () => undefined,
    'input.key': (_req, p) => this.key(p.code, p.action, p.seq),
    'ui.ack': (_req, p) => {
      if (!this.session?.layer.ack(p.frame, p.decodeMs, p.inputToPaintMs)) throw new StratusError('STRATUS_UNKNOWN_FRAME', `frame ${p.frame}`);
    },
    'ui.keyframe': () => this.session?.layer.requestKeyframe(),
    'session.close': (req) => this.closeSession(req),
    'session.leave': (req) => this.leave(req),
    'session.info': (req) => {
      if (this.session) this.reply(req, this.session.info());
    },
    // A device-side failure (decode, network, player): the app gets a cloud-browser error event.
    'device.error': (_req, p) =>
      void this.session?.page.notifyApp({ code: 'STRATUS_DEVICE_ERROR', message: p.message ?? `${p.source} error ${p.code}`, source: p.source, deviceCode: p.code }),
    'app.launch': (req, p) => this.control(req, 'app.launch', p),
    'app.reload': (req, p) => this.control(req, 'app.reload', p),
    'app.message': (req, p) => this.control(req, 'app.message', p),
    'media.play': (req, p) => this.control(req, 'media.play', p),
    'media.pause': (req, p) => this.control(req, 'media.pause', p),
    'media.stop': (req, p) => this.control(req, 'media.stop', p),
    'media.seek': (req, p) => this.control(req, 'media.seek', p),
    'media.volume': (req, p) => this.control(req, 'media.volume', p),
    'media.mute': (req, p) => this.control(req, 'media.mute', p),
    'media.tune': (req, p) => this.control(req, 'media.tune', p),
    'media.event': (_req, p) => this.session?.media?.deviceEvent(p),
    'media.streamevent': (_req, p) => this.session?.media?.streamEvent(p),
    'media.drmevent': (_req, p) => this.session?.media?.drmEvent(p)
  };

  constructor(
    private readonly ws: WebSocket,
    private readonly host: SessionHost,
    private readonly peer: PeerInfo = { ip: null }
  ) {
    const { handshakeTimeoutMs } = host.config.server;
    this.rate = new RateLimit(host.config.control.ratePerS, host.config.control.rateBurst);
    this.helloTimer = setTimeout(() => this.fail(new StratusError('STRATUS_HANDSHAKE_TIMEOUT')), handshakeTimeoutMs);
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('close', () => this.teardown(new StratusError('STRATUS_TRANSPORT_LOST')));
    ws.on('error', () => this.teardown(new StratusError('STRATUS_TRANSPORT_LOST')));
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.state === 'closed') {
      this.answerLate(data, isBinary);
      return;
    }
    try {
      this.handle(data, isBinary);
    } catch (err) {
      this.fail(toStratusError(err));
    }
  }

  private handle(data: RawData, isBinary: boolean): void {
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    if (size > this.host.config.server.maxMessageBytes) {
      throw new StratusError('STRATUS_MESSAGE_TOO_LARGE', `${size} bytes`);
    }
    if (isBinary) throw new StratusError('STRATUS_UNEXPECTED_BINARY');
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (!isUtf8(bytes)) {
      this.limitRate();
      throw new StratusError('STRATUS_PARSE_ERROR', 'the text message is not UTF-8');
    }
    let msg: unknown;
    try {
      msg = JSON.parse(bytes.toString('utf8'));
    } catch {
      this.limitRate();
      throw new StratusError('STRATUS_PARSE_ERROR');
    }
    const response = parseResponse(msg);
    // Answers to our own requests come at the rate we ask; everything else counts.
    if (!(response && this.channel?.calls.has(response.id))) this.limitRate();
    if (response) {
      // An answer to one of our requests, always sequenced; a late one (after its timeout) is dropped quietly.
      const channel = this.channel;
      if (!channel) throw new StratusError('STRATUS_OUT_OF_ORDER', `a response while ${this.state}`);
      if (response.seq === undefined) throw new StratusError('STRATUS_INVALID_MESSAGE', 'a response needs a seq');
      if (this.sequence(channel, response.seq, response.ack)) channel.calls.settle(response.id, response.result, response.error);
      return;
    }
    const req = parseRequest(msg);
    const channel = this.channel;
    // The link counts every sequenced message, known method or not, so numbering never gaps.
    if (channel && !this.sequence(channel, req.seq, req.ack)) return;
    const method = req.method;
    if (!isOrchestratorMethod(method)) {
      this.reply(req, undefined, new StratusError('STRATUS_UNKNOWN_METHOD', method));
      return;
    }
    const spec = TO_ORCHESTRATOR[method];
    if (spec.request !== (req.id !== undefined)) {
      throw new StratusError('STRATUS_INVALID_MESSAGE', `${method} is ${spec.request ? 'a request and needs an id' : 'a notification and takes no id'}`);
    }
    const opening = spec.roles.indexOf('handshake') >= 0;
    // Before the handshake is answered there is no channel: nothing else may come yet.
    if (opening !== (this.state === 'hello') || (!opening && !channel)) {
      throw new StratusError('STRATUS_OUT_OF_ORDER', `${method} while ${this.state}`);
    }
    if (channel && spec.sequenced !== (req.seq !== undefined)) {
      throw new StratusError('STRATUS_INVALID_MESSAGE', `${method} ${spec.sequenced ? 'needs' : 'takes no'} seq`);
    }
    if (!opening && channel && spec.roles.indexOf(channel.role) < 0) {
      this.reply(req, undefined, new StratusError('STRATUS_METHOD_NOT_ALLOWED', `${method} on a ${channel.role} channel`));
      return;
    }
    const params = req.params ?? {};
    const why = check(spec.params, params);
    if (why) throw new StratusError('STRATUS_INVALID_PARAMS', why);
    // The schema check above vouches for the handler's params type.
    (this.handlers[method] as (req: RpcRequest, params: unknown) => void)(req, params);
  }

  private limitRate(): void {
    if (!this.rate.take()) throw new StratusError('STRATUS_RATE_LIMITED', `over ${this.host.config.control.ratePerS} messages/s`);
  }

  /** Runs a sequenced message through the link: false for a duplicate, which is dropped. */
  private sequence(channel: Channel, seq: number | undefined, ack: number | undefined): boolean {
    const verdict = channel.link.receive(seq, ack);
    if (verdict === 'gap') throw new StratusError('STRATUS_OUT_OF_ORDER', `seq ${seq} after ${channel.link.received}`);
    if (verdict === 'bad-ack') throw new StratusError('STRATUS_INVALID_MESSAGE', `ack ${ack} for messages never sent`);
    return verdict === 'deliver';
  }

  private hello(req: RpcRequest, params: HelloParams): void {
    clearTimeout(this.helloTimer);
    if (params.protocol !== PROTOCOL_VERSION) {
      throw new StratusError('STRATUS_UNSUPPORTED_PROTOCOL', `device ${params.protocol}, orchestrator ${PROTOCOL_VERSION}`);
    }
    this.state = 'starting';
    this.host.openSession(params, this.peer).then(
      (session) => {
        if (this.state === 'closed') {
          void session.close();
          return;
        }
        this.adopt(req, session, session.channels.device, 0);
      },
      (err: unknown) => this.refuse(req, err)
    );
  }

  /** A device or control client comes back to its channel after a drop, within the resume grace. */
  private resume(req: RpcRequest, params: ResumeParams): void {
    clearTimeout(this.helloTimer);
    this.take(req, () => this.host.resumeChannel(params), params.ack);
  }

  /**
   * Takes the channel a resume or join names. A session of this node is taken at once, so that
   * what the peer sends right behind its handshake finds the channel live; one the directory
   * must be asked about waits for the answer (a redirect, mostly).
   */
  private take(req: RpcRequest, find: () => Taken | Promise<Taken>, peerAck: number | undefined): void {
    let found: Taken | Promise<Taken>;
    try {
      found = find();
    } catch (err) {
      this.refuse(req, err);
      return;
    }
    if (!(found instanceof Promise)) {
      this.adopt(req, found.session, found.channel, peerAck);
      return;
    }
    this.state = 'starting';
    found.then(
      (t) => {
        if (this.state !== 'closed') this.adopt(req, t.session, t.channel, peerAck);
      },
      (err: unknown) => this.refuse(req, err)
    );
  }

  /** A second client takes a control channel on a live session, with the device's credentials. */
  private join(req: RpcRequest, params: JoinParams): void {
    clearTimeout(this.helloTimer);
    this.take(req, () => this.host.joinSession(params), 0);
  }

  /**
   * Answers the handshake, then lets the link replay what the peer missed and, for the device,
   * starts the UI stream: the device knows the layer before the keyframe arrives.
   */
  private adopt(req: RpcRequest, session: Session, channel: Channel, peerAck: number | undefined): void {
    // Checked before answering: the peer must not hear success and then a refusal.
    const gap = peerAck === undefined ? null : channel.replayGap(peerAck);
    if (gap) {
      this.refuse(req, gap);
      if (channel.role === 'device') void session.close(gap);
      else session.channels.removeControl(channel, gap);
      return;
    }
    this.session = session;
    this.channel = channel;
    this.state = 'live';
    this.onSessionClosing = (reason) => this.fail(reason ?? new StratusError('STRATUS_SESSION_CLOSED'));
    session.on('closing', this.onSessionClosing);
    const result: HelloResult | JoinResult =
      channel.role === 'device'
        ? {
            sessionId: session.id,
            protocol: PROTOCOL_VERSION,
            layer: session.layerSize,
            app: session.appInfo,
            window: this.host.config.ui.window,
            resumeToken: channel.resumeToken,
            ack: channel.link.received,
            role: 'device'
          }
        : {
            sessionId: session.id,
            protocol: PROTOCOL_VERSION,
            role: 'control',
            resumeToken: channel.resumeToken,
            ack: channel.link.received,
            app: session.appInfo,
            deviceAttached: session.channels.deviceAttached
          };
    this.reply(req, result);
    session.channels.attach(channel, this.conn, peerAck);
  }

  private refuse(req: RpcRequest, err: unknown): void {
    const e = toStratusError(err);
    this.reply(req, undefined, e);
    this.fail(e);
  }

  /** A control client's session method (api/control-methods.ts), answered in sequence when it settles. */
  private control<M extends ControlMethod>(req: RpcRequest, method: M, params: ParamsOf<ToOrchestrator[M]>): void {
    const session = this.session;
    const channel = this.channel;
    if (!session || !channel) return;
    runControl(this.host, session, channel.principal, method, params).then(
      (result) => this.reply(req, result),
      (err: unknown) => this.reply(req, undefined, toStratusError(err))
    );
  }

  private key(code: number, action: 'down' | 'up', seq: number | undefined): void {
    if (!isKnownKeyCode(code)) throw new StratusError('STRATUS_INVALID_PARAMS', `params.code ${code} is not a known key`);
    const session = this.session;
    if (!session) return;
    // Only the device's keys name an input the frames report back.
    session.input.key(code, action, this.channel?.role === 'device' ? seq : undefined).catch((err) => this.fail(toStratusError(err)));
  }

  /** The device or a control client ends the session: answer, then close normally and release everything. */
  private closeSession(req: RpcRequest): void {
    this.reply(req, { closed: true });
    this.ws.close(1000, `closed by ${this.channel?.role ?? 'device'}`);
    this.teardown(null);
  }

  /** A control client leaves; the session carries on. */
  private leave(req: RpcRequest): void {
    this.reply(req, { left: true });
    const session = this.session;
    const channel = this.channel;
    this.unbind();
    this.ws.close(1000, 'left');
    this.teardown(null);
    if (session && channel) session.channels.removeControl(channel, new StratusError('STRATUS_SESSION_CLOSED', 'left'));
  }

  private sendText(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  private sendBinary(message: Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(message, { binary: true });
  }

  /**
   * Answers a request the way it came: in sequence on the channel's link, or (the handshake)
   * straight on this socket. A failed notification gets a session.error instead.
   */
  private reply(req: RpcRequest, result: unknown, err?: StratusError): void {
    if (req.id === undefined) {
      if (err) this.notifyError(err);
      return;
    }
    if (req.seq !== undefined && this.channel) {
      this.channel.reply(req.id, result, err);
      return;
    }
    this.sendText(JSON.stringify(err ? rpcErrorResponse(req.id, rpcErrorOf(err)) : rpcResult(req.id, result)));
  }

  private notifyError(err: StratusError): void {
    // The detail of an internal error stays here; the peer gets the code and the registry's words.
    if (err.code === 'STRATUS_INTERNAL') this.host.log.error({ err, role: this.channel?.role ?? 'new', session: this.session?.id }, 'internal error on a connection');
    this.sendText(JSON.stringify(rpcNotification('session.error', { code: err.code, message: wireMessage(err) })));
  }

  /** Tells the peer why, closes its socket with the code's close code, and ends its channel. */
  fail(err: StratusError): void {
    if (this.state === 'closed') return;
    this.notifyError(err);
    const close = err.close || errorSpec('STRATUS_INTERNAL').close;
    if (err.code === 'STRATUS_NODE_DRAINING' && this.channel?.role === 'control' && this.ws.readyState === WebSocket.OPEN) {
      // A control client's session moves: requests already on their way (sent before it heard
      // why) are answered with the reason, not dropped, until it closes or the linger ends.
      this.lingering = err;
      const ws = this.ws;
      setTimeout(() => {
        if (ws.readyState === WebSocket.OPEN) ws.close(close, err.code);
      }, LINGER_MS).unref();
    } else if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(close, err.code);
    this.teardown(err);
  }

  /** After the session moved (fail): a request that was on its way gets the reason as its answer. */
  private answerLate(data: RawData, isBinary: boolean): void {
    const err = this.lingering;
    if (!err || isBinary) return;
    try {
      const msg = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : String(data)) as { id?: unknown; method?: unknown };
      if ((typeof msg.id === 'number' || typeof msg.id === 'string') && typeof msg.method === 'string') this.sendText(JSON.stringify(rpcErrorResponse(msg.id, rpcErrorOf(err))));
    } catch {
      // Not JSON: nothing to answer.
    }
  }

  /**
   * Ends this connection. A lost transport only detaches the channel, which then waits for a
   * resume. Any other reason ends the channel: for the device that closes the session (a
   * protocol error, its session.close); a control channel just leaves.
   */
  private teardown(reason: StratusError | null): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    const channel = this.channel;
    const session = this.unbind();
    if (!session || !channel) return;
    if (reason?.code === 'STRATUS_TRANSPORT_LOST') session.channels.detach(channel, this.conn);
    else if (channel.role === 'device' || reason === null) void session.close(reason);
    else session.channels.removeControl(channel, reason);
  }

  /** Another connection took the channel over, or the channel ended: end this one, leave the session alone. */
  private release(reason: StratusError): void {
    this.unbind();
    this.fail(reason);
  }

  /** Lets go of the session (and stops listening to it); returns what it held. */
  private unbind(): Session | null {
    const session = this.session;
    this.session = null;
    this.channel = null;
    if (session && this.onSessionClosing) session.off('closing', this.onSessionClosing);
    return session;
  }
}
