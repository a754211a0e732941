import {
  API_KEY_CREATE_SCHEMA,
  APP_CREATE_SCHEMA,
  APP_ENTRY_SCHEMA,
  APP_ID_PATTERN,
  DEVICE_ID_PATTERN,
  DEVICE_TOKEN_SCHEMA,
  PREWARM_SCHEMA,
  SchemaNode,
  WEBHOOK_CREATE_SCHEMA
} from '@stratus/protocol';

/** Who may call a route: anyone, any API key (scoped), or operators only. */
export type RouteAuth = 'none' | 'key' | 'operator';

/**
 * One REST operation. The router (rest.ts) and the OpenAPI document (api-docs.ts) are both made
 * from this table, so what is documented is what is served.
 */
export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form: /api/apps/{appId}. */
  path: string;
  operationId: string;
  summary: string;
  tag: 'Apps' | 'Sessions' | 'Devices' | 'Keys' | 'Events' | 'Node' | 'Documents';
  auth: RouteAuth;
  body?: SchemaNode;
  /** The success status; 204 answers no body. */
  status: 200 | 201 | 204;
  /** What the success answer is, in words (components in api-docs.ts give the shapes). */
  result?: string;
  /** The OpenAPI media type of the answer when it is not JSON. */
  produces?: string;
}

/** The path parameters' patterns: a malformed one is refused before any lookup. */
export const PATH_PARAMS: Record<string, RegExp> = {
  appId: APP_ID_PATTERN,
  sessionId: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  deviceId: DEVICE_ID_PATTERN,
  keyId: /^[0-9a-f]{16}$/,
  webhookId: /^[0-9a-f]{16}$/
};

export const ROUTES: RouteSpec[] = [
  { method: 'get', path: '/api/openapi.json', operationId: 'getOpenApi', summary: 'This API as an OpenAPI 3.1 document.', tag: 'Documents', auth: 'none', status: 200, result: 'OpenApiDocument' },
  { method: 'get', path: '/api/openrpc.json', operationId: 'getOpenRpc', summary: 'The control channel methods as an OpenRPC document.', tag: 'Documents', auth: 'none', status: 200, result: 'OpenRpcDocument' },
  { method: 'get', path: '/api/keys', operationId: 'listKeys', summary: 'Lists the API keys (never their secrets).', tag: 'Keys', auth: 'operator', status: 200, result: 'ApiKeyList' },
  { method: 'post', path: '/api/keys', operationId: 'createKey', summary: 'Creates an API key; its secret is in this answer only.', tag: 'Keys', auth: 'operator', body: API_KEY_CREATE_SCHEMA, status: 201, result: 'CreatedApiKey' },
  { method: 'delete', path: '/api/keys/{keyId}', operationId: 'revokeKey', summary: 'Revokes an API key.', tag: 'Keys', auth: 'operator', status: 200, result: 'ApiKey' },
  { method: 'get', path: '/api/apps', operationId: 'listApps', summary: "Lists the catalogue's apps in the caller's scope.", tag: 'Apps', auth: 'key', status: 200, result: 'AppList' },
  { method: 'post', path: '/api/apps', operationId: 'createApp', summary: 'Adds an app to the catalogue; new sessions can run it at once.', tag: 'Apps', auth: 'key', body: APP_CREATE_SCHEMA, status: 201, result: 'App' },
  { method: 'get', path: '/api/apps/{appId}', operationId: 'getApp', summary: 'One app entry.', tag: 'Apps', auth: 'key', status: 200, result: 'App' },
  { method: 'put', path: '/api/apps/{appId}', operationId: 'updateApp', summary: 'Replaces an app entry; running sessions keep what they loaded.', tag: 'Apps', auth: 'key', body: APP_ENTRY_SCHEMA, status: 200, result: 'App' },
  { method: 'delete', path: '/api/apps/{appId}', operationId: 'deleteApp', summary: 'Removes an app from the catalogue.', tag: 'Apps', auth: 'key', status: 204 },
  { method: 'get', path: '/api/sessions', operationId: 'listSessions', summary: "The live sessions in the caller's scope.", tag: 'Sessions', auth: 'key', status: 200, result: 'SessionList' },
  { method: 'post', path: '/api/sessions', operationId: 'prewarmSession', summary: 'Reserves a session for a device before it connects, with its app already loaded.', tag: 'Sessions', auth: 'key', body: PREWARM_SCHEMA, status: 201, result: 'SessionInfo' },
  { method: 'get', path: '/api/sessions/{sessionId}', operationId: 'getSession', summary: 'One session: its app, device, players and counters.', tag: 'Sessions', auth: 'key', status: 200, result: 'SessionInfo' },
  { method: 'delete', path: '/api/sessions/{sessionId}', operationId: 'closeSession', summary: 'Closes a session; its app hears STRATUS_OPERATOR_CLOSED.', tag: 'Sessions', auth: 'key', status: 204 },
  { method: 'post', path: '/api/sessions/{sessionId}/rpc', operationId: 'sessionRpc', summary: 'Calls a control method (the OpenRPC document lists them) as a JSON-RPC 2.0 request.', tag: 'Sessions', auth: 'key', status: 200, result: 'JsonRpcResponse' },
  { method: 'post', path: '/api/devices/{deviceId}/tokens', operationId: 'createDeviceToken', summary: 'Issues a device token.', tag: 'Devices', auth: 'operator', body: DEVICE_TOKEN_SCHEMA, status: 201, result: 'DeviceToken' },
  { method: 'post', path: '/api/devices/{deviceId}/revoke', operationId: 'revokeDevice', summary: "Refuses the device's credentials from now on and closes its sessions.", tag: 'Devices', auth: 'operator', status: 200, result: 'DeviceRevoked' },
  { method: 'get', path: '/api/webhooks', operationId: 'listWebhooks', summary: "The caller's webhook endpoints, with delivery counters.", tag: 'Events', auth: 'key', status: 200, result: 'WebhookList' },
  { method: 'post', path: '/api/webhooks', operationId: 'createWebhook', summary: "Adds an endpoint that gets the caller's events as signed POSTs.", tag: 'Events', auth: 'key', body: WEBHOOK_CREATE_SCHEMA, status: 201, result: 'CreatedWebhook' },
  { method: 'get', path: '/api/webhooks/{webhookId}', operationId: 'getWebhook', summary: 'One endpoint and its delivery counters.', tag: 'Events', auth: 'key', status: 200, result: 'Webhook' },
  { method: 'delete', path: '/api/webhooks/{webhookId}', operationId: 'deleteWebhook', summary: 'Removes an endpoint; what it had queued is dropped.', tag: 'Events', auth: 'key', status: 204 },
  { method: 'get', path: '/api/node', operationId: 'getNode', summary: 'This node: whether it takes new sessions, whether it drains, its sessions by state.', tag: 'Node', auth: 'operator', status: 200, result: 'NodeStatus' },
  { method: 'post', path: '/api/node/drain', operationId: 'drainNode', summary: 'Drains this node: no new sessions, its own moved to other nodes (idle ones first). Answers at once.', tag: 'Node', auth: 'operator', status: 200, result: 'NodeStatus' },
  { method: 'get', path: '/api/events', operationId: 'streamEvents', summary: "The caller's events as Server-Sent Events, resumable with Last-Event-ID.", tag: 'Events', auth: 'key', status: 200, produces: 'text/event-stream' }
];
