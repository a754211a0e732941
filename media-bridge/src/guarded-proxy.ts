import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { StratusError } from '@stratus/protocol';
import { FORBIDDEN, guardedLookup, literalRefusal } from './guarded-net';
import { sameSecret } from './same-secret';

/** Headers that belong to one hop and are not forwarded (RFC 9110, 7.6.1). */
const HOP = new Set(['connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** One ffmpeg or ffprobe run's way out: its proxy URL, and what the guard refused it. */
export interface ProxyTicket {
  /** For ffmpeg's -http_proxy: carries the ticket's own credentials. */
  url: string;
  /** Requests refused (private addresses), newest last. */
  readonly refused: string[];
  /** The run is over: its credentials stop working. */
  close(): void;
}

/**
 * The only way ffmpeg and ffprobe reach the network: a forward proxy on loopback that applies the
 * source guard to every request they make (the source, each redirect, every playlist, segment and
 * key of a stream), when it connects, to the address it connects to. Plain http is forwarded;
 * https goes through CONNECT, so the guard sees the host and port of every TLS connection. Each
 * run gets its own credentials, so a refusal is pinned on the run that asked, which then fails
 * as a forbidden source instead of a network error.
 */
export class GuardedProxy {
  /** Live tickets by their user name (not secret): each holds its secret and what was refused it. */
  private readonly tickets = new Map<string, { secret: string; refused: string[] }>();
  private readonly sockets = new Set<Socket>();
  private readonly server: Server = createServer();
  /** The server listens from the first ticket on. */
  private listening: Promise<void> | null = null;

  /** `allow` is read at each request: the list may grow (the orchestrator adds its own address). */
  constructor(private readonly allow: readonly string[]) {
    const server = this.server;
    server.on('request', (req, res) => this.forward(req, res));
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => this.tunnel(req, socket, head));
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Starts listening, once; tickets are issued from then on. */
  start(): Promise<void> {
    this.listening ??= new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    return this.listening;
  }

  /** Credentials for one run of ffmpeg or ffprobe; the proxy must have started. */
  ticket(): ProxyTicket {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new StratusError('STRATUS_BRIDGE_FAILED', 'the media proxy is not running');
    const user = randomBytes(6).toString('hex');
    const secret = randomBytes(12).toString('hex');
    const entry = { secret, refused: [] as string[] };
    this.tickets.set(user, entry);
    const port = (address as AddressInfo).port;
    return {
      url: `http://${user}:${secret}@127.0.0.1:${port}`,
      refused: entry.refused,
      close: () => void this.tickets.delete(user)
    };
  }

  /** The ticket a request's Proxy-Authorization names, if it is a live one. */
  private ticketOf(req: IncomingMessage): { refused: string[] } | null {
    const m = /^Basic (.+)$/i.exec(req.headers['proxy-authorization'] ?? '');
    if (!m) return null;
    const given = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = given.indexOf(':');
    const entry = colon > 0 ? this.tickets.get(given.slice(0, colon)) : undefined;
    return entry && sameSecret(given.slice(colon + 1), entry.secret) ? entry : null;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const ticket = this.ticketOf(req);
    if (!ticket) {
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="stratus"' }).end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
      if (target.protocol !== 'http:') throw new Error('not http');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const port = target.port || '80';
    const refuse = (why: string): void => {
      ticket.refused.push(why);
      if (!res.headersSent) res.writeHead(403).end();
    };
    const literal = literalRefusal(target.hostname, port, this.allow);
    if (literal) {
      refuse(literal);
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
    const upstream = request(target, { method: req.method, headers, lookup: guardedLookup(port, this.allow) }, (up) => {
      const back: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP.has(k)) back[k] = v;
      res.writeHead(up.statusCode ?? 502, back);
      up.pipe(res);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === FORBIDDEN) refuse(err.message);
      else if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  private tunnel(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined);
    const ticket = this.ticketOf(req);
    if (!ticket) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="stratus"\r\n\r\n');
      return;
    }
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!m) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const host = m[1].replace(/^\[|\]$/g, '');
    const port = Number(m[2]);
    const refuse = (why: string): void => {
      ticket.refused.push(why);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    };
    const literal = literalRefusal(host, port, this.allow);
    if (literal) {
      refuse(literal);
      return;
    }
    const upstream = connect({ host, port, lookup: guardedLookup(port, this.allow) });
    upstream.once('connect', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === FORBIDDEN) refuse(err.message);
      else socket.destroy();
    });
    socket.on('close', () => upstream.destroy());
  }

  /** A run's failure, as a forbidden source when the guard refused it something. */
  static verdict(ticket: ProxyTicket, err: StratusError): StratusError {
    if (ticket.refused.length === 0) return err;
    return new StratusError('STRATUS_MEDIA_SOURCE_FORBIDDEN', ticket.refused[ticket.refused.length - 1]);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (!this.listening) return Promise.resolve();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * What every ffmpeg and ffprobe run that reads a source is given: its proxy, and only the network
 * protocols that go through it (no file:, udp:, rtmp: or others a playlist could name).
 */
export function inputGuardArgs(ticket: ProxyTicket): string[] {
  return ['-protocol_whitelist', 'http,https,tls,tcp,httpproxy,crypto', '-http_proxy', ticket.url];
}

/**
 * ffmpeg honours no_proxy even for its -http_proxy option: a loopback entry there would let it
 * fetch private hosts directly. The media processes of Stratus use no environment proxy settings.
 */
export function forgetNoProxy(): void {
  delete process.env.no_proxy;
  delete process.env.NO_PROXY;
}
