import { MediaCapabilities, MEDIA_CAPABILITIES_SCHEMA } from './capabilities';
import { MEDIA_EVENT_SCHEMA } from './media';
import { arr, int, num, obj, oneOf, Schema, str } from './schema';

/** Bumped on any incompatible change to the messages or the UI frame layout. */
export var PROTOCOL_VERSION = 2;

/** The path of the device WebSocket on the orchestrator. */
export var DEVICE_WS_PATH = '/stratus/device';

/** Who speaks on a channel: the device itself, or a second client joined to its session. */
export type ChannelRole = 'device' | 'control';

/**
 * Inbound methods, from the device or a control client. `request` ones carry an id and get a
 * response; the others are notifications. `sequenced` ones carry a link `seq` (reliable-link.ts)
 * and are replayed after a drop; the rest belong to one connection. `roles` says which channels
 * may call it; the handshake methods are for a connection that has none yet. The schema is
 * checked on every inbound message.
 */
export interface MethodSpec {
  request: boolean;
  sequenced: boolean;
  roles: Array<ChannelRole | 'handshake'>;
  params: Schema;
}

var BOTH: ChannelRole[] = ['device', 'control'];
var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
var RESUME_TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

var APP_ID = /^[a-z0-9][a-z0-9._-]*$/;

export var DEVICE_METHODS: { [method: string]: MethodSpec } = {
  'session.hello': {
    request: true,
    sequenced: false,
    roles: ['handshake'],
    params: obj(
      {
        protocol: int(1, 1000),
        screen: obj({ width: int(160, 7680), height: int(120, 4320) }),
        app: str(64, APP_ID),
        encodings: arr(str(16), 8),
        model: str(128),
        token: str(2048),
        location: obj({ latitude: num(-90, 90), longitude: num(-180, 180), accuracy: num(0, 1000000) }, ['accuracy']),
        media: MEDIA_CAPABILITIES_SCHEMA
      },
      ['app', 'encodings', 'model', 'token', 'location', 'media']
    )
  },
  'device.error': {
    request: false,
    sequenced: true,
    roles: ['device'],
    params: obj(
      { source: oneOf(['decode', 'network', 'player', 'client']), code: str(64), message: str(500) },
      ['message']
    )
  },
  'session.resume': {
    request: true,
    sequenced: false,
    roles: ['handshake'],
    params: obj({ sessionId: str(64), resumeToken: str(128, RESUME_TOKEN), ack: int(0, 9007199254740991) }, ['ack'])
  },
  'session.join': {
    request: true,
    sequenced: false,
    roles: ['handshake'],
    params: obj({ sessionId: str(36, UUID), token: str(2048), name: str(64) }, ['name'])
  },
  'session.close': {
    request: true,
    sequenced: true,
    roles: BOTH,
    params: obj({ reason: str(200) }, ['reason'])
  },
  'session.leave': { request: true, sequenced: true, roles: ['control'], params: obj({}) },
  'session.info': { request: true, sequenced: true, roles: BOTH, params: obj({}) },
  'link.ack': { request: false, sequenced: false, roles: BOTH, params: obj({}) },
  'input.key': {
    request: false,
    sequenced: true,
    roles: BOTH,
    params: obj(
      { code: int(0, 65535), action: oneOf(['down', 'up']), seq: int(1, 4294967295) },
      ['seq']
    )
  },
  'ui.ack': {
    request: false,
    sequenced: false,
    roles: ['device'],
    params: obj(
      { frame: int(1, 4294967295), decodeMs: num(0, 600000), inputToPaintMs: num(0, 600000) },
      ['decodeMs', 'inputToPaintMs']
    )
  },
  'ui.keyframe': {
    request: false,
    sequenced: false,
    roles: ['device'],
    params: obj({ reason: str(200), code: str(64) }, ['code'])
  },
  'media.event': { request: false, sequenced: true, roles: ['device'], params: MEDIA_EVENT_SCHEMA }
};

