/**
 * The integration API's shared definitions: app entries of the catalogue, API keys, webhooks,
 * pre-warmed sessions and the events Stratus reports. The orchestrator validates with these
 * schemas; its OpenAPI and OpenRPC documents are generated from them (json-schema.ts), and the
 * `@stratus/client` package takes its types from here.
 */
import { arr, int, json, obj, oneOf, str, Infer } from './schema';
import { MEDIA_CAPABILITIES_SCHEMA } from './capabilities';

export var APP_ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
/** A device id, as device tokens carry it. */
export var DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** A broadcaster's name in a scope: `broadcaster:<name>`. */
export var BROADCASTER_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export var SCOPE_PATTERN = /^(operator|broadcaster:[a-z0-9][a-z0-9._-]{0,63})$/;
var ORIGIN = str(256, /^https?:\/\/[^\/\s]+$/);

/**
 * An app entry. `url` is absolute or a path on the orchestrator; `width`/`height` the resolution it
 * is authored for; `owner` the broadcaster whose scope covers it (none: operators only);
 * `allowedOrigins` what its HbbTV createApplication may start besides its own origin; `keyset` the
 * HbbTV keyset mask it has before it sets one (absent: every key); `storage` whether its cookies
 * and storage last for the session or are kept per device.
 */
var APP_PROPS = {
  url: str(2048, /^(https?:\/\/|\/)/),
  width: int(160, 7680),
  height: int(120, 4320),
  owner: str(64, BROADCASTER_PATTERN),
  allowedOrigins: arr(ORIGIN, 32),
  keyset: int(0, 0x7ff),
  storage: oneOf(['session', 'device'])
};
var APP_OPTIONAL: Array<'owner' | 'allowedOrigins' | 'keyset' | 'storage'> = ['owner', 'allowedOrigins', 'keyset', 'storage'];
export var APP_ENTRY_SCHEMA = obj(APP_PROPS, APP_OPTIONAL);
export type AppEntrySpec = Infer<typeof APP_ENTRY_SCHEMA>;
/** An entry with its id, as the API lists it. */
export type AppRecord = AppEntrySpec & { id: string };

export var APP_CREATE_SCHEMA = obj(
  {
    id: str(64, APP_ID_PATTERN),
    url: APP_PROPS.url,
    width: APP_PROPS.width,
    height: APP_PROPS.height,
    owner: APP_PROPS.owner,
    allowedOrigins: APP_PROPS.allowedOrigins,
    keyset: APP_PROPS.keyset,
    storage: APP_PROPS.storage
  },
  APP_OPTIONAL
);

export var API_KEY_CREATE_SCHEMA = obj({ scope: str(80, SCOPE_PATTERN), label: str(128) }, ['label']);
/** An API key as listed: never its secret. */
export interface ApiKeyInfo {
  id: string;
  scope: string;
  label: string;
  created: string;
  revoked: boolean;
}

export var DEVICE_TOKEN_SCHEMA = obj({ ttlS: int(60, 31536000) }, ['ttlS']);

export var EVENT_TYPES = [
  'session.started',
  'session.ended',
  'app.loaded',
  'app.failed',
  'app.error',
  'app.message',
  'media.state',
  'device.attached'
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export var WEBHOOK_CREATE_SCHEMA = obj(
  {
    url: str(2048, /^https?:\/\//),
    /** Event types to deliver; absent: all. */
    types: arr(oneOf(EVENT_TYPES), EVENT_TYPES.length),
    /** The HMAC key; absent: one is made and returned once. */
    secret: str(128, /^[\x21-\x7e]{16,128}$/)
  },
  ['types', 'secret']
);
export interface WebhookInfo {
  id: string;
  url: string;
  owner: string;
  types: string[];
  created: string;
  /** Deliveries made, failed attempts, and events dropped because the queue was full. */
  delivered: number;
  failures: number;
  dropped: number;
  queued: number;
}

/** A session reserved for a device before it connects (POST /api/sessions). */
export var PREWARM_SCHEMA = obj(
  {
    deviceId: str(128, DEVICE_ID_PATTERN),
    appId: str(64, APP_ID_PATTERN),
    screen: obj({ width: int(160, 7680), height: int(120, 4320) }),
    model: str(128),
    encodings: arr(str(16), 8),
    media: MEDIA_CAPABILITIES_SCHEMA
  },
  ['screen', 'model', 'encodings', 'media']
);

/**
 * One thing that happened, as every transport delivers it. `id` orders the orchestrator's events
 * (SSE's Last-Event-ID, webhooks' de-duplication).
 */
export interface StratusEvent {
  id: string;
  type: EventType;
  /** ISO 8601. */
  time: string;
  sessionId: string;
  appId: string;
  deviceId: string;
  data: Record<string, unknown>;
}

export var EVENT_SCHEMA = obj({
  id: str(32),
  type: oneOf(EVENT_TYPES),
  time: str(40),
  sessionId: str(64),
  appId: str(64),
  deviceId: str(128),
  data: json(65536)
});

/** The largest app.message payload, as JSON text (it must fit server.maxMessageBytes with its envelope). */
export var APP_MESSAGE_MAX = 8192;
