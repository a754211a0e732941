import { get } from 'node:http';
import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A load balancer in front of several nodes, as a Kubernetes Service is: each new TCP connection
 * goes to the first node whose /readyz answers 200, so a draining node gets no new devices while
 * its open connections carry on. No stickiness: nothing may depend on it.
 */
export class Balancer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private nodes: string[]
  ) {}

  /** The nodes behind it from now on, in the order it tries them. */
  setNodes(nodes: string[]): void {
    this.nodes = nodes;
  }

  /** Its own address, as a device page's origin. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(nodes: string[]): Promise<Balancer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('the balancer did not get a port');
    const b = new Balancer(server, address.port, nodes);
    server.on('connection', (client) => void b.carry(client));
    return b;
  }

  /** The same URL through the balancer. */
  through(url: string): string {
    const u = new URL(url);
    u.host = `127.0.0.1:${this.port}`;
    return u.href;
  }

  private async carry(client: Socket): Promise<void> {
    this.track(client);
    client.pause();
    const node = await this.readyNode();
    if (!node || client.destroyed) {
      client.destroy();
      return;
    }
    const u = new URL(node);
    const upstream = this.track(createConnection({ host: u.hostname, port: Number(u.port) }));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }

  private async readyNode(): Promise<string | null> {
    for (const node of this.nodes) if (await ready(node)) return node;
    return null;
  }

  private track(s: Socket): Socket {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    return s;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function ready(node: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${node}/readyz`, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(5000, () => req.destroy());
  });
}
