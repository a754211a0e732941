import { MEDIA_CAPABILITIES_SCHEMA } from './capabilities';
import { TILE_CACHE_MAX_SLOTS } from './encodings';
import { CARRIED_MEDIA_SCHEMA, DRM_EVENT_SCHEMA, MEDIA_EVENT_SCHEMA, MEDIA_METHODS, STREAM_EVENT_SCHEMA } from './media';
import { APP_MESSAGE_MAX, EVENT_SCHEMA } from './api';
import { arr, bool, int, json, num, obj, oneOf, Schema, str } from './schema';

/** Who speaks on a channel: the device itself, or a second client joined to its session. */
export type ChannelRole = 'device' | 'control';

/**
 * One method of the protocol. `request` ones carry an id and get a response carrying `R`; the
 * others are notifications. `sequenced` ones carry a link `seq` (reliable-link.ts) and are
 * replayed after a drop; the rest belong to one connection. `roles` says which channels may carry
 * it; `handshake` methods are for a connection that has no channel yet. The receiver checks
 * `params` on every message; the TypeScript types of params and result come from the same entry.
 */
export interface MethodSpec<P = unknown, R = unknown> {
  request: boolean;
  sequenced: boolean;
  roles: Array<ChannelRole | 'handshake'>;
  params: Schema<P>;
  /** Type only: what the response's `result` carries. */
  readonly __result?: R;
}

/** A typed marker for what a request answers; nothing of it exists at run time. */
function returns<R>(): R | undefined {
  return undefined;
}

function request<P, R>(sequenced: boolean, roles: Array<ChannelRole | 'handshake'>, params: Schema<P>, _result: R | undefined): MethodSpec<P, R> {
  return { request: true, sequenced: sequenced, roles: roles, params: params };
}

function notification<P>(sequenced: boolean, roles: Array<ChannelRole | 'handshake'>, params: Schema<P>): MethodSpec<P, void> {
  return { request: false, sequenced: sequenced, roles: roles, params: params };
}

var BOTH: ChannelRole[] = ['device', 'control'];
var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
var RESUME_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
var APP_ID = /^[a-z0-9][a-z0-9._-]*$/;
var SIZE = obj({ width: int(160, 7680), height: int(120, 4320) });

/** The app as handshake results and session.info describe it. */
export interface AppInfo {
  id: string;
  /** The resolution the app is authored for, in CSS pixels, and the scale to the layer. */
  width: number;
  height: number;
  scale: number;
}

/** The answer to `session.hello` (and to a resume of the device's channel). */
export interface HelloResult {
  sessionId: string;
  protocol: number;
  /** The size of the UI layer in device pixels, i.e. of the device canvas. */
  layer: { width: number; height: number };
  app: AppInfo;
  /** How many UI frames may be in flight before the server waits for acks. */
  window: number;
  /** Secret for session.resume; keep it with the session id. */
  resumeToken: string;
  /**
   * Highest link seq the session has received in order from this channel: the resuming side
   * replays what follows (0 after a hello).
   */
  ack: number;
  role: 'device';
}

/** The answer to `session.join` (and to a resume of a control channel). */
export interface JoinResult {
  sessionId: string;
  protocol: number;
  role: 'control';
  /** Secret for session.resume of this channel. */
  resumeToken: string;
  ack: number;
  app: AppInfo;
  /** Whether the device's channel is connected right now. */
  deviceAttached: boolean;
}

/** A device player as session.info lists it, with its last reported state. */
export interface PlayerInfo {
  /** The id control methods name (media.play {player}). */
  id: string;
  kind: 'media' | 'broadcast' | 'drm';
  /** The last media.event type and state the device reported; null before any. */
  event: string | null;
  state: { paused: boolean; ended: boolean; currentTime: number; duration: number; volume: number; muted: boolean } | null;
  /** A broadcast player's channel (ccid), when it tuned one. */
  channel?: string;
}

