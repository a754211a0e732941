import type {
  ApiKeyInfo,
  AppEntrySpec,
  AppInfo,
  AppRecord,
  ControlMediaResult,
  EventType,
  MediaCapabilities,
  ParamsOf,
  ResultOf,
  SessionInfo,
  ToOrchestrator,
  WebhookInfo
} from '@stratus/protocol';
import { ControlChannel, ControlRequest } from './control-channel';
import { StratusApiError } from './errors';
import { readEventStream, StreamItem } from './events';

export interface ClientOptions {
  /** The orchestrator, e.g. http://stratus.example:8080 */
  baseUrl: string;
  /** "sk_<id>.<secret>" (or the operator token). */
  apiKey: string;
}

export interface PrewarmRequest {
  deviceId: string;
  appId: string;
  screen?: { width: number; height: number };
  model?: string;
  encodings?: string[];
  media?: MediaCapabilities;
}

/**
 * The integration API from a broadcaster's or operator's backend: every REST resource, control
 * methods over HTTP (`rpc`) or a control channel (`join`), and the event stream.
 */
export class StratusClient {
  private readonly base: string;
  private rpcId = 1;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  /** One REST call; rejects with StratusApiError (code, status). */
  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: { authorization: `Bearer ${this.opts.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      throw new StratusApiError('STRATUS_INTERNAL', `HTTP ${res.status}: not JSON`, res.status);
    }
    if (!res.ok) throw new StratusApiError(json?.error?.code ?? 'STRATUS_INTERNAL', json?.error?.message ?? `HTTP ${res.status}`, res.status);
    return json as T;
  }

  listApps(): Promise<AppRecord[]> {
    return this.request<{ apps: AppRecord[] }>('GET', '/api/apps').then((r) => r.apps);
  }
  getApp(id: string): Promise<AppRecord> {
    return this.request('GET', `/api/apps/${encodeURIComponent(id)}`);
  }
  createApp(app: AppRecord): Promise<AppRecord> {
    return this.request('POST', '/api/apps', app);
  }
  updateApp(id: string, entry: AppEntrySpec): Promise<AppRecord> {
    return this.request('PUT', `/api/apps/${encodeURIComponent(id)}`, entry);
  }
  deleteApp(id: string): Promise<void> {
    return this.request('DELETE', `/api/apps/${encodeURIComponent(id)}`);
  }

  listSessions(): Promise<SessionInfo[]> {
    return this.request<{ sessions: SessionInfo[] }>('GET', '/api/sessions').then((r) => r.sessions);
  }
  getSession(id: string): Promise<SessionInfo> {
    return this.request('GET', `/api/sessions/${id}`);
  }
  /** Reserves a session for a device, its app loaded before the device connects. */
  prewarm(req: PrewarmRequest): Promise<SessionInfo> {
    return this.request('POST', '/api/sessions', req);
  }
  closeSession(id: string): Promise<void> {
    return this.request('DELETE', `/api/sessions/${id}`);
  }

  /** A control method over HTTP (POST /api/sessions/{id}/rpc). */
  async rpc<M extends ControlRequest | 'input.key'>(sessionId: string, method: M, params: ParamsOf<ToOrchestrator[M]>): Promise<ResultOf<ToOrchestrator[M]>> {
    const id = this.rpcId++;
    const r = await this.request<{ result?: unknown; error?: { message: string; data?: { code: string } } }>('POST', `/api/sessions/${sessionId}/rpc`, { jsonrpc: '2.0', id, method, params });
    if (r.error) throw new StratusApiError(r.error.data?.code ?? 'STRATUS_INTERNAL', r.error.message, 200);
    return r.result as ResultOf<ToOrchestrator[M]>;
  }
  launch(sessionId: string, appId: string): Promise<{ app: AppInfo }> {
    return this.rpc(sessionId, 'app.launch', { appId });
  }
  message(sessionId: string, data: unknown): Promise<{ delivered: boolean }> {
    return this.rpc(sessionId, 'app.message', { data });
  }
  media(sessionId: string, method: 'media.play' | 'media.pause' | 'media.stop', player?: string): Promise<ControlMediaResult> {
    return this.rpc(sessionId, method, player ? { player } : {});
  }
  /** A key press (down, then up) as the viewer's remote would send it. */
  async press(sessionId: string, code: number): Promise<void> {
    await this.request('POST', `/api/sessions/${sessionId}/rpc`, { jsonrpc: '2.0', method: 'input.key', params: { code, action: 'down' } });
    await this.request('POST', `/api/sessions/${sessionId}/rpc`, { jsonrpc: '2.0', method: 'input.key', params: { code, action: 'up' } });
  }

  /** Opens a control channel on the session: requests, and its events as they happen. */
  join(sessionId: string, name?: string): Promise<ControlChannel> {
    return ControlChannel.join(this.base, this.opts.apiKey, sessionId, name);
  }

  listKeys(): Promise<ApiKeyInfo[]> {
    return this.request<{ keys: ApiKeyInfo[] }>('GET', '/api/keys').then((r) => r.keys);
  }
  createKey(scope: string, label?: string): Promise<ApiKeyInfo & { key: string }> {
    return this.request('POST', '/api/keys', label === undefined ? { scope } : { scope, label });
  }
  revokeKey(id: string): Promise<ApiKeyInfo> {
    return this.request('DELETE', `/api/keys/${id}`);
  }
  createDeviceToken(deviceId: string, ttlS?: number): Promise<{ deviceId: string; token: string; expiresAt: string }> {
    return this.request('POST', `/api/devices/${encodeURIComponent(deviceId)}/tokens`, ttlS === undefined ? {} : { ttlS });
  }
  revokeDevice(deviceId: string): Promise<{ revoked: string; sessionsClosed: number }> {
    return this.request('POST', `/api/devices/${encodeURIComponent(deviceId)}/revoke`, {});
  }

  listWebhooks(): Promise<WebhookInfo[]> {
    return this.request<{ webhooks: WebhookInfo[] }>('GET', '/api/webhooks').then((r) => r.webhooks);
  }
  createWebhook(url: string, opts: { types?: EventType[]; secret?: string } = {}): Promise<WebhookInfo & { secret: string }> {
    return this.request('POST', '/api/webhooks', { url, ...opts });
  }
  getWebhook(id: string): Promise<WebhookInfo> {
    return this.request('GET', `/api/webhooks/${id}`);
  }
  deleteWebhook(id: string): Promise<void> {
    return this.request('DELETE', `/api/webhooks/${id}`);
  }

  /**
   * The caller's events as they happen (GET /api/events), after `lastEventId` when given. The
   * stream ends when `signal` aborts.
   */
  async *events(opts: { lastEventId?: string; types?: EventType[]; session?: string; signal?: AbortSignal } = {}): AsyncGenerator<StreamItem> {
    const q = new URLSearchParams();
    if (opts.types?.length) q.set('types', opts.types.join(','));
    if (opts.session) q.set('session', opts.session);
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.apiKey}`, accept: 'text/event-stream' };
    if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
    const res = await fetch(`${this.base}/api/events${q.size ? `?${q}` : ''}`, { headers, signal: opts.signal });
    if (!res.ok || !res.body) {
      const json = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
      throw new StratusApiError(json?.error?.code ?? 'STRATUS_INTERNAL', json?.error?.message ?? `HTTP ${res.status}`, res.status);
    }
    try {
      yield* readEventStream(res.body);
    } catch (err) {
      if (opts.signal?.aborted) return;
      throw err;
    }
  }
}
