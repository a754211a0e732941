import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, IncomingMessage, Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { AddressInfo, Socket } from 'node:net';
import express from 'express';
import { DEVICE_WS_PATH } from '@stratus/protocol';
import { WebSocketServer } from 'ws';
import { ASSETS } from './assets';
import { Config, listOf } from './config';
import { PeerConnection, SessionHost } from './connection/peer-connection';
import { deviceIp, normalizeIp } from './identity';
import { mediaOriginRouter } from './dev/media-origin';
import { ApiHost, apiRouter } from './api/rest';
import { BRIDGE_MOUNT, MediaBridge, sameSecret } from '@stratus/media-bridge';
import type { Metrics } from './ops/metrics';
import type { NodeStatus } from './orchestrator';

export interface HttpFront {
  server: Server;
  wss: WebSocketServer;
  connections: Set<PeerConnection>;
  baseUrl: string;
  close(): Promise<void>;
}

/** The HTTP side: emulator page, device bundle, demo apps, and the device WebSocket. */
/** What the operator API may do; the orchestrator implements it. */
export interface OperatorActions {
  listSessions(): Array<{ id: string; deviceId: string; appId: string }>;
  closeSession(id: string): Promise<boolean>;
  revokeDevice(deviceId: string): Promise<number>;
  /** Readiness: false while the cloud browser is being relaunched, or the node drains or stops. */
  health(): { ok: boolean };
  readonly metrics: Metrics;
  drain(): Promise<void>;
  nodeStatus(): NodeStatus;
}

/** The orchestrator's own pages, the configured ones, and clients that are not pages (no Origin). */
function originAllowed(origin: string | undefined, host: string | undefined, allowed: Set<string>): boolean {
  if (origin === undefined) return true;
  if (allowed.has(origin)) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

function operatorApi(config: Config, ops: OperatorActions): express.Router {
  const router = express.Router();
  router.use((req, res, next) => {
    const want = config.auth.operatorToken;
    if (!want) {
      res.status(404).end();
      return;
    }
    // Only "Bearer <token>".
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m || !sameSecret(m[1], want)) {
      res.status(401).json({ error: { code: 'STRATUS_AUTH_INVALID' } });
      return;
    }
    next();
  });
  router.get('/sessions', (_req, res) => {
    res.json({ sessions: ops.listSessions() });
  });
  router.post('/sessions/:id/close', async (req, res) => {
    const closed = await ops.closeSession(req.params.id);
    res.status(closed ? 200 : 404).json({ closed });
  });
  router.post('/devices/:id/revoke', async (req, res) => {
    res.json({ revoked: req.params.id, sessionsClosed: await ops.revokeDevice(req.params.id) });
  });
  // Kubernetes' preStop hook can call this; SIGTERM does the same (main.ts).
  router.post('/drain', (_req, res) => {
    void ops.drain();
    res.json(ops.nodeStatus());
  });
  return router;
}

