import { MediaCapabilities, MEDIA_CAPABILITIES_SCHEMA } from './capabilities';
import { MEDIA_EVENT_SCHEMA } from './media';
import { arr, int, num, obj, oneOf, Schema, str } from './schema';

/** Bumped on any incompatible change to the messages or the UI frame layout. */
export var PROTOCOL_VERSION = 1;

/** The path of the device WebSocket on the orchestrator. */
export var DEVICE_WS_PATH = '/stratus/device';

/**
 * Device-to-cloud methods. `request` ones carry an id and get a response; the others are
 * notifications. The schema is checked on every inbound message.
 */
export interface MethodSpec {
  request: boolean;
  params: Schema;
}

var APP_ID = /^[a-z0-9][a-z0-9._-]*$/;

export var DEVICE_METHODS: { [method: string]: MethodSpec } = {
  'session.hello': {
    request: true,
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
    params: obj(
      { source: oneOf(['decode', 'network', 'player', 'client']), code: str(64), message: str(500) },
      ['message']
    )
  },
  'session.resume': {
    request: true,
    params: obj({ sessionId: str(64), resumeToken: str(128) })
  },
  'session.close': {
    request: true,
    params: obj({ reason: str(200) }, ['reason'])
  },
  'input.key': {
    request: false,
    params: obj(
      { code: int(0, 65535), action: oneOf(['down', 'up']), seq: int(1, 4294967295) },
      []
    )
  },
  'ui.ack': {
    request: false,
    params: obj(
      { frame: int(1, 4294967295), decodeMs: num(0, 600000), inputToPaintMs: num(0, 600000) },
      ['decodeMs', 'inputToPaintMs']
    )
  },
  'ui.keyframe': {
    request: false,
    params: obj({ reason: str(200), code: str(64) }, ['code'])
  },
  'media.event': { request: false, params: MEDIA_EVENT_SCHEMA }
};

/** Cloud-to-device methods: the notification `session.error` and requests the device answers. */
export var SERVER_METHODS = {
  error: 'session.error',
  info: 'device.info'
};

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
  /** Highest input.key seq the session has received: a resuming device replays what follows. */
  keySeq: number;
}

export interface ResumeParams {
  sessionId: string;
  resumeToken: string;
}

export interface KeyParams {
  code: number;
  action: 'down' | 'up';
  seq: number;
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
}

export interface RpcResponse {
  jsonrpc: '2.0';
  id: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: { code: string } };
}