/**
 * Cloud-to-channel methods: `session.error` (unsequenced, it precedes a close), `device.info` (a
 * request the device answers) and `session.device` (control channels hear the device come and go).
 */
export var SERVER_METHODS = {
  error: 'session.error',
  info: 'device.info',
  device: 'session.device'
};

/** What `session.device` tells control channels. */
export interface SessionDeviceParams {
  attached: boolean;
}

/** The answer to `session.join`. */
export interface JoinResult {
  sessionId: string;
  protocol: number;
  role: 'control';
  /** Secret for session.resume of this channel. */
  resumeToken: string;
  ack: number;
  app: { id: string; width: number; height: number; scale: number };
  /** Whether the device's channel is connected right now. */
  deviceAttached: boolean;
}

/** The answer to `session.info`. */
export interface SessionInfo {
  sessionId: string;
  deviceId: string;
  app: { id: string; width: number; height: number; scale: number };
  layer: { width: number; height: number };
  model: string;
  deviceAttached: boolean;
  controlChannels: number;
  keys: number;
  framesSent: number;
}

/** The device's answer to `device.info`. */
export interface DeviceInfo {
  screen: { width: number; height: number };
  model: string;
  framesPainted: number;
  uiBytes: number;
}

export interface HelloParams {
  protocol: number;
  screen: { width: number; height: number };
  app?: string;
  encodings?: string[];
  model?: string;
  /** Device credentials: see orchestrator/src/auth/device-token.ts. */
  token?: string;
  /** Where the device is; the cloud page's navigator.geolocation reports it. */
  location?: { latitude: number; longitude: number; accuracy?: number };
  /** What the device decodes; without it the cloud assumes BASELINE_MEDIA_CAPABILITIES. */
  media?: MediaCapabilities;
}

export interface DeviceErrorParams {
  source: 'decode' | 'network' | 'player' | 'client';
  code: string;
  message?: string;
}

export interface HelloResult {
  sessionId: string;
  protocol: number;
  /** The size of the UI layer in device pixels, i.e. of the device canvas. */
  layer: { width: number; height: number };
  /** The resolution the app is authored for, in CSS pixels, and the scale to the layer. */
  app: { id: string; width: number; height: number; scale: number };
  /** How many UI frames may be in flight before the server waits for acks. */
  window: number;
  /** Secret for session.resume; keep it with the session id. */
  resumeToken: string;
  /**
   * Highest link seq the session has received in order from this channel: the resuming side
   * replays what follows (0 after a hello).
   */
  ack: number;
  /** The channel's role: `device` after a hello; a resume answers with the role it resumed. */
  role: ChannelRole;
}

export interface ResumeParams {
  sessionId: string;
  resumeToken: string;
  /** Highest link seq received in order from the orchestrator on this channel. */
  ack?: number;
}

export interface JoinParams {
  sessionId: string;
  /** A device token for the session's own device id. */
  token: string;
  /** Shown to operators. */
  name?: string;
}

export interface KeyParams {
  code: number;
  action: 'down' | 'up';
  /** The device's input number, which UI frames report back (control clients send none). */
  seq?: number;
}

export interface AckParams {
  frame: number;
  /** Time the device spent decoding and applying the frame. */
  decodeMs?: number;
  /** Device clock: from sending input.key `inputSeq` to this frame, the first to include it, painted. */
  inputToPaintMs?: number;
}

export interface KeyframeParams {
  reason: string;
  code?: string;
}

export interface ErrorParams {
  code: string;
  message: string;
}

export interface RpcRequest {
  jsonrpc: '2.0';
  id?: number | string;
  method: string;
  params?: unknown;
  /** Link sequence number and acknowledgement: see reliable-link.ts. */
  seq?: number;
  ack?: number;
}

export interface RpcResponse {
  jsonrpc: '2.0';
  id: number | string | null;
  seq?: number;
  ack?: number;
  result?: unknown;
  error?: { code: number; message: string; data?: { code: string } };
}