export async function startHttp(config: Config, host: SessionHost & OperatorActions & ApiHost, bridge: MediaBridge | null = null): Promise<HttpFront> {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    // No MIME sniffing, no referrer to the next site, no framing by another origin.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    res.setHeader('Content-Security-Policy', "frame-ancestors 'self'");
    next();
  });
  // The embedded media-bridge's transcodes, fetched by devices on the virtual path.
  if (bridge) app.use(BRIDGE_MOUNT, bridge.router());
  // The boxes the emulator can pretend to be, and the one it starts as.
  app.get('/device/profiles.json', (_req, res) => {
    const profiles = Object.entries(config.devices.profiles).map(([id, p]) => ({ ...p, id }));
    res.setHeader('Cache-Control', 'no-cache');
    res.json({ default: config.devices.emulatorProfile, profiles });
  });
  // Load balancers send no new devices to a node whose browser is down, or that drains.
  const readiness = (_req: express.Request, res: express.Response): void => {
    const h = host.health();
    res.setHeader('Cache-Control', 'no-store');
    res.status(h.ok ? 200 : 503).json(h);
  };
  app.get('/healthz', readiness);
  app.get('/readyz', readiness);
  // Alive while the event loop answers: a draining or relaunching node must not be restarted.
  app.get('/livez', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true });
  });
  if (config.ops.metrics === 'on') {
    app.get('/metrics', (req, res, next) => {
      const want = config.ops.metricsToken;
      const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      if (want && (!m || !sameSecret(m[1], want))) {
        res.status(401).json({ error: { code: 'STRATUS_AUTH_INVALID' } });
        return;
      }
      host.metrics.text().then(({ contentType, body }) => {
        res.setHeader('Content-Type', contentType);
        res.setHeader('Cache-Control', 'no-store');
        res.end(body);
      }, next);
    });
  }
  // Development only: hands the emulator a token so `npm start` works out of the box. Production
  // mode serves nothing here; devices there carry operator-issued tokens.
  app.get('/dev/token', (_req, res) => {
    if (config.auth.mode !== 'development') {
      res.status(404).end();
      return;
    }
    res.set('Cache-Control', 'no-store');
    // A device id per emulator page: one emulator cannot join another's session with its token.
    res.json({ token: host.issueDeviceToken(`emulator-${randomBytes(6).toString('hex')}`, config.auth.devTokenTtlS), insecure: true });
  });
  app.use('/operator', operatorApi(config, host));
  // The integration API (docs/api.md): API keys, the catalogue, sessions, events.
  app.use('/api', apiRouter(host));
  // The device page for HbbTV terminals: they only run it as an app with the HbbTV content type.
  // ?desktop=1 serves the same page as text/html, so desktop Chrome renders it instead of
  // downloading it (for developers and the tests).
  app.use('/tv', (req, res, next) => {
    if (req.path === '/' || req.path === '/index.html') {
      const type = req.query.desktop === '1' ? 'text/html; charset=utf-8' : 'application/vnd.hbbtv.xhtml+xml; charset=utf-8';
      res.sendFile(join(ASSETS.emulator, 'tv', 'index.html'), { headers: { 'Content-Type': type, 'Cache-Control': 'no-cache' } });
      return;
    }
    next();
  });
  // Player libraries, fetched by a device only when a stream needs MSE playback.
  app.get('/device/vendor/:file', (req, res) => {
    const file = Object.prototype.hasOwnProperty.call(ASSETS.vendor, req.params.file) ? ASSETS.vendor[req.params.file] : undefined;
    if (!file) {
      res.status(404).end();
      return;
    }
    res.sendFile(file, { headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=86400' } });
  });
  app.use('/device', express.static(ASSETS.deviceDist, { fallthrough: true }));
  // A development media origin: the generated VOD assets and looping live channels that the
  // default channel line-up points at. Devices fetch from it directly, as from any media origin.
  if (config.media.fixtureOrigin === 'on' && config.auth.mode !== 'production' && existsSync(ASSETS.media)) {
    app.use('/media', mediaOriginRouter(ASSETS.media, listOf(config.media.corsOrigins)));
  }
  // HbbTV fixture apps are .xhtml files, served as terminals get them from broadcasters.
  app.use(
    '/apps',
    express.static(ASSETS.apps, {
      index: ['index.html', 'index.xhtml'],
      setHeaders: (res, path) => {
        if (path.endsWith('.xhtml')) res.setHeader('Content-Type', 'application/vnd.hbbtv.xhtml+xml; charset=utf-8');
      }
    })
  );
  app.use('/', express.static(ASSETS.emulator, { index: 'index.html' }));
  // One error handler: a coded JSON answer, never express's HTML page with a stack trace and paths.
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    const code = status >= 400 && status < 500 ? 'STRATUS_INVALID_MESSAGE' : 'STRATUS_INTERNAL';
    if (res.headersSent) return;
    res.status(status >= 400 && status < 600 ? status : 500).json({ error: { code } });
  });

  const tls = config.server.tlsCert ? { cert: readFileSync(config.server.tlsCert), key: readFileSync(config.server.tlsKey) } : null;
  const server: Server = tls ? createTlsServer(tls, app) : createServer(app);
  // Our own size check runs per message and answers with a coded error; this hard cap only stops
  // a peer from making ws buffer something absurd before that check sees it.
  // UTF-8 is checked per message by the connection, which answers with a coded error: ws's own
  // check would close with 1007, which looks like a dropped network and holds the channel.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.server.maxMessageBytes * 4, skipUTF8Validation: true });
  const connections = new Set<PeerConnection>();
  const trusted = new Set(listOf(config.server.trustedProxies).map(normalizeIp).filter((p): p is string => p !== null));
  const allowedOrigins = new Set(listOf(config.server.allowedOrigins));
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== DEVICE_WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!originAllowed(req.headers.origin, req.headers.host, allowedOrigins)) {
      // A page of another site must not drive a session with a viewer's credentials.
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const ip = deviceIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted);
      const conn = new PeerConnection(ws, host, { ip });
      connections.add(conn);
      ws.on('close', () => connections.delete(conn));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.server.port, config.server.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    wss,
    connections,
    baseUrl: `${tls ? 'https' : 'http'}://${shownHost}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
