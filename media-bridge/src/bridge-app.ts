import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { Express, NextFunction, Request, Response } from 'express';
import { errorSpec } from '@stratus/protocol';
import { Lease, MediaBridge } from './bridge';
import { isStratusError, StratusError } from '@stratus/protocol';

/** Where the segments are served, on the standalone bridge and in the orchestrator alike. */
export const BRIDGE_MOUNT = '/bridge';

/**
 * The standalone media-bridge's HTTP face: the segments under /bridge, and a small API for the
 * orchestrator (bearer `token` when set):
 *
 *   POST /v1/open    {source, maxWidth, maxHeight} -> {lease, id, playlist, duration}
 *   POST /v1/release {lease}                       -> 204
 *   GET  /v1/stats                                 -> counters
 *
 * Errors answer {code, message} with the registry's code.
 */
export function bridgeApp(bridge: MediaBridge, token: string): Express {
  const app = express();
  const leases = new Map<string, Lease>();
  app.disable('x-powered-by');
  app.use(BRIDGE_MOUNT, bridge.router());
  const api = express.Router();
  api.use((req: Request, res: Response, next: NextFunction) => {
    if (token && !sameSecret(req.get('authorization') ?? '', `Bearer ${token}`)) {
      res.status(401).json({ code: 'STRATUS_AUTH_INVALID', message: 'bad or missing bearer token' });
      return;
    }
    next();
  });
  api.use(express.json({ limit: '8kb' }));
  api.post('/open', (req, res) => {
    const b = (req.body ?? {}) as { source?: unknown; maxWidth?: unknown; maxHeight?: unknown };
    const w = Number(b.maxWidth);
    const h = Number(b.maxHeight);
    if (typeof b.source !== 'string' || !Number.isInteger(w) || !Number.isInteger(h) || w < 160 || h < 120 || w > 7680 || h > 4320) {
      fail(res, new StratusError('STRATUS_INVALID_PARAMS', 'expected {source, maxWidth, maxHeight}'));
      return;
    }
    bridge.open(b.source, { maxWidth: w, maxHeight: h }).then((lease) => {
      const id = randomBytes(12).toString('hex');
      leases.set(id, lease);
      res.json({ lease: id, id: lease.id, playlist: `${BRIDGE_MOUNT}/${lease.playlist}`, duration: lease.duration });
    }, (err: unknown) => fail(res, err));
  });
  api.post('/release', (req, res) => {
    const id = String((req.body as { lease?: unknown } | undefined)?.lease ?? '');
    leases.get(id)?.release();
    leases.delete(id);
    res.status(204).end();
  });
  api.get('/stats', (_req, res) => {
    res.json({ ...bridge.stats, active: bridge.active, processes: bridge.processes, leases: leases.size });
  });
  app.use('/v1', api);
  return app;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function fail(res: Response, err: unknown): void {
  const e = isStratusError(err) ? err : new StratusError('STRATUS_INTERNAL', String(err));
  const status = e.code === 'STRATUS_BRIDGE_BUSY' ? 503 : e.code === 'STRATUS_INVALID_PARAMS' ? 400 : 422;
  res.status(status).json({ code: e.code, rpc: errorSpec(e.code).rpc, message: e.message });
}
