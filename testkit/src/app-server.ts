import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FIXTURES } from './fixtures';
import express from 'express';

export interface SeenRequest {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  query: Record<string, string>;
}

/**
 * An app origin for tests: serves fixtures/apps and records every request it gets, so tests can
 * check what the cloud browser really sent (beacons, headers).
 */
export class AppServer {
  readonly seen: SeenRequest[] = [];
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string
  ) {}

  static async start(): Promise<AppServer> {
    const app = express();
    let self: AppServer | null = null;
    app.use((req, _res, next) => {
      self?.seen.push({ path: req.path, method: req.method, headers: req.headers, query: req.query as Record<string, string> });
      next();
    });
    app.post('/beacon', (_req, res) => {
      res.status(204).end();
    });
    app.use(express.static(join(FIXTURES, 'apps')));
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    self = new AppServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.closeAllConnections();
      this.server.close(() => r());
    });
  }
}
