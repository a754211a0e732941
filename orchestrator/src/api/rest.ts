import express, { NextFunction, Request, Response } from 'express';
import {
  check,
  ErrorCode,
  httpStatus,
  isOrchestratorMethod,
  parseRequest,
  rpcErrorOf,
  rpcResult,
  SessionInfo,
  StratusError,
  TO_ORCHESTRATOR,
  toStratusError,
  wireMessage
} from '@stratus/protocol';
import { sameSecret } from '@stratus/media-bridge';
import { RateLimit } from '../channel/rate-limit';
import type { AppEntry, Config } from '../config';
import type { Session } from '../session/session';
import { apiDocuments } from './api-docs';
import type { ApiState, NodeStatus, PrewarmSpec } from '../orchestrator';
import type { Logger } from '../ops/log';
import { ControlHost, isControlMethod, runControl } from './control-methods';
import { coversApp, Principal, requireOperator } from './principal';
import { PATH_PARAMS, ROUTES, RouteSpec } from './routes';
import { serveEvents } from './sse';

/** What the REST API needs from the orchestrator. */
export interface ApiHost extends ControlHost {
  readonly config: Config;
  readonly api: ApiState;
  sessionsFor(p: Principal): Session[];
  sessionFor(p: Principal, id: string): Session;
  prewarm(p: Principal, spec: PrewarmSpec): Promise<SessionInfo>;
  issueDeviceToken(deviceId: string, ttlSeconds: number): string;
  revokeDevice(deviceId: string): Promise<number>;
  nodeStatus(): NodeStatus;
  drain(): Promise<void>;
  /** With many nodes: the base URL of the live node that owns a session this node does not hold. */
  ownerUrl(sessionId: string): Promise<string | null>;
  /** With many nodes: the base URLs of the other live nodes. */
  otherNodeUrls(): Promise<string[]>;
  readonly nodeId: string;
}

/** Marks a call one node passes to another, which answers it itself (never passes it on). */
const FORWARDED = 'x-stratus-forwarded';

/** Passes a call on to the node that owns its session, and its answer back. */
async function forward(base: string, node: string, req: Request, res: Response): Promise<void> {
  const headers: Record<string, string> = { [FORWARDED]: node };
  for (const h of ['authorization', 'content-type', 'idempotency-key', 'last-event-id']) {
    const v = req.header(h);
    if (v !== undefined) headers[h] = v;
  }
  const hasBody = req.method === 'POST' || req.method === 'PUT';
  const r = await fetch(new URL(req.originalUrl, base), { method: req.method, headers, body: hasBody ? JSON.stringify(req.body ?? {}) : undefined, signal: AbortSignal.timeout(30000) });
  res.status(r.status);
  const type = r.headers.get('content-type');
  if (type) res.setHeader('Content-Type', type);
  res.end(Buffer.from(await r.arrayBuffer()));
}

interface Call {
  p: Principal;
  params: Record<string, string>;
  body: unknown;
  req: Request;
  res: Response;
}

type Handler = (c: Call) => Promise<unknown>;

/** Remembered answers to POSTs with an Idempotency-Key, so a retried request is not run twice. */
const IDEMPOTENCY_MS = 10 * 60 * 1000;
const IDEMPOTENCY_MAX = 1000;

/** An error answer: the registry code, its words, and the HTTP status the code maps to. */
function sendError(log: Logger, res: Response, err: StratusError): void {
  if (err.code === 'STRATUS_INTERNAL') log.error({ err }, 'internal error in the API');
  if (!res.headersSent) res.status(httpStatus(err.code)).json({ error: { code: err.code, message: wireMessage(err) } });
}

/** An app entry as stored: the schema-checked body, without its id. */
function entryOf(body: Record<string, unknown>): AppEntry {
  const { id: _id, ...entry } = body;
  return entry as unknown as AppEntry;
}

/**
 * The integration API under /api: every route of routes.ts, authenticated with an API key
 * ("Authorization: Bearer sk_..."; the operator token of auth.operatorToken counts as an
 * operator key), authorised against the key's scope, rate limited per key, its body size- and
 * schema-checked. Every refusal is a coded error that changes nothing.
 */
