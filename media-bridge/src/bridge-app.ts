import { randomBytes } from 'node:crypto';
import express, { Express, NextFunction, Request, Response } from 'express';
import { errorSpec } from '@stratus/protocol';
import { Lease, MediaBridge } from './bridge';
import { sameSecret } from './same-secret';
import { isStratusError, StratusError } from '@stratus/protocol';

/** Where the segments are served, on the standalone bridge and in the orchestrator alike. */
export const BRIDGE_MOUNT = '/bridge';

/**
 * The standalone media-bridge's HTTP face: the segments under /bridge, and a small API for the
 * orchestrator (bearer `token` when set):
 *
 *   POST /v1/open    {source, maxWidth, maxHeight} -> {lease, id, playlist, duration}
 *   POST /v1/release {lease}                       -> 204
 *   GET  /v1/watch?lease=ID                        -> {code, message} once its ffmpeg fails;
 *                                                     204 after a while without (ask again); 410 once released
 *   GET  /v1/stats                                 -> counters
 *
 * Errors answer {code, message} with the registry's code.
 */
export function bridgeApp(bridge: MediaBridge, token: string, watchHoldMs = 25000): Express {
  const app = express();
  const leases = new Map<string, Lease>();
  /** Why a lease's transcode failed, for the orchestrator's watch. */
  const failures = new Map<string, StratusError>();
  /** Watches waiting on a lease; each is answered once. */
  const watchers = new Map<string, Set<(answer: { status: number; body?: object }) => void>>();
  const tell = (id: string, answer: { status: number; body?: object }): void => {
    for (const w of watchers.get(id) ?? []) w(answer);
    watchers.delete(id);
  };
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
      // The orchestrator hears of an ffmpeg failure (its watch), so the app gets a coded error,
      // as with the embedded bridge, instead of only the device player's network error.
      lease.onFailed((err) => {
        failures.set(id, err);
        tell(id, { status: 200, body: { code: err.code, message: err.message } });
      });
      res.json({ lease: id, id: lease.id, playlist: `${BRIDGE_MOUNT}/${lease.playlist}`, duration: lease.duration });
    }, (err: unknown) => fail(res, err));
  });
  api.post('/release', (req, res) => {
    const id = String((req.body as { lease?: unknown } | undefined)?.lease ?? '');
    leases.get(id)?.release();
    leases.delete(id);
    failures.delete(id);
    tell(id, { status: 410 });
    res.status(204).end();
  });
  api.get('/watch', (req, res) => {
    const id = String(req.query.lease ?? '');
    const failed = failures.get(id);
    if (failed) {
      res.json({ code: failed.code, message: failed.message });
      return;
    }
    if (!leases.has(id)) {
      res.status(410).end();
      return;
    }
    const waiting = watchers.get(id) ?? new Set();
    watchers.set(id, waiting);
    const timer = setTimeout(() => answer({ status: 204 }), watchHoldMs);
    const answer = (a: { status: number; body?: object }): void => {
      clearTimeout(timer);
      waiting.delete(answer);
      if (a.body) res.status(a.status).json(a.body);
      else res.status(a.status).end();
    };
    waiting.add(answer);
    res.on('close', () => {
      clearTimeout(timer);
      waiting.delete(answer);
    });
  });
  api.get('/stats', (_req, res) => {
    res.json({ ...bridge.stats, active: bridge.active, processes: bridge.processes, leases: leases.size });
  });
  app.use('/v1', api);
  return app;
}


function fail(res: Response, err: unknown): void {
  const e = isStratusError(err) ? err : new StratusError('STRATUS_INTERNAL', String(err));
  const status = e.code === 'STRATUS_BRIDGE_BUSY' ? 503 : e.code === 'STRATUS_INVALID_PARAMS' ? 400 : 422;
  res.status(status).json({ code: e.code, rpc: errorSpec(e.code).rpc, message: e.message });
}
