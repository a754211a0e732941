import { Redis } from 'ioredis';
import type { DocStore } from '../api/json-store';
import type { Logger } from '../ops/log';

/**
 * The integration API's documents (API keys, the catalogue's changes, webhooks) in Redis, so
 * that every node answers the same. Each node holds them in memory (reads stay synchronous, as
 * an API key check must be); a save writes the whole document and announces it on a channel,
 * with the document, so the other nodes take it at once. The last save wins: these documents
 * change at an operator's pace, not a device's.
 */
export class SharedDocs {
  private readonly docs = new Map<string, string>();
  private readonly listeners = new Map<string, Array<() => void>>();
  private readonly channel: string;

  private constructor(
    private readonly redis: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly node: string,
    private readonly log: Logger,
    private readonly onError: () => void
  ) {
    this.channel = `${prefix}docs`;
  }

  /** Connects, subscribes, and reads the documents named; throws when Redis cannot be reached. */
  static async start(url: string, prefix: string, node: string, names: string[], log: Logger, onError: () => void): Promise<SharedDocs> {
    const options = { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: (times: number) => Math.min(100 * times, 2000) };
    const redis = new Redis(url, options);
    const sub = new Redis(url, options);
    for (const r of [redis, sub]) r.on('error', () => undefined);
    const d = new SharedDocs(redis, sub, prefix, node, log, onError);
    try {
      await redis.connect();
      await sub.connect();
      sub.on('message', (_channel: string, message: string) => d.heard(message));
      await sub.subscribe(d.channel);
      await d.readAll(names);
      // After an outage, what was saved meanwhile is read again.
      sub.on('ready', () => void d.readAll(names).catch(() => onError()));
    } catch (err) {
      d.close();
      throw err;
    }
    return d;
  }

  private key(name: string): string {
    return `${this.prefix}doc:${name}`;
  }

  private async readAll(names: string[]): Promise<void> {
    const values = await this.redis.mget(...names.map((n) => this.key(n)));
    names.forEach((n, i) => {
      const v = values[i];
      if (v !== null && v !== this.docs.get(n)) {
        this.docs.set(n, v);
        this.changed(n);
      }
    });
  }

  private heard(message: string): void {
    let m: { name: string; node: string; doc: string };
    try {
      m = JSON.parse(message);
    } catch {
      return;
    }
    if (m.node === this.node || typeof m.name !== 'string' || typeof m.doc !== 'string') return;
    if (this.docs.get(m.name) === m.doc) return;
    this.docs.set(m.name, m.doc);
    this.changed(m.name);
  }

  private changed(name: string): void {
    for (const fn of this.listeners.get(name) ?? []) fn();
  }

  /** One document as a store for ApiKeys, FileCatalogue or Webhooks. */
  doc<T>(name: string): DocStore<T> {
    return {
      load: () => {
        const text = this.docs.get(name);
        return text === undefined ? null : (JSON.parse(text) as T);
      },
      save: (doc: T) => {
        const text = JSON.stringify(doc);
        this.docs.set(name, text);
        this.redis
          .multi()
          .set(this.key(name), text)
          .publish(this.channel, JSON.stringify({ name, node: this.node, doc: text }))
          .exec()
          .catch((err: unknown) => {
            this.onError();
            this.log.error({ err, doc: name }, 'a shared document could not be saved to the directory');
          });
      },
      onChange: (fn: () => void) => {
        const list = this.listeners.get(name) ?? [];
        list.push(fn);
        this.listeners.set(name, list);
      }
    };
  }

  close(): void {
    this.sub.disconnect();
    this.redis.disconnect();
  }
}
