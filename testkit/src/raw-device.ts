import { DEVICE_WS_PATH, isOrchestratorMethod, parseFrame, ParsedFrame, PROTOCOL_VERSION, TO_ORCHESTRATOR } from '@stratus/protocol';
import { WebSocket } from 'ws';
import { Orchestrator } from '@stratus/orchestrator';
import { until } from './wait';

export interface Closed {
  code: number;
  reason: string;
}

/** A device speaking the wire protocol by hand, for tests of what real clients never send. */
export class RawDevice {
  readonly texts: any[] = [];
  readonly frames: Buffer[] = [];
  readonly closed: Promise<Closed>;
  token = '';
  /** The last link seq sent. send() numbers sequenced messages as a real client does. */
  seq = 0;
  private roundTrips = 0;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.frames.push(data as Buffer);
      else this.texts.push(JSON.parse(data.toString()));
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async connect(orch: Orchestrator, deviceId = 'raw-device', headers: Record<string, string> = {}, ca?: Buffer): Promise<RawDevice> {
    const ws = new WebSocket(orch.baseUrl.replace('http', 'ws') + DEVICE_WS_PATH, { headers, ca });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const d = new RawDevice(ws);
    d.token = orch.issueDeviceToken(deviceId);
    return d;
  }

  /**
   * Sends a message. An object for a sequenced method, or a response, gets the next link seq
   * unless it has a `seq` member of its own (set it, even to undefined, to send a replay or a gap).
   */
  send(msg: unknown): void {
    if (typeof msg === 'string' || Buffer.isBuffer(msg)) {
      this.ws.send(msg);
      return;
    }
    const m = msg as Record<string, unknown>;
    // A message numbered by hand moves the count on, so the next automatic seq follows it.
    if (typeof m.seq === 'number') this.seq = Math.max(this.seq, m.seq);
    const method = typeof m.method === 'string' ? m.method : null;
    const sequenced = method ? isOrchestratorMethod(method) && TO_ORCHESTRATOR[method].sequenced : 'result' in m || 'error' in m;
    this.ws.send(JSON.stringify(sequenced && !('seq' in m) ? { ...m, seq: ++this.seq } : m));
  }

  /** Acknowledges everything the orchestrator has sent in sequence so far. */
  ackAll(): void {
    const seqs = this.texts.map((t) => t.seq ?? 0);
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'link.ack', params: {}, ack: Math.max(0, ...seqs) }));
  }

  hello(extra: Record<string, unknown> = {}): void {
    const params: Record<string, unknown> = { protocol: PROTOCOL_VERSION, screen: { width: 1280, height: 720 }, token: this.token, ...extra };
    for (const k of Object.keys(params)) if (params[k] === undefined) delete params[k];
    this.send({ jsonrpc: '2.0', id: 1, method: 'session.hello', params });
  }

  /** Asks to take over a session, as hello() asks for a new one; helloResult() has the answer. */
  resume(sessionId: string, resumeToken: string, ack?: number): void {
    this.send({ jsonrpc: '2.0', id: 1, method: 'session.resume', params: ack === undefined ? { sessionId, resumeToken } : { sessionId, resumeToken, ack } });
  }

  /** Resolves with the hello result, or rejects with the error response. */
  async helloResult(timeoutMs = 20000): Promise<any> {
    const r = await until('the handshake response', () => this.texts.find((t) => t.id === 1 && (t.result || t.error)), timeoutMs);
    if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.data?.code });
    return r.result;
  }

  /**
   * Waits for the answer to a session.info sent now. The orchestrator handles a connection's
   * messages in order, so once it answers, everything sent before has been dealt with: what did
   * not close the connection by then never will. Rejects if the connection closes first.
   */
  async roundTrip(): Promise<void> {
    const id = `round-trip-${++this.roundTrips}`;
    let closed = false;
    void this.closed.then(() => (closed = true));
    this.send({ jsonrpc: '2.0', id, method: 'session.info', params: {} });
    await until('the round trip', () => closed || this.texts.some((t) => t.id === id));
    if (closed) throw new Error('the connection closed before the round trip came back');
  }

  /** From now on acknowledges every UI frame as painted, as a device that keeps up does. */
  ackFrames(): void {
    const ack = (m: Buffer): void => {
      if (this.ws.readyState === WebSocket.OPEN) this.send({ jsonrpc: '2.0', method: 'ui.ack', params: { frame: frameHeader(m).frame, decodeMs: 1 } });
    };
    for (const m of this.frames) ack(m);
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) ack(data as Buffer);
    });
  }

  errorCodes(): string[] {
    return this.texts.filter((t) => t.method === 'session.error').map((t) => t.params.code);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The header of a UI frame message (tests only send it well-formed frames from the server). */
export function frameHeader(m: Buffer): ParsedFrame['header'] {
  return (parseFrame(new DataView(m.buffer, m.byteOffset, m.byteLength)) as ParsedFrame).header;
}
