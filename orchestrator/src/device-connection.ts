import {
  AckParams,
  DEVICE_METHODS,
  DeviceErrorParams,
  errorSpec,
  HelloParams,
  HelloResult,
  isKnownKeyCode,
  JoinParams,
  JoinResult,
  KeyParams,
  MediaEventParams,
  PROTOCOL_VERSION,
  ResumeParams,
  RpcRequest,
  SERVER_METHODS,
  check
} from '@stratus/protocol';
import { WebSocket, RawData } from 'ws';
import { Config } from './config';
import { isStratusError, StratusError } from './errors';
import { Session } from './session';
import { Channel, ChannelConnection, rpcError } from './control/channel';
import { RateLimit } from './control/rate-limit';

/** Who is on the other end of the socket, as far as the orchestrator can tell. */
export interface PeerInfo {
  ip: string | null;
}

/** What a device connection needs from the orchestrator. */
export interface SessionHost {
  readonly config: Config;
  openSession(hello: HelloParams, peer: PeerInfo): Promise<Session>;
  resumeChannel(params: ResumeParams): { session: Session; channel: Channel };
  joinSession(params: JoinParams): { session: Session; channel: Channel };
  issueDeviceToken(deviceId: string, ttlSeconds: number): string;
}

type State = 'hello' | 'starting' | 'live' | 'closed';

/**
 * One WebSocket to the orchestrator: the device's (after session.hello), or a control client's
 * (after session.join); session.resume takes either back after a drop. Text messages are JSON-RPC
 * 2.0, binary ones UI frames to the device. Every inbound message is size-checked, parsed and
 * schema-checked; anything wrong gets a coded error and closes this connection only. Once live,
 * the channel's reliable link numbers, acknowledges and de-duplicates the session's messages.
 */