export function apiRouter(host: ApiHost): express.Router {
  const config = host.config;
  const router = express.Router();
  const limits = new Map<string, RateLimit>();
  const remembered = new Map<string, { at: number; answer: Promise<{ status: number; body: unknown }> }>();
  const docs = apiDocuments();

  const limit = (who: string): void => {
    let l = limits.get(who);
    if (!l) {
      // Bounded: the oldest limiter goes first (a flood of addresses cannot grow this for ever).
      if (limits.size >= 10000) limits.delete(limits.keys().next().value as string);
      l = new RateLimit(config.api.ratePerS, config.api.rateBurst);
      limits.set(who, l);
    }
    if (!l.take()) throw new StratusError('STRATUS_RATE_LIMITED', `over ${config.api.ratePerS} calls/s`);
  };

  const authenticate = (req: Request): Principal => {
    const m = /^Bearer (\S{1,512})$/.exec(req.header('authorization') ?? '');
    if (!m) {
      limit(`ip:${req.socket.remoteAddress ?? ''}`);
      throw new StratusError('STRATUS_AUTH_REQUIRED', 'send "Authorization: Bearer <API key>"');
    }
    const want = config.auth.operatorToken;
    if (want && sameSecret(m[1], want)) return { kind: 'operator', keyId: 'operator-token' };
    try {
      return host.api.keys.verify(m[1]);
    } catch (err) {
      // Guessing keys costs the guesser's address its rate.
      limit(`ip:${req.socket.remoteAddress ?? ''}`);
      throw err;
    }
  };

  const visibleApp = async (p: Principal, id: string): Promise<AppEntry> => {
    const app = await host.api.catalogue.get(id);
    if (!app || !coversApp(p, app.owner)) throw new StratusError('STRATUS_UNKNOWN_APP', id);
    return app;
  };

  /** A broadcaster's entries are its own: an owner it names must be itself, and none means itself. */
  const ownedEntry = (p: Principal, entry: AppEntry): AppEntry => {
    if (p.kind === 'broadcaster') {
      if (entry.owner !== undefined && entry.owner !== p.name) throw new StratusError('STRATUS_FORBIDDEN', `owner ${entry.owner}`);
      return { ...entry, owner: p.name };
    }
    return entry;
  };

  const handlers: Record<string, Handler> = {
    getOpenApi: async () => docs.openapi,
    getOpenRpc: async () => docs.openrpc,
    listKeys: async () => ({ keys: host.api.keys.list() }),
    createKey: async ({ body }) => {
      const b = body as { scope: string; label?: string };
      const { key, info } = host.api.keys.create(b.scope, b.label ?? '');
      return { ...info, key };
    },
    revokeKey: async ({ params }) => host.api.keys.revoke(params.keyId),
    listApps: async ({ p }) => ({ apps: (await host.api.catalogue.list()).filter((a) => coversApp(p, a.owner)) }),
    createApp: async ({ p, body }) => {
      const b = body as Record<string, unknown> & { id: string };
      return host.api.catalogue.create(b.id, ownedEntry(p, entryOf(b)));
    },
    getApp: async ({ p, params }) => ({ id: params.appId, ...(await visibleApp(p, params.appId)) }),
    updateApp: async ({ p, params, body }) => {
      await visibleApp(p, params.appId);
      return host.api.catalogue.update(params.appId, ownedEntry(p, entryOf(body as Record<string, unknown>)));
    },
    deleteApp: async ({ p, params }) => {
      await visibleApp(p, params.appId);
      await host.api.catalogue.delete(params.appId);
    },
    listSessions: async ({ p, req }) => {
      const local = host.sessionsFor(p).map((s) => s.info());
      if (req.header(FORWARDED) !== undefined) return { sessions: local };
      // With many nodes, each lists its own; a node that does not answer is left out.
      const others = await Promise.all(
        (await host.otherNodeUrls()).map(async (base) => {
          try {
            const r = await fetch(new URL('/api/sessions', base), { headers: { authorization: req.header('authorization') ?? '', [FORWARDED]: host.nodeId }, signal: AbortSignal.timeout(5000) });
            return r.ok ? ((await r.json()) as { sessions: SessionInfo[] }).sessions : [];
          } catch {
            return [];
          }
        })
      );
      return { sessions: [...local, ...others.flat()] };
    },
    prewarmSession: async ({ p, body }) => host.prewarm(p, body as PrewarmSpec),
    getSession: async ({ p, params }) => host.sessionFor(p, params.sessionId).info(),
    closeSession: async ({ p, params }) => {
      await host.sessionFor(p, params.sessionId).close(new StratusError('STRATUS_OPERATOR_CLOSED'));
    },
    sessionRpc: async ({ p, params, body, res }) => {
      const session = host.sessionFor(p, params.sessionId);
      const req = parseRequest(body);
      const id = req.id ?? null;
      try {
        const method = req.method;
        if (!isControlMethod(method)) {
          throw new StratusError(isOrchestratorMethod(method) ? 'STRATUS_METHOD_NOT_ALLOWED' : 'STRATUS_UNKNOWN_METHOD', method);
        }
        if (req.seq !== undefined || req.ack !== undefined) throw new StratusError('STRATUS_INVALID_MESSAGE', 'seq and ack belong to the WebSocket link');
        const why = check(TO_ORCHESTRATOR[method].params, req.params ?? {});
        if (why) throw new StratusError('STRATUS_INVALID_PARAMS', why);
        const result = await runControl(host, session, p, method, (req.params ?? {}) as never);
        if (id === null) return undefined;
        return rpcResult(id, result);
      } catch (err) {
        const e = toStratusError(err);
        if (id === null) throw e;
        res.status(200);
        return { jsonrpc: '2.0', id, error: rpcErrorOf(e) };
      }
    },
    createDeviceToken: async ({ params, body }) => {
      const ttlS = (body as { ttlS?: number }).ttlS ?? 86400;
      return { deviceId: params.deviceId, token: host.issueDeviceToken(params.deviceId, ttlS), expiresAt: new Date(Date.now() + ttlS * 1000).toISOString() };
    },
    revokeDevice: async ({ params }) => ({ revoked: params.deviceId, sessionsClosed: await host.revokeDevice(params.deviceId) }),
    getNode: async () => host.nodeStatus(),
    drainNode: async () => {
      void host.drain();
      return host.nodeStatus();
    },
    listWebhooks: async ({ p }) => ({ webhooks: host.api.webhooks.list(p) }),
    createWebhook: async ({ p, body }) => {
      const { info, secret } = await host.api.webhooks.create(p, body as { url: string });
      return { ...info, secret };
    },
    getWebhook: async ({ p, params }) => host.api.webhooks.get(p, params.webhookId),
    deleteWebhook: async ({ p, params }) => {
      host.api.webhooks.delete(p, params.webhookId);
    },
    streamEvents: async ({ p, req, res }) => {
      serveEvents(host.api.events, p, req, res);
      return STREAMING;
    }
  };

  router.use(express.json({ limit: config.api.maxBodyBytes, type: () => true }));
  for (const route of ROUTES) {
    const handler = handlers[route.operationId];
    if (!handler) throw new Error(`no handler for ${route.operationId}`);
    const path = route.path.slice('/api'.length).replace(/\{(\w+)\}/g, ':$1');
    router[route.method](path, (req, res) => void serve(route, handler, req, res));
  }
  router.use((_req, res) => sendError(host.log, res, new StratusError('STRATUS_NOT_FOUND', 'no such API route')));
  // Body parser failures: an oversized body, or one that is not JSON.
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const type = (err as { type?: string }).type;
    const code: ErrorCode = type === 'entity.too.large' ? 'STRATUS_MESSAGE_TOO_LARGE' : type === 'entity.parse.failed' ? 'STRATUS_PARSE_ERROR' : 'STRATUS_INVALID_MESSAGE';
    sendError(host.log, res, new StratusError(code));
  });

  async function serve(route: RouteSpec, handler: Handler, req: Request, res: Response): Promise<void> {
    try {
      res.setHeader('Cache-Control', 'no-store');
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.params as Record<string, string>)) {
        if (!PATH_PARAMS[k]?.test(v)) throw new StratusError('STRATUS_INVALID_PARAMS', `${k} has an illegal format`);
        params[k] = v;
      }
      let p: Principal = { kind: 'operator', keyId: 'anonymous' };
      if (route.auth !== 'none') {
        p = authenticate(req);
        limit(`key:${'keyId' in p ? p.keyId : ''}`);
        if (route.auth === 'operator') requireOperator(p);
      }
      // Another node's session: that node answers (its owner, from the directory).
      if (params.sessionId && req.header(FORWARDED) === undefined && !host.sessionsFor(p).some((s) => s.id === params.sessionId)) {
        const owner = await host.ownerUrl(params.sessionId);
        if (owner) {
          await forward(owner, host.nodeId, req, res);
          return;
        }
      }
      // A GET or DELETE takes no body; express.json() leaves {} or undefined when none came.
      const body = route.method === 'post' || route.method === 'put' ? (req.body ?? {}) : undefined;
      if (route.body) {
        const why = check(route.body, body, 'body');
        if (why) throw new StratusError('STRATUS_INVALID_PARAMS', why);
      }
      const key = route.method === 'post' ? req.header('idempotency-key') : undefined;
      const run = async (): Promise<{ status: number; body: unknown }> => {
        const out = await handler({ p, params, body, req, res });
        return { status: res.statusCode !== 200 ? res.statusCode : route.status, body: out };
      };
      let answer: { status: number; body: unknown };
      if (key !== undefined && route.operationId !== 'streamEvents') {
        if (!/^[\x21-\x7e]{1,128}$/.test(key)) throw new StratusError('STRATUS_INVALID_PARAMS', 'Idempotency-Key must be 1..128 printable characters');
        const slot = `${'keyId' in p ? p.keyId : ''}\n${req.originalUrl}\n${key}`;
        const now = Date.now();
        for (const [k, v] of remembered) {
          if (now - v.at < IDEMPOTENCY_MS && remembered.size < IDEMPOTENCY_MAX) break;
          remembered.delete(k);
        }
        let entry = remembered.get(slot);
        if (!entry) {
          entry = { at: now, answer: run() };
          remembered.set(slot, entry);
          // A failed first attempt may be tried again.
          entry.answer.catch(() => remembered.delete(slot));
        } else {
          res.setHeader('Idempotent-Replayed', 'true');
        }
        answer = await entry.answer;
      } else {
        answer = await run();
      }
      if (answer.body === STREAMING) return;
      if (answer.body === undefined) {
        res.status(204).end();
        return;
      }
      res.status(answer.status).json(answer.body);
    } catch (err) {
      sendError(host.log, res, toStratusError(err));
    }
  }

  return router;
}

/** A handler that answered by streaming (SSE) itself. */
const STREAMING = Symbol('streaming');
