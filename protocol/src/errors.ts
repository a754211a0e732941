/**
 * The one registry of Stratus error codes. Every error that crosses the wire, and every start-up
 * failure, carries one of these string codes. docs/protocol.md lists them all; a test keeps the two
 * in sync, so add a row there when you add a code here.
 *
 * `rpc` is the JSON-RPC 2.0 error code used in error responses. `close` is the WebSocket close code
 * used when the error ends the connection (4000-4999 is the range RFC 6455 leaves to applications),
 * or 0 when it does not close anything.
 */
export interface ErrorSpec {
  rpc: number;
  close: number;
  /**
   * A connection closed with this code cannot be mended by reconnecting: the device gives up
   * instead of resuming (an ended session, refused credentials, a protocol error that would only
   * repeat). Every code that shares a close code agrees on it (a test checks).
   */
  final: boolean;
  message: string;
  /** The HTTP status of API answers that carry it, where the close code does not say (httpStatus). */
  http?: number;
}

export var ERRORS = {
  STRATUS_PARSE_ERROR: { rpc: -32700, close: 4400, final: true, message: 'The message is not valid JSON.' },
  STRATUS_INVALID_MESSAGE: {
    rpc: -32600,
    close: 4400, final: true,
    message: 'The message is not a valid JSON-RPC 2.0 object.'
  },
  STRATUS_UNKNOWN_METHOD: { rpc: -32601, close: 0, final: false, message: 'No such method.' },
  STRATUS_INVALID_PARAMS: {
    rpc: -32602,
    close: 4400, final: true,
    message: 'The parameters do not match the method schema.'
  },
  STRATUS_INTERNAL: { rpc: -32603, close: 4500, final: false, message: 'Internal error in the orchestrator.' },
  STRATUS_MESSAGE_TOO_LARGE: {
    rpc: -32001,
    close: 4413, final: true,
    message: 'The message is larger than the configured limit.'
  },
  STRATUS_UNEXPECTED_BINARY: {
    rpc: -32002,
    close: 4400, final: true,
    message: 'Devices send text (JSON-RPC) messages only; binary is server-to-device.'
  },
  STRATUS_OUT_OF_ORDER: {
    rpc: -32003,
    close: 4409, final: true,
    message: 'The message is not allowed in the current state of the connection.'
  },
  STRATUS_UNKNOWN_FRAME: {
    rpc: -32004,
    close: 4409, final: true,
    message: 'The device acknowledged a UI frame that is not in flight.'
  },
  STRATUS_HANDSHAKE_TIMEOUT: {
    rpc: -32005,
    close: 4408, final: false,
    message: 'The device did not send session.hello in time.'
  },
  STRATUS_SESSION_LIMIT: {
    rpc: -32006,
    close: 4503, final: false,
    message: 'The orchestrator runs its maximum number of sessions.'
  },
  STRATUS_UNKNOWN_APP: { rpc: -32007, close: 4404, final: true, message: 'No app with that id in the catalogue.' },
  STRATUS_APP_LOAD_FAILED: { rpc: -32008, close: 4502, final: true, message: 'The app page failed to load.' },
  STRATUS_UNSUPPORTED_PROTOCOL: {
    rpc: -32009,
    close: 4426, final: true,
    message: 'The device speaks a protocol version this orchestrator does not.'
  },
  STRATUS_SHUTDOWN: { rpc: -32010, close: 4001, final: false, http: 503, message: 'The orchestrator is shutting down.' },
  STRATUS_SESSION_CLOSED: { rpc: -32011, close: 4000, final: false, http: 410, message: 'The session was closed.' },
  STRATUS_CAPTURE_FAILED: {
    rpc: -32012,
    close: 4500, final: false,
    message: 'Capturing the UI layer failed repeatedly.'
  },
  STRATUS_TILE_DECODE_FAILED: {
    rpc: -32013,
    close: 0, final: false,
    message: 'The device could not decode a tile; it asks for a keyframe.'
  },
  STRATUS_CONFIG_INVALID: { rpc: -32014, close: 0, final: false, message: 'A configuration value is illegal.' },
  STRATUS_CHROMIUM_MISSING: {
    rpc: -32015,
    close: 0, final: false,
    message: 'No Chromium executable at the configured path.'
  },
  STRATUS_AUTH_REQUIRED: { rpc: -32017, close: 4401, final: true, message: 'session.hello needs a device token.' },
  STRATUS_AUTH_INVALID: {
    rpc: -32018,
    close: 4401, final: true,
    message: 'The device token is malformed or its signature does not verify.'
  },
  STRATUS_AUTH_EXPIRED: { rpc: -32019, close: 4401, final: true, message: 'The device token has expired.' },
  STRATUS_AUTH_REVOKED: { rpc: -32020, close: 4403, final: true, message: "The device's credentials were revoked." },
  STRATUS_INSECURE_CONFIG: {
    rpc: -32021,
    close: 0, final: false,
    message: 'Production mode refuses the development secret or a secret shorter than 32 bytes.'
  },
  STRATUS_IDLE_TIMEOUT: { rpc: -32022, close: 4002, final: true, message: 'The session was idle for too long.' },
  STRATUS_OPERATOR_CLOSED: { rpc: -32023, close: 4003, final: true, message: 'An operator closed the session.' },
  STRATUS_SCREEN_TOO_LARGE: { rpc: -32047, close: 4413, final: true, message: 'The screen is larger than this orchestrator serves.' },
  STRATUS_DEVICE_SESSION_LIMIT: { rpc: -32048, close: 4503, final: false, message: 'The device holds its maximum number of sessions.' },
  STRATUS_PAGE_CRASHED: { rpc: -32049, close: 4506, final: true, message: "The app's page crashed or hung too often; the session is closed." },
  STRATUS_BROWSER_UNAVAILABLE: { rpc: -32050, close: 4503, final: false, message: 'The cloud browser is being relaunched; try again shortly.' },
  STRATUS_APP_EXITED: { rpc: -32045, close: 4005, final: true, message: 'The app ended itself (destroyApplication).' },
  STRATUS_APP_NOT_ALLOWED: { rpc: -32046, close: 0, final: false, message: 'The app asked to start an app its catalogue entry does not allow.' },
  STRATUS_DEVICE_ERROR: {
    rpc: -32024,
    close: 0, final: false,
    message: 'The device reported an error (decode, network, player or client).'
  },
  STRATUS_TRANSPORT_LOST: { rpc: -32025, close: 0, final: false, message: 'The connection to the device was lost.' },
  STRATUS_RPC_TIMEOUT: { rpc: -32026, close: 0, final: false, message: 'A request got no answer in time.' },
  STRATUS_UNKNOWN_SESSION: {
    rpc: -32028,
    close: 4404, final: true,
    message: 'No such session to resume: it never existed, or its resume grace ran out.'
  },
  STRATUS_SUPERSEDED: { rpc: -32029, close: 4004, final: true, message: 'Another connection resumed this session.' },
  STRATUS_MEDIA_UNSUPPORTED: {
    rpc: -32030,
    close: 0, final: false,
    message: 'The device has no way to play this media type (no native support and no MSE player for it).'
  },
  STRATUS_MEDIA_SOURCE_UNSUPPORTED: {
    rpc: -32031,
    close: 0, final: false,
    message: 'blob:, data: and MediaSource sources exist only in the cloud page; give the element an http(s) URL the device can load.'
  },
  STRATUS_MEDIA_PLAY_REJECTED: { rpc: -32032, close: 0, final: false, message: "The device's player refused or aborted play()." },
  STRATUS_MEDIA_UNKNOWN_PLAYER: { rpc: -32033, close: 0, final: false, http: 404, message: 'The request names a player the device does not have.' },
  STRATUS_MEDIA_UNKNOWN_TRACK: { rpc: -32051, close: 0, final: false, message: "The selection names a track the device's player does not have (any more)." },
  STRATUS_MEDIA_ERROR: {
    rpc: -32034,
    close: 0, final: false,
    message: "The device's player failed (network, decode or format); the element gets a MediaError."
  },
  STRATUS_UNKNOWN_CHANNEL: { rpc: -32035, close: 0, final: false, http: 404, message: 'No channel with that id or number in the line-up.' },
  STRATUS_MEDIA_SOURCE_UNREACHABLE: {
    rpc: -32036,
    close: 0, final: false,
    message: 'The media source could not be fetched (no such host, refused, timed out, or an HTTP error).'
  },
  STRATUS_MEDIA_NOT_MEDIA: { rpc: -32037, close: 0, final: false, message: 'The source is not audio or video the bridge can read.' },
  STRATUS_MEDIA_SOURCE_FORBIDDEN: {
    rpc: -32038,
    close: 0, final: false,
    message: 'The source is on a private, loopback or link-local address that is not allow-listed (media.allowPrivate), or not http(s).'
  },
  STRATUS_BRIDGE_BUSY: {
    rpc: -32039,
    close: 0, final: false,
    message: 'The media-bridge already runs its maximum number of transcodes (bridge.maxTranscodes).'
  },
  STRATUS_BRIDGE_FAILED: { rpc: -32040, close: 0, final: false, message: 'The media-bridge transcode failed or ffmpeg crashed.' },
  STRATUS_MEDIA_VIRTUAL_OFF: {
    rpc: -32041,
    close: 0, final: false,
    message: 'The device cannot play this source natively and the media-bridge is switched off (bridge.mode=off).'
  },
  STRATUS_REPLAY_GAP: {
    rpc: -32042,
    close: 4410, final: false,
    message: 'Messages the other side missed during a drop are no longer kept (the replay buffer overflowed): the session cannot resume.'
  },
  STRATUS_METHOD_NOT_ALLOWED: { rpc: -32043, close: 0, final: false, message: "The method is not for this channel's role." },
  STRATUS_CHANNEL_LIMIT: {
    rpc: -32044,
    close: 4504, final: false,
    message: 'The session already has its maximum number of control channels (control.maxChannels).'
  },
  STRATUS_FORBIDDEN: {
    rpc: -32052,
    close: 4403, final: true, http: 403,
    message: "The caller's scope does not cover this app, session or operation."
  },
  STRATUS_NOT_FOUND: { rpc: -32053, close: 0, final: false, http: 404, message: 'No such resource (API key, webhook or app entry).' },
  STRATUS_CONFLICT: { rpc: -32054, close: 0, final: false, http: 409, message: 'A resource with that id exists already.' },
  STRATUS_APP_LAYER_MISMATCH: {
    rpc: -32055,
    close: 0, final: false, http: 409,
    message: "The app's authored aspect ratio gives another layer size than the device's session has; start a new session for it."
  },
  STRATUS_DESTINATION_FORBIDDEN: {
    rpc: -32056,
    close: 0, final: false, http: 400,
    message: 'The webhook URL is not http(s), or is on a private, loopback or link-local address that api.webhookAllowPrivate does not list.'
  },
  STRATUS_MEDIA_CONTROL_UNSUPPORTED: {
    rpc: -32057,
    close: 0, final: false, http: 409,
    message: "The player's kind has no such control (pause on a video/broadcast object, volume on an A/V Control object)."
  },
  STRATUS_NODE_DRAINING: {
    rpc: -32058,
    close: 4006, final: false, http: 503,
    message: 'This node is draining: it takes no new sessions and moves its own to other nodes; connect again.'
  },
  STRATUS_REDIRECT: {
    rpc: -32059,
    close: 4007, final: false,
    message: 'The session is on another node, or goes there: connect to the URL in the error data (data.redirect.url), with its ticket in the hello.'
  },
  STRATUS_DIRECTORY_UNAVAILABLE: {
    rpc: -32060,
    close: 4503, final: false, http: 503,
    message: 'The session directory (Redis, cluster.redisUrl) cannot be reached.'
  },
  STRATUS_PREWARM_UNFIT: {
    rpc: -32061,
    close: 0, final: false,
    message: "A pre-warmed session's device lacks media its app was told of that no transcode makes up for: the session closed, and the device got a new one."
  },
  STRATUS_RATE_LIMITED: {
    rpc: -32027,
    close: 4429, final: true,
    message: 'The device sends more messages than its rate limit allows.'
  }
};

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERRORS, code);
}

export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERRORS[code];
}

/**
 * The HTTP status of an API answer carrying `code`: its own `http`, else the close code's (the
 * 44xx/45xx close codes mirror HTTP statuses), else 400 for a request that cannot be served as
 * sent and 500 for the orchestrator's own failures.
 */
export function httpStatus(code: ErrorCode): number {
  var spec = errorSpec(code);
  if (spec.http) return spec.http;
  if (spec.close >= 4400 && spec.close < 4600) return spec.close - 4000;
  if (code === 'STRATUS_INTERNAL' || code === 'STRATUS_RPC_TIMEOUT') return code === 'STRATUS_RPC_TIMEOUT' ? 504 : 500;
  return 400;
}

/** Closes the device must not try to resume after: its own normal close, or a final code's. */
export function isFinalClose(closeCode: number): boolean {
  if (closeCode === 1000) return true;
  for (var code in ERRORS) {
    if (!Object.prototype.hasOwnProperty.call(ERRORS, code)) continue;
    var spec = ERRORS[code as ErrorCode];
    if (spec.close === closeCode) return spec.final;
  }
  return false;
}