/** The answer to `session.info`. */
export interface SessionInfo {
  sessionId: string;
  deviceId: string;
  app: AppInfo & { url: string; owner: string | null };
  layer: { width: number; height: number };
  model: string;
  deviceAttached: boolean;
  controlChannels: number;
  keys: number;
  framesSent: number;
  /** UI bytes sent to the device. */
  uiBytes: number;
  /** What the device reported in its hello (or a pre-warm request). */
  device: { screen: { width: number; height: number }; model: string; encodings: string[]; media: unknown };
  players: PlayerInfo[];
  /** When the session started (ISO 8601), and whether it was pre-warmed. */
  started: string;
  prewarmed: boolean;
  /** Times the app was (re)loaded in the session: launches, reloads, crash recoveries. */
  reloads: number;
}

/** What control media methods answer: the player they acted on. */
export interface ControlMediaResult {
  player: string;
}

/** The device's answer to `device.info`. */
export interface DeviceInfo {
  screen: { width: number; height: number };
  model: string;
  framesPainted: number;
  uiBytes: number;
}

/**
 * What a device player answers a media request: which engine plays, when it says; for media.drm,
 * the terminal DRM agent's result message and OIPF result code.
 */
export interface MediaResult {
  engine?: string;
  resultMsg?: string;
  resultCode?: number;
}

