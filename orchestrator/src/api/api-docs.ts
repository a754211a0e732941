import {
  APP_CREATE_SCHEMA,
  ERRORS,
  EVENT_SCHEMA,
  EVENT_TYPES,
  JsonSchema,
  TO_CHANNEL,
  TO_ORCHESTRATOR,
  toJsonSchema
} from '@stratus/protocol';
import { STRATUS_VERSION as VERSION } from '../version';
import { PATH_PARAMS, ROUTES } from './routes';

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const obj = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema => ({ type: 'object', properties, required });
const str: JsonSchema = { type: 'string' };
const int: JsonSchema = { type: 'integer' };
const num: JsonSchema = { type: 'number' };
const bool: JsonSchema = { type: 'boolean' };
const list = (name: string, item: string): JsonSchema => obj({ [name]: { type: 'array', items: ref(item) } });

/** The answers' shapes. Request bodies come straight from the protocol's schemas (routes.ts). */
function schemas(): Record<string, JsonSchema> {
  const appInfo = obj({ id: str, width: int, height: int, scale: num });
  const apiKey = obj({ id: str, scope: str, label: str, created: str, revoked: bool });
  const webhook = obj({ id: str, url: str, owner: str, types: { type: 'array', items: str }, created: str, delivered: int, failures: int, dropped: int, queued: int });
  const { required: _r, ...appProps } = toJsonSchema(APP_CREATE_SCHEMA);
  return {
    Error: obj({ error: obj({ code: { type: 'string', enum: Object.keys(ERRORS) }, message: str }) }),
    App: { ...appProps, required: ['id', 'url', 'width', 'height'] },
    AppList: list('apps', 'App'),
    ApiKey: apiKey,
    ApiKeyList: list('keys', 'ApiKey'),
    CreatedApiKey: { ...apiKey, properties: { ...(apiKey.properties as object), key: { type: 'string', description: 'The key to send as "Authorization: Bearer <key>"; shown only here.' } }, required: [...(apiKey.required as string[]), 'key'] },
    SessionInfo: obj({
      sessionId: str,
      deviceId: str,
      app: { ...appInfo, properties: { ...(appInfo.properties as object), url: str, owner: { type: ['string', 'null'] } }, required: [...(appInfo.required as string[]), 'url', 'owner'] },
      layer: obj({ width: int, height: int }),
      model: str,
      deviceAttached: bool,
      controlChannels: int,
      keys: int,
      framesSent: int,
      uiBytes: int,
      device: obj({ screen: obj({ width: int, height: int }), model: str, encodings: { type: 'array', items: str }, media: { type: 'object' } }),
      players: {
        type: 'array',
        items: obj(
          { id: str, kind: { type: 'string', enum: ['media', 'broadcast', 'drm'] }, event: { type: ['string', 'null'] }, state: { type: ['object', 'null'] }, channel: str },
          ['id', 'kind', 'event', 'state']
        )
      },
      started: str,
      prewarmed: bool,
      reloads: int
    }),
    SessionList: list('sessions', 'SessionInfo'),
    JsonRpcRequest: obj({ jsonrpc: { const: '2.0' }, id: { type: ['integer', 'string'] }, method: str, params: { type: 'object' } }, ['jsonrpc', 'method']),
    JsonRpcResponse: obj(
      { jsonrpc: { const: '2.0' }, id: { type: ['integer', 'string'] }, result: {}, error: obj({ code: int, message: str, data: obj({ code: str }) }, ['code', 'message']) },
      ['jsonrpc', 'id']
    ),
    DeviceToken: obj({ deviceId: str, token: str, expiresAt: str }),
    DeviceRevoked: obj({ revoked: str, sessionsClosed: int }),
    NodeStatus: obj({
      node: str,
      ready: { type: 'boolean' },
      draining: { type: 'boolean' },
      browser: { type: 'string', enum: ['up', 'relaunching', 'closing'] },
      sessions: obj({ starting: int, attached: int, detached: int, reserved: int, closing: int })
    }),
    Webhook: webhook,
    WebhookList: list('webhooks', 'Webhook'),
    CreatedWebhook: { ...webhook, properties: { ...(webhook.properties as object), secret: { type: 'string', description: 'The HMAC key of the signature header; shown only here.' } }, required: [...(webhook.required as string[]), 'secret'] },
    Event: { ...toJsonSchema(EVENT_SCHEMA), description: 'One event; `data` depends on `type` (docs/api.md).' },
    OpenApiDocument: { type: 'object' },
    OpenRpcDocument: { type: 'object' }
  };
}

