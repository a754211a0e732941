import {
  DEVICE_WS_PATH,
  JoinResult,
  LINK_DEFAULTS,
  ParamsOf,
  ReliableLink,
  ResultOf,
  rpcRequest,
  StratusEvent,
  ToOrchestrator
} from '@stratus/protocol';
import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import { StratusApiError } from './errors';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** The control methods a joined client calls (TO_ORCHESTRATOR's control requests). */
export type ControlRequest = 'session.info' | 'app.launch' | 'app.reload' | 'app.message' | 'media.play' | 'media.pause' | 'media.stop' | 'media.seek' | 'media.volume' | 'media.mute' | 'media.tune' | 'session.close' | 'session.leave';

const TIMERS = {
  set: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clear: (h: unknown): void => clearTimeout(h as NodeJS.Timeout)
};

/**
 * A control channel on one session (session.join with an API key): requests answered in order,
 * the session's events as 'event', the device coming and going as 'device', and 'closed' with the
 * registry code when the channel ends. It speaks the link protocol (seq/ack) but does not resume
 * after a drop: open a new one.
 */
export class ControlChannel extends EventEmitter<{ event: [StratusEvent]; device: [boolean]; closed: [string] }> {
  private readonly link = new ReliableLink(TIMERS, LINK_DEFAULTS);
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  joined: JoinResult | null = null;

  private constructor(private readonly ws: WebSocket) {
    super();
    ws.on('message', (data) => this.onText(String(data)));
    ws.on('close', (_code, reason) => {
      const code = reason.toString() || 'STRATUS_TRANSPORT_LOST';
      for (const p of this.pending.values()) p.reject(new StratusApiError(code, 'the control channel closed'));
      this.pending.clear();
      this.link.close();
      this.emit('closed', code);
    });
  }

  /**
   * Joins the session through any node: one that does not have it answers STRATUS_REDIRECT, and
   * the channel is opened on the node that does.
   */
  static async join(baseUrl: string, apiKey: string, sessionId: string, name = 'integration'): Promise<ControlChannel> {
    try {
      return await ControlChannel.joinAt(baseUrl.replace(/^http/, 'ws') + DEVICE_WS_PATH, apiKey, sessionId, name);
    } catch (err) {
      if (!(err instanceof StratusApiError) || err.code !== 'STRATUS_REDIRECT' || !err.redirectUrl) throw err;
      return ControlChannel.joinAt(err.redirectUrl, apiKey, sessionId, name);
    }
  }

  private static async joinAt(url: string, apiKey: string, sessionId: string, name: string): Promise<ControlChannel> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const c = new ControlChannel(ws);
    const id = c.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => c.pending.set(id, { resolve, reject }));
    ws.send(JSON.stringify(rpcRequest(id, 'session.join', { sessionId, key: apiKey, name })));
    try {
      c.joined = (await answer) as JoinResult;
    } catch (err) {
      ws.close();
      throw err;
    }
    c.link.attach((text) => ws.send(text), 0);
    return c;
  }

  /** One control method; rejects with a StratusApiError carrying the registry code. */
  call<M extends ControlRequest>(method: M, params: ParamsOf<ToOrchestrator[M]>): Promise<ResultOf<ToOrchestrator[M]>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.link.send(rpcRequest(id, method, params));
    });
  }

  /** A remote-control key press (down and up). */
  press(code: number): void {
    this.link.send({ jsonrpc: '2.0', method: 'input.key', params: { code, action: 'down' } });
    this.link.send({ jsonrpc: '2.0', method: 'input.key', params: { code, action: 'up' } });
  }

  close(): void {
    this.ws.close(1000);
  }

  private onText(text: string): void {
    const msg = JSON.parse(text) as { id?: number; method?: string; params?: any; result?: unknown; error?: { message: string; data?: { code: string; redirect?: { url: string } } }; seq?: number; ack?: number };
    if (this.joined && this.link.receive(msg.seq, msg.ack) !== 'deliver') return;
    if (msg.method === 'session.event') this.emit('event', msg.params as StratusEvent);
    else if (msg.method === 'session.device') this.emit('device', Boolean(msg.params?.attached));
    else if (msg.id !== undefined && typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new StratusApiError(msg.error.data?.code ?? 'STRATUS_INTERNAL', msg.error.message, 0, msg.error.data?.redirect?.url));
      else p.resolve(msg.result);
    }
  }
}