/** Messages to the orchestrator, from the device or a control client. */
export var TO_ORCHESTRATOR = {
  'session.hello': request(
    false,
    ['handshake'],
    obj(
      {
        protocol: int(1, 1000),
        screen: SIZE,
        app: str(64, APP_ID),
        encodings: arr(str(16), 8),
        /** Tile cache slots the device keeps, with `stash` and `cached` in `encodings` (encodings.ts). */
        tileCache: int(0, TILE_CACHE_MAX_SLOTS),
        model: str(128),
        /** Device credentials: see orchestrator/src/auth/device-token.ts. */
        token: str(2048),
        /** Where the device is; the cloud page's navigator.geolocation reports it. */
        location: obj({ latitude: num(-90, 90), longitude: num(-180, 180), accuracy: num(0, 1000000) }, ['accuracy']),
        /** What the device decodes; without it the cloud assumes BASELINE_MEDIA_CAPABILITIES. */
        media: MEDIA_CAPABILITIES_SCHEMA,
        /** The ticket of a STRATUS_REDIRECT: another node placed the session on this one. */
        ticket: str(1024),
        /** What the device still plays from a session it lost (its node died or drained). */
        carried: CARRIED_MEDIA_SCHEMA
      },
      ['app', 'encodings', 'tileCache', 'model', 'token', 'location', 'media', 'ticket', 'carried']
    ),
    returns<HelloResult>()
  ),
  'session.resume': request(
    false,
    ['handshake'],
    obj(
      {
        sessionId: str(64),
        resumeToken: str(128, RESUME_TOKEN),
        /** Highest link seq received in order from the orchestrator on this channel. */
        ack: int(0, 9007199254740991)
      },
      ['ack']
    ),
    returns<HelloResult | JoinResult>()
  ),
  'session.join': request(
    false,
    ['handshake'],
    obj(
      {
        sessionId: str(36, UUID),
        /** A device token for the session's own device id; or `key`. */
        token: str(2048),
        /** An API key ("<id>.<secret>") whose scope covers the session's app (docs/api.md). */
        key: str(256),
        /** Shown to operators. */
        name: str(64)
      },
      ['name', 'token', 'key']
    ),
    returns<JoinResult>()
  ),
  'session.close': request(true, BOTH, obj({ reason: str(200) }, ['reason']), returns<{ closed: true }>()),
  'session.leave': request(true, ['control'], obj({}), returns<{ left: true }>()),
  'session.info': request(true, BOTH, obj({}), returns<SessionInfo>()),
  'link.ack': notification(false, BOTH, obj({})),
  /** Replaces the running app with another of the catalogue, in the caller's scope. */
  'app.launch': request(true, ['control'], obj({ appId: str(64, APP_ID) }), returns<{ app: AppInfo }>()),
  /** Loads the running app again, from its URL. */
  'app.reload': request(true, ['control'], obj({}), returns<{ app: AppInfo }>()),
  /**
   * Delivers `data` to the app as a `message` event on window.stratus; the app answers with
   * stratus.postMessage, which control clients and event subscribers get as an app.message event.
   */
  'app.message': request(true, ['control'], obj({ data: json(APP_MESSAGE_MAX) }), returns<{ delivered: boolean }>()),
  /**
   * The viewer's controls, on the app's players: the device's player acts and the app's objects
   * change state and fire their events, as if the viewer had pressed play. `player` is an id from
   * session.info; absent: the app's latest player (the latest broadcast player for media.tune).
   */
  'media.play': request(true, ['control'], obj({ player: str(64) }, ['player']), returns<ControlMediaResult>()),
  'media.pause': request(true, ['control'], obj({ player: str(64) }, ['player']), returns<ControlMediaResult>()),
  'media.stop': request(true, ['control'], obj({ player: str(64) }, ['player']), returns<ControlMediaResult>()),
  'media.seek': request(true, ['control'], obj({ player: str(64), time: num(0, 1e9) }, ['player']), returns<ControlMediaResult>()),
  'media.volume': request(true, ['control'], obj({ player: str(64), volume: num(0, 1) }, ['player']), returns<ControlMediaResult>()),
  'media.mute': request(true, ['control'], obj({ player: str(64), muted: bool() }, ['player']), returns<ControlMediaResult>()),
  /** Tunes the app's broadcast player to a channel of the line-up, by ccid or by logical channel number. */
  'media.tune': request(true, ['control'], obj({ player: str(64), ccid: str(64), lcn: int(0, 65535) }, ['player', 'ccid', 'lcn']), returns<ControlMediaResult>()),
  'input.key': notification(
    true,
    BOTH,
    obj(
      {
        code: int(0, 65535),
        action: oneOf(['down', 'up']),
        /** The device's input number, which UI frames report back (control clients send none). */
        seq: int(1, 4294967295)
      },
      ['seq']
    )
  ),
  'ui.ack': notification(
    false,
    ['device'],
    obj(
      {
        frame: int(1, 4294967295),
        /** Time the device spent decoding and applying the frame. */
        decodeMs: num(0, 600000),
        /** Device clock: from sending input.key `inputSeq` to this frame, the first to include it, painted. */
        inputToPaintMs: num(0, 600000)
      },
      ['decodeMs', 'inputToPaintMs']
    )
  ),
  'ui.keyframe': notification(false, ['device'], obj({ reason: str(200), code: str(64) }, ['code'])),
  'device.error': notification(
    true,
    ['device'],
    obj({ source: oneOf(['decode', 'network', 'player', 'client']), code: str(64), message: str(500) }, ['message'])
  ),
  'media.event': notification(true, ['device'], MEDIA_EVENT_SCHEMA),
  'media.streamevent': notification(true, ['device'], STREAM_EVENT_SCHEMA),
  'media.drmevent': notification(true, ['device'], DRM_EVENT_SCHEMA)
};

