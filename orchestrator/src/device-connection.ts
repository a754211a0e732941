import {
  AckParams,
  DEVICE_METHODS,
  DeviceErrorParams,
  errorSpec,
  HelloParams,
  HelloResult,
  isKnownKeyCode,
  KeyframeParams,
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
import { DeviceLink, Session } from './session';
import { PendingCalls } from './control/pending-calls';
import { RateLimit } from './control/rate-limit';

/** Who is on the other end of the socket, as far as the orchestrator can tell. */
export interface PeerInfo {
  ip: string | null;
}

/** What a device connection needs from the orchestrator. */
export interface SessionHost {
  readonly config: Config;
  openSession(hello: HelloParams, peer: PeerInfo): Promise<Session>;
  resumeSession(params: ResumeParams): Session;
  issueDeviceToken(deviceId: string, ttlSeconds: number): string;
}

type State = 'hello' | 'starting' | 'live' | 'closed';

/**
 * One device WebSocket: text messages are JSON-RPC 2.0 from the device, binary messages are UI
 * frames to it. Every inbound message is size-checked, parsed and schema-checked; anything wrong
 * gets a coded error and closes this connection only.
 */
export class DeviceConnection {
  private state: State = 'hello';
  private session: Session | null = null;
  private onSessionClosing: ((reason: StratusError | null) => void) | null = null;
  private readonly helloTimer: NodeJS.Timeout;
  /** What this connection lends its session while it is live. */
  private readonly link: DeviceLink = {
    sendFrame: (m) => this.sendBinary(m),
    request: (method, params, timeoutMs) => this.request(method, params, timeoutMs),
    release: (reason) => this.release(reason)
  };
  private readonly calls = new PendingCalls();
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
    if (!this.rate.take()) throw new StratusError('STRATUS_RATE_LIMITED', `over ${this.host.config.control.ratePerS} messages/s`);
    if (isBinary) throw new StratusError('STRATUS_UNEXPECTED_BINARY');
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      throw new StratusError('STRATUS_PARSE_ERROR');
    }
    if (isResponse(msg)) {
      // An answer to one of our requests; a late one (after its timeout) is dropped quietly.
      this.calls.settle(msg.id, msg.result, msg.error);
      return;
    }
    const req = envelope(msg);
    const spec = Object.prototype.hasOwnProperty.call(DEVICE_METHODS, req.method) ? DEVICE_METHODS[req.method] : undefined;
    if (!spec) {
      this.reply(req, undefined, new StratusError('STRATUS_UNKNOWN_METHOD', req.method));
      return;
    }
    if (spec.request !== (req.id !== undefined)) {
      throw new StratusError('STRATUS_INVALID_MESSAGE', `${req.method} is ${spec.request ? 'a request and needs an id' : 'a notification and takes no id'}`);
    }
    const why = check(spec.params, req.params);
    if (why) throw new StratusError('STRATUS_INVALID_PARAMS', why);
    const opening = req.method === 'session.hello' || req.method === 'session.resume';
    if (opening !== (this.state === 'hello')) {
      throw new StratusError('STRATUS_OUT_OF_ORDER', `${req.method} while ${this.state}`);
    }
    switch (req.method) {
      case 'session.hello':
        this.hello(req, req.params as HelloParams);
        return;
      case 'session.resume':
        this.resume(req, req.params as ResumeParams);
        return;
      case 'input.key':
        this.key(req.params as KeyParams);
        return;
      case 'ui.ack':
        this.ack(req.params as AckParams);
        return;
      case 'ui.keyframe':
        this.keyframe(req.params as KeyframeParams);
        return;
      case 'session.close':
        this.closeByDevice(req);
        return;
      case 'device.error':
        this.deviceError(req.params as DeviceErrorParams);
        return;
      case 'media.event':
        this.session?.mediaEvent(req.params as MediaEventParams);
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
        this.adopt(req, session);
      },
      (err: unknown) => this.refuse(req, err)
    );
  }

  /** A device comes back to its session after a drop, within the resume grace. */
  private resume(req: RpcRequest, params: ResumeParams): void {
    clearTimeout(this.helloTimer);
    let session: Session;
    try {
      session = this.host.resumeSession(params);
    } catch (err) {
      this.refuse(req, err);
      return;
    }
    this.adopt(req, session);
  }

  private adopt(req: RpcRequest, session: Session): void {
    this.session = session;
    this.state = 'live';
    this.onSessionClosing = (reason) => this.fail(reason ?? new StratusError('STRATUS_SESSION_CLOSED'));
    session.on('closing', this.onSessionClosing);
    const result: HelloResult = {
      sessionId: session.id,
      protocol: PROTOCOL_VERSION,
      layer: session.layerSize,
      app: session.appInfo,
      window: this.host.config.ui.window,
      resumeToken: session.resumeToken,
      keySeq: session.keySeq
    };
    this.reply(req, result);
    // After the result, so the device knows the layer before the keyframe arrives.
    session.attach(this.link);
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
    // A replay after a resume repeats keys the session already has: drop them, exactly once.
    if (p.seq <= session.keySeq) {
      session.stats.duplicateKeys++;
      return;
    }
    session.key(p.code, p.action, p.seq).catch((err) => this.fail(isStratusError(err) ? err : new StratusError('STRATUS_INTERNAL', String(err))));
  }

  private ack(p: AckParams): void {
    if (!this.session?.ack(p.frame, p.decodeMs, p.inputToPaintMs)) {
      throw new StratusError('STRATUS_UNKNOWN_FRAME', `frame ${p.frame}`);
    }
  }

  private keyframe(_p: KeyframeParams): void {
    this.session?.requestKeyframe();
  }

  /** Sends a cloud-to-device request and resolves with the device's result. */
  request(method: string, params: unknown, timeoutMs = this.host.config.control.rpcTimeoutMs): Promise<unknown> {
    if (this.state !== 'live') return Promise.reject(new StratusError('STRATUS_SESSION_CLOSED'));
    return this.calls.call((m) => this.ws.send(m), method, params, timeoutMs);
  }

  /** A device-side failure (decode, network, player): the app gets a cloud-browser error event. */
  private deviceError(p: DeviceErrorParams): void {
    void this.session?.notifyApp('STRATUS_DEVICE_ERROR', p.message ?? `${p.source} error ${p.code}`, p.source, p.code);
  }

  /** The device ends its session: answer, then close normally and release everything. */
  private closeByDevice(req: RpcRequest): void {
    this.reply(req, { closed: true });
    this.ws.close(1000, 'closed by device');
    this.teardown(null);
  }

  private sendBinary(message: Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(message, { binary: true });
  }

  private reply(req: RpcRequest, result: unknown, err?: StratusError): void {
    if (req.id === undefined) {
      if (err) this.notifyError(err);
      return;
    }
    const body = err
      ? { jsonrpc: '2.0', id: req.id, error: { code: err.rpc, message: err.message, data: { code: err.code } } }
      : { jsonrpc: '2.0', id: req.id, result };
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(body));
  }

  private notifyError(err: StratusError): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', method: SERVER_METHODS.error, params: { code: err.code, message: err.message } }));
  }

  /** Tells the device why, closes its socket with the code's close code, and ends the session. */
  fail(err: StratusError): void {
    if (this.state === 'closed') return;
    this.notifyError(err);
    const close = err.close || errorSpec('STRATUS_INTERNAL').close;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(close, err.code);
    this.teardown(err);
  }

  /**
   * Ends this connection. A lost transport only detaches the session, which then waits for a
   * resume; any other reason (a protocol error, the device's session.close) closes it.
   */
  private teardown(reason: StratusError | null): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    this.calls.rejectAll(reason ?? new StratusError('STRATUS_SESSION_CLOSED'));
    const session = this.unbind();
    if (!session) return;
    if (reason?.code === 'STRATUS_TRANSPORT_LOST') session.detach(this.link);
    else void session.close(reason);
  }

  /** Another connection took the session over: end this one, leave the session alone. */
  private release(reason: StratusError): void {
    this.unbind();
    this.fail(reason);
  }

  /** Lets go of the session (and stops listening to it); returns what it held. */
  private unbind(): Session | null {
    const session = this.session;
    this.session = null;
    if (session && this.onSessionClosing) session.off('closing', this.onSessionClosing);
    return session;
  }
}

interface RpcResponseIn {
  id: unknown;
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
    if (k !== 'jsonrpc' && k !== 'method' && k !== 'id' && k !== 'params') throw new StratusError('STRATUS_INVALID_MESSAGE', `unexpected member ${k}`);
  }
  return m as unknown as RpcRequest;
}