function openapi(): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string', pattern: PATH_PARAMS[m[1]].source } }));
    const ok: Record<string, unknown> =
      r.status === 204
        ? { description: 'Done.' }
        : r.produces
          ? { description: r.summary, content: { [r.produces]: { schema: { type: 'string', description: 'One `event: <type>` / `id:` / `data: <Event JSON>` block per event.' } } } }
          : { description: r.summary, content: { 'application/json': { schema: ref(r.result ?? 'Error') } } };
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      responses: { [String(r.status)]: ok, default: { description: 'A coded error (docs/protocol.md lists every code).', content: { 'application/json': { schema: ref('Error') } } } }
    };
    if (params.length) op.parameters = params;
    if (r.auth === 'none') op.security = [];
    if (r.operationId === 'sessionRpc') op.requestBody = { required: true, content: { 'application/json': { schema: ref('JsonRpcRequest') } } };
    else if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: toJsonSchema(r.body) } } };
    if (r.method === 'post') {
      op.parameters = [...((op.parameters as unknown[]) ?? []), { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 128 }, description: 'A retried POST with the same key gets the first answer and is not run again.' }];
    }
    if (r.operationId === 'streamEvents') {
      op.parameters = [
        { name: 'Last-Event-ID', in: 'header', required: false, schema: str, description: 'Resume after this event id.' },
        { name: 'types', in: 'query', required: false, schema: str, description: `Comma-separated event types: ${EVENT_TYPES.join(', ')}.` },
        { name: 'session', in: 'query', required: false, schema: str, description: 'One session only.' }
      ];
    }
    (paths[r.path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Stratus integration API',
      version: VERSION,
      description: 'Run apps on devices, drive them, and hear what happens. docs/api.md explains the concepts and the scopes.'
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    tags: ['Apps', 'Sessions', 'Devices', 'Keys', 'Events', 'Node', 'Documents'].map((name) => ({ name })),
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key ("sk_<id>.<secret>"); scopes: operator, broadcaster:<name>. Keys are made with POST /api/keys, or the first one with `npm run apikey`.' }
      },
      schemas: schemas()
    },
    paths
  };
}

/** The control channel's methods (the WebSocket that session.join opens), from the protocol's maps. */
function openrpc(): JsonSchema {
  const methods: unknown[] = [];
  for (const [name, spec] of Object.entries(TO_ORCHESTRATOR)) {
    if (!spec.roles.includes('control') && name !== 'session.join' && name !== 'session.resume') continue;
    const p = toJsonSchema(spec.params) as { properties: Record<string, JsonSchema>; required?: string[] };
    methods.push({
      name,
      paramStructure: 'by-name',
      params: Object.entries(p.properties).map(([n, schema]) => ({ name: n, required: (p.required ?? []).includes(n), schema })),
      ...(spec.request ? { result: { name: 'result', schema: {} } } : {}),
      ...(spec.sequenced ? { 'x-sequenced': true } : {})
    });
  }
  const notifications = Object.entries(TO_CHANNEL)
    .filter(([, spec]) => spec.roles.includes('control') && !spec.request)
    .map(([name, spec]) => ({ name, params: toJsonSchema(spec.params) }));
  return {
    openrpc: '1.3.2',
    info: { title: 'Stratus control channel', version: VERSION, description: 'JSON-RPC 2.0 over the WebSocket at /device/ws, after session.join; docs/protocol.md describes the link (seq/ack, replay).' },
    methods,
    'x-notifications': notifications,
    components: {
      errors: Object.fromEntries(Object.entries(ERRORS).map(([code, e]) => [code, { code: e.rpc, message: e.message, data: { code } }]))
    }
  };
}

/** Both documents, made once per router. */
export function apiDocuments(): { openapi: JsonSchema; openrpc: JsonSchema } {
  return { openapi: openapi(), openrpc: openrpc() };
}
