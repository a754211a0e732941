import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import express from 'express';
import { DEVICE_WS_PATH } from '@stratus/protocol';
import { WebSocketServer } from 'ws';
import { ASSETS } from './assets';
import { Config } from './config';
import { DeviceConnection, SessionHost } from './device-connection';

export interface HttpFront {
  server: Server;
  wss: WebSocketServer;
  connections: Set<DeviceConnection>;
  baseUrl: string;
  close(): Promise<void>;
}

/** The HTTP side: emulator page, device bundle, demo apps, and the device WebSocket. */
export async function startHttp(config: Config, host: SessionHost): Promise<HttpFront> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/device', express.static(ASSETS.deviceDist, { fallthrough: true }));
  app.use('/apps', express.static(ASSETS.apps));
  app.use('/', express.static(ASSETS.emulator, { index: 'index.html' }));

  const server = createServer(app);
  // Our own size check runs per message and answers with a coded error; this hard cap only stops
  // a peer from making ws buffer something absurd before that check sees it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.server.maxMessageBytes * 4 });
  const connections = new Set<DeviceConnection>();
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== DEVICE_WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new DeviceConnection(ws, host);
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
    baseUrl: `http://${shownHost}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