export class DeviceConnection {
  private state: State = 'hello';
  private session: Session | null = null;
  private channel: Channel | null = null;
  private onSessionClosing: ((reason: StratusError | null) => void) | null = null;
  private readonly helloTimer: NodeJS.Timeout;
  /** What this socket lends its channel while it is live. */
  private readonly conn: ChannelConnection = {
    send: (text) => this.sendText(text),
    sendFrame: (m) => this.sendBinary(m),
    release: (reason) => this.release(reason)
  };
  private readonly rate: RateLimit;

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
    if (this.state === 'closed') return;
    try {
      this.handle(data, isBinary);
    } catch (err) {
      this.fail(isStratusError(err) ? err : new StratusError('STRATUS_INTERNAL', String(err)));
    }
  }

  private handle(data: RawData, isBinary: boolean): void {
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
    if (size > this.host.config.server.maxMessageBytes) {
      throw new StratusError('STRATUS_MESSAGE_TOO_LARGE', `${size} bytes`);
    }
    if (isBinary) throw new StratusError('STRATUS_UNEXPECTED_BINARY');
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      this.limitRate();
      throw new StratusError('STRATUS_PARSE_ERROR');
    }
    const response = isResponse(msg) ? msg : null;
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
    const req = envelope(msg);
    const channel = this.channel;
    // The link counts every sequenced message, known method or not, so numbering never gaps.
    if (channel && !this.sequence(channel, req.seq, req.ack)) return;
    const spec = Object.prototype.hasOwnProperty.call(DEVICE_METHODS, req.method) ? DEVICE_METHODS[req.method] : undefined;
    if (!spec) {
      this.reply(req, undefined, new StratusError('STRATUS_UNKNOWN_METHOD', req.method));
      return;
    }
    if (spec.request !== (req.id !== undefined)) {
      throw new StratusError('STRATUS_INVALID_MESSAGE', `${req.method} is ${spec.request ? 'a request and needs an id' : 'a notification and takes no id'}`);
    }
    const opening = spec.roles.indexOf('handshake') >= 0;
    // Before the handshake is answered there is no channel: nothing else may come yet.
    if (opening !== (this.state === 'hello') || (!opening && !channel)) {
      throw new StratusError('STRATUS_OUT_OF_ORDER', `${req.method} while ${this.state}`);
    }
    if (channel && spec.sequenced !== (req.seq !== undefined)) {
      throw new StratusError('STRATUS_INVALID_MESSAGE', `${req.method} ${spec.sequenced ? 'needs' : 'takes no'} seq`);
    }
    if (!opening && channel && spec.roles.indexOf(channel.role) < 0) {
      this.reply(req, undefined, new StratusError('STRATUS_METHOD_NOT_ALLOWED', `${req.method} on a ${channel.role} channel`));
      return;
    }
    const why = check(spec.params, req.params ?? {});
    if (why) throw new StratusError('STRATUS_INVALID_PARAMS', why);
    this.dispatch(req);
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

  private dispatch(req: RpcRequest): void {
    const session = this.session;
    switch (req.method) {
      case 'session.hello':
        this.hello(req, req.params as HelloParams);
        return;
      case 'session.resume':
        this.resume(req, req.params as ResumeParams);
        return;
      case 'session.join':
        this.join(req, req.params as JoinParams);
        return;
      case 'link.ack':
        return;
      case 'input.key':
        this.key(req.params as KeyParams);
        return;
      case 'ui.ack':
        this.ack(req.params as AckParams);
        return;
      case 'ui.keyframe':
        session?.requestKeyframe();
        return;
      case 'session.close':
        this.closeSession(req);
        return;
      case 'session.leave':
        this.leave(req);
        return;
      case 'session.info':
        if (session) this.reply(req, session.info());
        return;
      case 'device.error':
        this.deviceError(req.params as DeviceErrorParams);
        return;
      case 'media.event':
        session?.mediaEvent(req.params as MediaEventParams);
        return;
    }
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
        this.adopt(req, session, session.device, 0);
      },
      (err: unknown) => this.refuse(req, err)
    );
  }

  /** A device or control client comes back to its channel after a drop, within the resume grace. */
  private resume(req: RpcRequest, params: ResumeParams): void {
    clearTimeout(this.helloTimer);
    try {
      const { session, channel } = this.host.resumeChannel(params);
      this.adopt(req, session, channel, params.ack);
    } catch (err) {
      this.refuse(req, err);
    }
  }

  /** A second client takes a control channel on a live session, with the device's credentials. */
  private join(req: RpcRequest, params: JoinParams): void {
    clearTimeout(this.helloTimer);
    try {
      const { session, channel } = this.host.joinSession(params);
      this.adopt(req, session, channel, 0);
    } catch (err) {
      this.refuse(req, err);
    }
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
      else session.removeControl(channel, gap);
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
            deviceAttached: session.attached
          };
    this.reply(req, result);
    session.attach(channel, this.conn, peerAck);
  }

  private refuse(req: RpcRequest, err: unknown): void {
    const e = isStratusError(err) ? err : new StratusError('STRATUS_INTERNAL', String(err));
    this.reply(req, undefined, e);
    this.fail(e);
  }

  private key(p: KeyParams): void {
    if (!isKnownKeyCode(p.code)) throw new StratusError('STRATUS_INVALID_PARAMS', `params.code ${p.code} is not a known key`);
    const session = this.session;
    if (!session) return;
    // Only the device's keys name an input the frames report back.
    const seq = this.channel?.role === 'device' ? p.seq : undefined;
    session.key(p.code, p.action, seq).catch((err) => this.fail(isStratusError(err) ? err : new StratusError('STRATUS_INTERNAL', String(err))));
  }

  private ack(p: AckParams): void {
    if (!this.session?.ack(p.frame, p.decodeMs, p.inputToPaintMs)) {
      throw new StratusError('STRATUS_UNKNOWN_FRAME', `frame ${p.frame}`);
    }
  }

  /** A device-side failure (decode, network, player): the app gets a cloud-browser error event. */
  private deviceError(p: DeviceErrorParams): void {
    void this.session?.notifyApp('STRATUS_DEVICE_ERROR', p.message ?? `${p.source} error ${p.code}`, p.source, p.code);
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
    if (session && channel) session.removeControl(channel, new StratusError('STRATUS_SESSION_CLOSED', 'left'));
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
    const body = err ? { jsonrpc: '2.0', id: req.id, error: rpcError(err) } : { jsonrpc: '2.0', id: req.id, result };
    this.sendText(JSON.stringify(body));
  }

  private notifyError(err: StratusError): void {
    this.sendText(JSON.stringify({ jsonrpc: '2.0', method: SERVER_METHODS.error, params: { code: err.code, message: err.message } }));
  }

  /** Tells the peer why, closes its socket with the code's close code, and ends its channel. */
  fail(err: StratusError): void {
    if (this.state === 'closed') return;
    this.notifyError(err);
    const close = err.close || errorSpec('STRATUS_INTERNAL').close;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(close, err.code);
    this.teardown(err);
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
    if (reason?.code === 'STRATUS_TRANSPORT_LOST') session.detach(channel, this.conn);
    else if (channel.role === 'device' || reason === null) void session.close(reason);
    else session.removeControl(channel, reason);
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

interface RpcResponseIn {
  id: unknown;
  seq?: number;
  ack?: number;
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string } };
}

