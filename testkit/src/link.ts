import { createConnection, createServer, Server, Socket } from 'node:net';

export interface LinkOptions {
  /** Bottleneck rate, each way, in bits per second. */
  rateBps: number;
  /** One-way propagation delay in ms (half the round trip). */
  delayMs: number;
  /** Bytes the bottleneck holds before the sender is paused, as a router's queue would. */
  queueBytes?: number;
}

/**
 * A device's access link between a device and a server on this machine: a TCP proxy on 127.0.0.1
 * that delays every byte by `delayMs` each way and lets it through no faster than `rateBps`. This
 * kernel has no netem for delay, and tbf needs a network namespace; a proxy does both, per
 * connection, without privileges. Each direction is one FIFO with one timer, so bytes keep their
 * order.
 */
export class EmulatedLink {
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    readonly port: number
  ) {}

  static async start(target: { host: string; port: number }, opts: LinkOptions): Promise<EmulatedLink> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the link did not get a port');
    const link = new EmulatedLink(server, address.port);
    server.on('connection', (client) => link.carry(client, target, opts));
    return link;
  }

  /** The same URL through the link: `http://127.0.0.1:<orchestrator>/x` becomes `http://127.0.0.1:<link>/x`. */
  through(url: string): string {
    const u = new URL(url);
    u.host = `127.0.0.1:${this.port}`;
    return u.toString();
  }

  private carry(client: Socket, target: { host: string; port: number }, opts: LinkOptions): void {
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
      s.on('error', () => undefined);
    }
    this.direction(client, upstream, opts);
    this.direction(upstream, client, opts);
  }

  private direction(from: Socket, to: Socket, opts: LinkOptions): void {
    const queue: Array<{ at: number; chunk: Buffer }> = [];
    const limit = opts.queueBytes ?? 256 * 1024;
    let queued = 0;
    /** When the bottleneck has finished sending what it holds. */
    let busyUntil = 0;
    let timer: NodeJS.Timeout | null = null;
    const deliver = (): void => {
      if (timer) this.timers.delete(timer);
      timer = null;
      const now = performance.now();
      while (queue.length > 0 && queue[0].at <= now) {
        const { chunk } = queue.shift()!;
        queued -= chunk.length;
        if (!to.destroyed) to.write(chunk);
      }
      if (queued < limit && from.isPaused()) from.resume();
      if (queue.length > 0) schedule();
    };
    const schedule = (): void => {
      timer = setTimeout(deliver, Math.max(0, queue[0].at - performance.now()));
      this.timers.add(timer);
    };
    from.on('data', (chunk: Buffer) => {
      const now = performance.now();
      busyUntil = Math.max(now, busyUntil) + (chunk.length * 8 * 1000) / opts.rateBps;
      queue.push({ at: busyUntil + opts.delayMs, chunk });
      queued += chunk.length;
      if (queued >= limit) from.pause();
      if (!timer) schedule();
    });
    from.on('end', () => {
      // Half-close after what is still on the wire.
      const flush = (): void => {
        if (queue.length === 0) {
          to.end();
          return;
        }
        const t = setTimeout(() => {
          this.timers.delete(t);
          flush();
        }, 5);
        this.timers.add(t);
      };
      flush();
    });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
