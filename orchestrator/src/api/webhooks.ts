import { createHmac, randomBytes } from 'node:crypto';
import { guardedRequest, guardSource } from '@stratus/media-bridge';
import { StratusError, WebhookInfo } from '@stratus/protocol';
import { EventLog, LoggedEvent } from './event-log';
import { DocStore } from './json-store';
import { ownerFilter, Principal } from './principal';

export interface StoredWebhook {
  id: string;
  url: string;
  /** "operator", or the broadcaster's name: whose events it gets. */
  owner: string;
  types: string[];
  secret: string;
  created: string;
}

export interface WebhookOptions {
  timeoutMs: number;
  queue: number;
  retryMs: number;
  retryMaxMs: number;
  /** Private hosts ("host" or "host:port", lower case) endpoints may be on. */
  allowPrivate: string[];
}

/** The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>`. */
export const SIGNATURE_HEADER = 'Stratus-Signature';

export function signature(secret: string, t: number, body: string): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * One endpoint's delivery: its own bounded queue and one request at a time, so a slow or dead
 * receiver holds up only itself. Each event is retried with a doubling back-off until the
 * receiver answers 2xx (at least once; the event id lets it drop duplicates); when the queue is
 * full the oldest event is dropped and counted.
 */
class Endpoint {
  private readonly queue: LoggedEvent[] = [];
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private abort: AbortController | null = null;
  private closed = false;
  delivered = 0;
  failures = 0;
  dropped = 0;

  constructor(
    readonly hook: StoredWebhook,
    private readonly opts: WebhookOptions
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  offer(e: LoggedEvent): void {
    if (this.closed) return;
    if (this.queue.length >= this.opts.queue) {
      // The one in flight stays; the oldest waiting goes.
      this.queue.splice(this.busy ? 1 : 0, 1);
      this.dropped++;
    }
    this.queue.push(e);
    this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
    this.queue.length = 0;
  }

  private pump(): void {
    if (this.busy || this.timer || this.closed || !this.queue.length) return;
    this.busy = true;
    const e = this.queue[0];
    void this.post(e).then((ok) => {
      this.busy = false;
      if (this.closed) return;
      if (ok) {
        if (this.queue[0] === e) this.queue.shift();
        this.delivered++;
        this.attempt = 0;
        this.pump();
        return;
      }
      this.failures++;
      const delay = Math.min(this.opts.retryMs * 2 ** this.attempt++, this.opts.retryMaxMs);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, delay);
    });
  }

  /** One delivery attempt, through the same guard as media fetches: true when the receiver took it (2xx). */
  private async post(e: LoggedEvent): Promise<boolean> {
    const body = JSON.stringify(e.event);
    const t = Math.floor(Date.now() / 1000);
    const abort = new AbortController();
    this.abort = abort;
    const timer = setTimeout(() => abort.abort(), this.opts.timeoutMs);
    try {
      const res = await guardedRequest(this.hook.url, this.opts.allowPrivate, {
        method: 'POST',
        body,
        signal: abort.signal,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          'User-Agent': 'Stratus-Webhooks/1',
          'Stratus-Event-Id': e.event.id,
          'Stratus-Event-Type': e.event.type,
          [SIGNATURE_HEADER]: signature(this.hook.secret, t, body)
        }
      });
      // The answer's body is of no use; reading it to its end frees the connection.
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      if (this.abort === abort) this.abort = null;
    }
  }
}

/** Webhook endpoints, kept in a store, each fed the events its owner may see. */
export class Webhooks {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly onEvent = (e: LoggedEvent): void => {
    for (const ep of this.endpoints.values()) {
      const h = ep.hook;
      if (h.owner !== 'operator' && h.owner !== e.owner) continue;
      if (h.types.length && !h.types.includes(e.event.type)) continue;
      ep.offer(e);
    }
  };

  constructor(
    private readonly store: DocStore<StoredWebhook[]>,
    private readonly log: EventLog,
    private readonly opts: WebhookOptions
  ) {
    this.reload();
    // Another node added or removed an endpoint: this one delivers its own sessions' events to it too.
    store.onChange(() => this.reload());
    log.on('event', this.onEvent);
  }

  private reload(): void {
    const stored = new Map((this.store.load() ?? []).map((h) => [h.id, h]));
    for (const [id, ep] of this.endpoints) {
      if (stored.has(id)) continue;
      ep.close();
      this.endpoints.delete(id);
    }
    for (const [id, h] of stored) if (!this.endpoints.has(id)) this.endpoints.set(id, new Endpoint(h, this.opts));
  }

  /**
   * A new endpoint for the caller's events. Throws STRATUS_DESTINATION_FORBIDDEN for a URL that is
   * not http(s) or resolves to a private address not allowed; the address is checked again at
   * every connection (a name that rebinds gets nowhere).
   */
  async create(p: Principal, spec: { url: string; types?: string[]; secret?: string }): Promise<{ info: WebhookInfo; secret: string }> {
    await this.checkDestination(spec.url);
    const owner = ownerFilter(p) ?? 'operator';
    const hook: StoredWebhook = {
      id: randomBytes(8).toString('hex'),
      url: spec.url,
      owner,
      types: spec.types ? [...new Set(spec.types)] : [],
      secret: spec.secret ?? randomBytes(24).toString('base64url'),
      created: new Date().toISOString()
    };
    this.endpoints.set(hook.id, new Endpoint(hook, this.opts));
    this.save();
    return { info: this.infoOf(this.endpoints.get(hook.id) as Endpoint), secret: hook.secret };
  }

  list(p: Principal): WebhookInfo[] {
    const owner = ownerFilter(p);
    return [...this.endpoints.values()].filter((ep) => owner === null || ep.hook.owner === owner).map((ep) => this.infoOf(ep));
  }

  /** Throws STRATUS_NOT_FOUND, also for another scope's endpoint. */
  get(p: Principal, id: string): WebhookInfo {
    return this.infoOf(this.visible(p, id));
  }

  delete(p: Principal, id: string): void {
    const ep = this.visible(p, id);
    ep.close();
    this.endpoints.delete(id);
    this.save();
  }

  close(): void {
    this.log.off('event', this.onEvent);
    for (const ep of this.endpoints.values()) ep.close();
  }

  private visible(p: Principal, id: string): Endpoint {
    const ep = this.endpoints.get(id);
    const owner = ownerFilter(p);
    if (!ep || (owner !== null && ep.hook.owner !== owner)) throw new StratusError('STRATUS_NOT_FOUND', `webhook ${id.slice(0, 32)}`);
    return ep;
  }

  /** The media sources' guard, with the webhooks' code and setting; a name that does not resolve yet is left to the connection's guard. */
  private async checkDestination(url: string): Promise<void> {
    await guardSource(url, this.opts.allowPrivate, { code: 'STRATUS_DESTINATION_FORBIDDEN', setting: 'api.webhookAllowPrivate', unresolved: 'pass' });
  }

  private infoOf(ep: Endpoint): WebhookInfo {
    const h = ep.hook;
    return { id: h.id, url: h.url, owner: h.owner, types: h.types, created: h.created, delivered: ep.delivered, failures: ep.failures, dropped: ep.dropped, queued: ep.queued };
  }

  private save(): void {
    this.store.save([...this.endpoints.values()].map((ep) => ep.hook));
  }
}