/** A well-formed JSON-RPC response: an id, and exactly one of result and a proper error. */
function isResponse(msg: unknown): msg is RpcResponseIn {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return false;
  const m = msg as Record<string, unknown>;
  if (m.jsonrpc !== '2.0' || 'method' in m || !('id' in m)) return false;
  const hasResult = 'result' in m;
  const e = m.error as Record<string, unknown> | undefined;
  const hasError = e !== undefined && typeof e === 'object' && e !== null && typeof e.code === 'number' && typeof e.message === 'string';
  if (hasResult === hasError) throw new StratusError('STRATUS_INVALID_MESSAGE', 'a response needs exactly one of result and error');
  linkNumbers(m);
  return true;
}

/** Checks the JSON-RPC 2.0 envelope of a device message. */
function envelope(msg: unknown): RpcRequest {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    throw new StratusError('STRATUS_INVALID_MESSAGE', 'expected a JSON object');
  }
  const m = msg as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') throw new StratusError('STRATUS_INVALID_MESSAGE', 'jsonrpc must be "2.0"');
  if (typeof m.method !== 'string' || m.method.length === 0 || m.method.length > 64) {
    throw new StratusError('STRATUS_INVALID_MESSAGE', 'method must be a string of 1..64 characters');
  }
  if (m.id !== undefined && !(typeof m.id === 'string' && m.id.length <= 64) && !(typeof m.id === 'number' && Number.isSafeInteger(m.id))) {
    throw new StratusError('STRATUS_INVALID_MESSAGE', 'id must be an integer or a short string');
  }
  for (const k of Object.keys(m)) {
    if (!REQUEST_MEMBERS.has(k)) throw new StratusError('STRATUS_INVALID_MESSAGE', `unexpected member ${k}`);
  }
  linkNumbers(m);
  return m as unknown as RpcRequest;
}

const REQUEST_MEMBERS = new Set(['jsonrpc', 'method', 'id', 'params', 'seq', 'ack']);

/** The link's numbers, when present: seq from 1, ack from 0, both safe integers. */
function linkNumbers(m: Record<string, unknown>): void {
  if (m.seq !== undefined && !(Number.isSafeInteger(m.seq) && (m.seq as number) >= 1)) {
    throw new StratusError('STRATUS_INVALID_MESSAGE', 'seq must be a positive integer');
  }
  if (m.ack !== undefined && !(Number.isSafeInteger(m.ack) && (m.ack as number) >= 0)) {
    throw new StratusError('STRATUS_INVALID_MESSAGE', 'ack must be a non-negative integer');
  }
}
