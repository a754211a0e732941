import { Redis } from 'ioredis';
import type { Logger } from '../ops/log';
import type { BlobStore } from '../storage/device-state';

/** A node as the directory knows it: what placement needs. */
export interface NodeRecord {
  id: string;
  /** Where devices reach it (its own address, not the load balancer's): http(s)://host:port. */
  url: string;
  capacity: number;
  sessions: number;
  draining: boolean;
}

/** A session as the directory knows it: which node owns it, for routing a resume there. */
export interface SessionRecord {
  id: string;
  node: string;
  deviceId: string;
  appId: string;
}

export interface DirectoryOptions {
  redisUrl: string;
  /** A node record lives this long unless renewed: a node that dies drops out after it. */
  leaseMs: number;
  /** A session record outlives its last renewal by this much (a session on a dead node is gone by then). */
  sessionTtlMs: number;
  prefix: string;
}

/**
 * The session directory in Redis. Each node keeps a record of itself under a lease (a key that
 * expires unless renewed), and a record of each session it owns; any node reads them to place a
 * new session on the least-loaded node and to send a resume to the session's owner. Redis is the
 * only shared state: nodes never talk to each other for this.
 *
 * Keys: `<prefix>node:<id>` (hash, TTL leaseMs), `<prefix>nodes` (set of ids, pruned of expired
 * ones by readers), `<prefix>session:<id>` (hash, TTL sessionTtlMs, renewed with the lease).
 */
export class Directory {
  private readonly redis: Redis;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Whether the last call to Redis worked: /readyz says not ready otherwise. */
  private ok = false;
  private readonly owned = new Map<string, SessionRecord>();

  constructor(
    private readonly opts: DirectoryOptions,
    private readonly self: () => NodeRecord,
    private readonly log: Logger,
    private readonly onError: () => void
  ) {
    // Commands fail fast while Redis is away (no offline queue that would hold a hello for ever);
    // the connection itself keeps retrying, and the lease is renewed once it is back.
    this.redis = new Redis(opts.redisUrl, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: Math.max(1000, opts.leaseMs),
      retryStrategy: (times) => Math.min(100 * times, 2000)
    });
    this.redis.on('error', () => undefined);
    this.redis.on('ready', () => {
      // Back after an outage (or a Redis restart that lost everything): register again at once.
      void this.renew();
    });
  }

  /** Connects and registers this node; throws when Redis cannot be reached. */
  async start(): Promise<void> {
    await this.redis.connect();
    await this.renew();
    if (!this.ok) throw new Error(`cannot register in the directory at ${this.opts.redisUrl}`);
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.opts.leaseMs / 3)));
    this.timer.unref();
  }

  get reachable(): boolean {
    return this.ok && this.redis.status === 'ready';
  }

  private key(kind: 'node' | 'session', id: string): string {
    return `${this.opts.prefix}${kind}:${id}`;
  }

  /** Writes this node's record and renews the leases of its sessions (also at once, on a change others must see). */
  async renew(): Promise<void> {
    if (this.closed) return;
    const me = this.self();
    try {
      const m = this.redis.multi();
      m.hset(this.key('node', me.id), nodeFields(me));
      m.pexpire(this.key('node', me.id), this.opts.leaseMs);
      m.sadd(`${this.opts.prefix}nodes`, me.id);
      for (const s of this.owned.values()) {
        m.hset(this.key('session', s.id), sessionFields(s));
        m.pexpire(this.key('session', s.id), this.opts.sessionTtlMs);
      }
      await m.exec();
      if (!this.ok) this.log.info({ redis: redact(this.opts.redisUrl) }, 'registered in the directory');
      this.ok = true;
    } catch (err) {
      this.failed(err, 'renewing the lease');
    }
  }

  private failed(err: unknown, what: string): void {
    this.onError();
    if (this.ok) this.log.error({ err, what }, 'the directory is unreachable');
    this.ok = false;
  }

  /** The live nodes (their leases unexpired); an expired one is pruned from the set. */
  async nodes(): Promise<NodeRecord[]> {
    try {
      const ids = await this.redis.smembers(`${this.opts.prefix}nodes`);
      const p = this.redis.pipeline();
      for (const id of ids) p.hgetall(this.key('node', id));
      const rows = (await p.exec()) ?? [];
      const out: NodeRecord[] = [];
      const gone: string[] = [];
      rows.forEach(([err, h], i) => {
        const rec = !err ? parseNode(ids[i], h as Record<string, string>) : null;
        if (rec) out.push(rec);
        else gone.push(ids[i]);
      });
      if (gone.length) await this.redis.srem(`${this.opts.prefix}nodes`, ...gone);
      return out;
    } catch (err) {
      this.failed(err, 'reading the nodes');
      throw err;
    }
  }

  /** Where a session lives, if any live node owns it. */
  async session(id: string): Promise<SessionRecord | null> {
    try {
      const h = await this.redis.hgetall(this.key('session', id));
      if (!h || !h.node) return null;
      return { id, node: h.node, deviceId: h.deviceId, appId: h.appId };
    } catch (err) {
      this.failed(err, 'reading a session');
      throw err;
    }
  }

  /** This node owns the session from now on (written at once, then with every lease renewal). */
  async claim(s: SessionRecord): Promise<void> {
    this.owned.set(s.id, s);
    try {
      await this.redis.multi().hset(this.key('session', s.id), sessionFields(s)).pexpire(this.key('session', s.id), this.opts.sessionTtlMs).exec();
    } catch (err) {
      // The next renewal writes it again.
      this.failed(err, 'claiming a session');
    }
  }

  async release(id: string): Promise<void> {
    this.owned.delete(id);
    try {
      await this.redis.del(this.key('session', id));
    } catch (err) {
      this.failed(err, 'releasing a session');
    }
  }

  /** Records of other kinds in the same Redis (device states), under `<prefix>blob:`. */
  get blobs(): BlobStore {
    const key = (k: string): string => `${this.opts.prefix}blob:${k}`;
    return {
      get: (k) => this.redis.getBuffer(key(k)),
      set: async (k, value, ttlMs) => {
        await this.redis.set(key(k), value, 'PX', ttlMs);
      }
    };
  }

  /** Leaves the directory: the node record goes at once (not after its lease), then the connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const me = this.self();
    if (this.redis.status === 'ready') {
      const keys = [this.key('node', me.id), ...[...this.owned.keys()].map((id) => this.key('session', id))];
      await this.redis
        .multi()
        .del(...keys)
        .srem(`${this.opts.prefix}nodes`, me.id)
        .exec()
        .catch(() => undefined);
    }
    this.redis.disconnect();
  }
}

function nodeFields(n: NodeRecord): Record<string, string> {
  return { url: n.url, capacity: String(n.capacity), sessions: String(n.sessions), draining: n.draining ? '1' : '0', at: String(Date.now()) };
}

function sessionFields(s: SessionRecord): Record<string, string> {
  return { node: s.node, deviceId: s.deviceId, appId: s.appId };
}

function parseNode(id: string, h: Record<string, string> | null): NodeRecord | null {
  if (!h || !h.url) return null;
  return { id, url: h.url, capacity: Number(h.capacity), sessions: Number(h.sessions), draining: h.draining === '1' };
}

/** A Redis URL without its password, for the log. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return 'redis';
  }
}