/** Messages from the orchestrator to a channel: the device's, or a control client's. */
export var TO_CHANNEL = {
  'media.load': request(true, ['device'], MEDIA_METHODS['media.load'], returns<MediaResult>()),
  'media.play': request(true, ['device'], MEDIA_METHODS['media.play'], returns<MediaResult>()),
  'media.pause': request(true, ['device'], MEDIA_METHODS['media.pause'], returns<MediaResult>()),
  'media.seek': request(true, ['device'], MEDIA_METHODS['media.seek'], returns<MediaResult>()),
  'media.stop': request(true, ['device'], MEDIA_METHODS['media.stop'], returns<MediaResult>()),
  'media.set': request(true, ['device'], MEDIA_METHODS['media.set'], returns<MediaResult>()),
  'media.window': request(true, ['device'], MEDIA_METHODS['media.window'], returns<MediaResult>()),
  'media.tune': request(true, ['device'], MEDIA_METHODS['media.tune'], returns<MediaResult>()),
  'media.release': request(true, ['device'], MEDIA_METHODS['media.release'], returns<MediaResult>()),
  'media.subscribe': request(true, ['device'], MEDIA_METHODS['media.subscribe'], returns<MediaResult>()),
  'media.unsubscribe': request(true, ['device'], MEDIA_METHODS['media.unsubscribe'], returns<MediaResult>()),
  'media.select': request(true, ['device'], MEDIA_METHODS['media.select'], returns<MediaResult>()),
  'media.drm': request(true, ['device'], MEDIA_METHODS['media.drm'], returns<MediaResult>()),
  'device.info': request(true, ['device'], obj({}), returns<DeviceInfo>()),
  /** Unsequenced: it precedes a close, or answers a notification that failed. */
  'session.error': notification(false, BOTH, obj({ code: str(64), message: str(1000) })),
  /**
   * The app set its keyset (HbbTV Keyset.setValue): the device registers the same keys with its
   * terminal, so the others stay with the TV; the orchestrator delivers only these either way.
   * `unset`: a new document (another app) has set none yet: every key again (`value` is then the
   * whole mask, for a client that does not know `unset`).
   */
  'app.keyset': notification(true, ['device'], obj({ value: int(0, 0x7ff), otherKeys: arr(int(0, 65535), 64), unset: bool() }, ['unset'])),
  /**
   * The app's page was re-created and the app reloaded in the same session (its renderer crashed
   * or hung, the browser was relaunched, or a control client launched another app or reloaded it): the app starts afresh, so its keyset is back to every
   * key and its players were released; a keyframe of the reloaded app follows.
   */
  'session.reloaded': notification(true, BOTH, obj({ reason: oneOf(['crashed', 'hung', 'browser', 'launch', 'reload']) })),
  /** What happened in the session (docs/api.md, protocol/src/api.ts): control channels hear every event of their session. */
  'session.event': notification(true, ['control'], EVENT_SCHEMA),
  /** Control channels hear the device come and go. */
  'session.device': notification(true, ['control'], obj({ attached: bool() })),
  'link.ack': notification(false, BOTH, obj({}))
};

export type ToOrchestrator = typeof TO_ORCHESTRATOR;
export type ToChannel = typeof TO_CHANNEL;
export type OrchestratorMethod = keyof ToOrchestrator;
export type ChannelMethod = keyof ToChannel;

export type ParamsOf<S> = S extends MethodSpec<infer P, unknown> ? P : never;
export type ResultOf<S> = S extends { readonly __result?: infer R } ? R : never;

/** The requests (not notifications) of a direction's map. */
export type RequestsOf<Map> = { [M in keyof Map]: ResultOf<Map[M]> extends void ? never : M }[keyof Map];
export type NotificationsOf<Map> = Exclude<keyof Map, RequestsOf<Map>>;

export type HelloParams = ParamsOf<ToOrchestrator['session.hello']>;
export type ResumeParams = ParamsOf<ToOrchestrator['session.resume']>;
export type JoinParams = ParamsOf<ToOrchestrator['session.join']>;
export type KeyParams = ParamsOf<ToOrchestrator['input.key']>;
export type AckParams = ParamsOf<ToOrchestrator['ui.ack']>;
export type KeyframeParams = ParamsOf<ToOrchestrator['ui.keyframe']>;
export type DeviceErrorParams = ParamsOf<ToOrchestrator['device.error']>;
export type ErrorParams = ParamsOf<ToChannel['session.error']>;
export type SessionDeviceParams = ParamsOf<ToChannel['session.device']>;

export function isOrchestratorMethod(method: string): method is OrchestratorMethod {
  return Object.prototype.hasOwnProperty.call(TO_ORCHESTRATOR, method);
}
