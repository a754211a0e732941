import { arr, bool, Infer, int, num, obj, oneOf, str } from './schema';

/**
 * The media proxy's messages. The cloud page never decodes media: its media elements and HbbTV
 * objects turn calls into these cloud-to-device requests, and the device's player reports back
 * with `media.event` notifications that update the page's state mirror.
 *
 * Every request names a `player` (one per media element, A/V Control or broadcast object) and
 * carries `cmd`, a per-player counter. The device echoes the last `cmd` it has carried out in
 * each event, so the page only takes state from the device once the device has caught up with
 * what the app asked for (a late timeupdate cannot undo a pause the device has not seen yet).
 */

var PLAYER = str(64, /^[A-Za-z0-9._-]+$/);
var CMD = int(0, 4294967295);
/** Absolute, or a path on the orchestrator (its media-bridge), resolved against the device page. */
var URL_SCHEMA = str(4096, /^(https?:\/\/|\/[^\/])/);
var SECONDS = num(0, 1e9);
/** A DRM message's longest text (a licence challenge, base64 or XML). */
export var DRM_MESSAGE_MAX = 12288;

export type MediaKind = 'video' | 'audio' | 'avcontrol' | 'broadcast';
export var MEDIA_KINDS: MediaKind[] = ['video', 'audio', 'avcontrol', 'broadcast'];

/** The streaming formats a device is asked to load; `type` is the MIME type the app gave or implied. */
/**
 * A DSM-CC stream event the emulator's line-up scripts on a channel (a real terminal gets them
 * from the broadcast): `name` fires `afterS` seconds after the channel presents, then every
 * `everyS` seconds if given. `data` is hex, as the StreamEvent object carries it.
 */
export var STREAM_EVENT_SCRIPT_SCHEMA = obj(
  { name: str(64), afterS: num(0, 86400), everyS: num(0.1, 86400), data: str(4096, /^([0-9a-fA-F]{2})*$/), text: str(4096) },
  ['everyS', 'data', 'text']
);

/** A channel of the line-up as the device gets it: the URL only when it has no real tuner. */
export var MEDIA_CHANNEL_SCHEMA = obj(
  {
    ccid: str(64),
    lcn: int(0, 65535),
    name: str(128),
    url: str(4096, /^(https?:\/\/|\/)/),
    onid: int(0, 65535),
    tsid: int(0, 65535),
    sid: int(0, 65535),
    streamEvents: arr(STREAM_EVENT_SCRIPT_SCHEMA, 32)
  },
  ['url', 'onid', 'tsid', 'sid', 'streamEvents']
);

export type MediaChannel = Infer<typeof MEDIA_CHANNEL_SCHEMA>;

export var MEDIA_METHODS = {
  'media.load': obj(
    {
      player: PLAYER,
      cmd: CMD,
      kind: oneOf(MEDIA_KINDS),
      url: URL_SCHEMA,
      type: str(200),
      startTime: SECONDS,
      autoplay: bool(),
      muted: bool(),
      volume: num(0, 1),
      rate: num(-64, 64),
      loop: bool()
    },
    ['type', 'startTime', 'autoplay', 'loop']
  ),
  'media.play': obj({ player: PLAYER, cmd: CMD }),
  'media.pause': obj({ player: PLAYER, cmd: CMD }),
  'media.seek': obj({ player: PLAYER, cmd: CMD, time: SECONDS }),
  /** A/V Control stop(): pause and go back to the start; the next play loads again. */
  'media.stop': obj({ player: PLAYER, cmd: CMD }),
  'media.set': obj(
    { player: PLAYER, cmd: CMD, volume: num(0, 1), muted: bool(), rate: num(-64, 64), loop: bool() },
    ['volume', 'muted', 'rate', 'loop']
  ),
  /** Where the video shows, in layer (device canvas) pixels; null hides it. */
  'media.window': obj({
    player: PLAYER,
    cmd: CMD,
    rect: obj({ x: num(-100000, 100000), y: num(-100000, 100000), width: num(0, 100000), height: num(0, 100000) }),
    visible: bool()
  }),
  'media.tune': obj({ player: PLAYER, cmd: CMD, channel: MEDIA_CHANNEL_SCHEMA }),
  /** The player is gone in the page (element dropped, page left): stop and free it. */
  'media.release': obj({ player: PLAYER, cmd: CMD }),
  /** A broadcast object's app listens for a stream event (addStreamEventListener): relay it. */
  'media.subscribe': obj({ player: PLAYER, cmd: CMD, targetURL: str(2048), eventName: str(256) }),
  /** It stopped listening (removeStreamEventListener). */
  'media.unsubscribe': obj({ player: PLAYER, cmd: CMD, targetURL: str(2048), eventName: str(256) }),
  /**
   * The app picks a track (`audioTracks[i].enabled`, `textTracks[i].mode`, `selectComponent`):
   * `id` is one the device reported in `tracks`. An audio track is switched to; a text track is
   * shown (`on`) or hidden, and at most one is shown.
   */
  'media.select': obj({ player: PLAYER, cmd: CMD, kind: oneOf(['audio', 'text']), id: str(64), on: bool() }),
  /**
   * An app's DRM agent message (OIPF `sendDRMMessage`), for the terminal's own DRM agent; `player`
   * is the agent object. The answer is `{resultMsg, resultCode}` with OIPF's result codes.
   */
  'media.drm': obj({ player: PLAYER, cmd: CMD, msgType: str(256), msg: str(DRM_MESSAGE_MAX), drmSystemId: str(256) })
};

/** What a DRM agent object hears from the terminal's DRM agent (onDRMSystemMessage, onDRMSystemStatusChange). */
export var DRM_EVENT_SCHEMA = obj(
  { player: PLAYER, type: oneOf(['message', 'status']), drmSystemId: str(256), msg: str(DRM_MESSAGE_MAX), status: int(0, 3) },
  ['msg', 'status']
);

export type DrmEventParams = Infer<typeof DRM_EVENT_SCHEMA>;

/**
 * A track of what a device player plays, as its engine (hls.js, shaka, the native player, the
 * terminal's broadcast object) lists it. `id` is the device's own, stable while the source is.
 * `language` is as the stream gives it (BCP 47 or ISO 639-2); `role` says what it is for
 * (`main`, `alternate`, `description`, `subtitle`, `caption`).
 */
export var MEDIA_TRACK_SCHEMA = obj(
  {
    id: str(64),
    kind: oneOf(['video', 'audio', 'text']),
    language: str(35),
    label: str(256),
    role: str(32),
    selected: bool(),
    channels: int(0, 64),
    encoding: str(64)
  },
  ['label', 'role', 'channels', 'encoding']
);

export type MediaTrack = Infer<typeof MEDIA_TRACK_SCHEMA>;
export var MAX_TRACKS = 64;

/** A stream event the device relays to a broadcast player that subscribed to it. */
export var STREAM_EVENT_SCHEMA = obj(
  {
    player: PLAYER,
    targetURL: str(2048),
    eventName: str(256),
    name: str(256),
    data: str(8192),
    text: str(8192),
    status: oneOf(['trigger', 'error'])
  }
);

export type StreamEventParams = Infer<typeof STREAM_EVENT_SCHEMA>;

export type MediaMethod = keyof typeof MEDIA_METHODS;

export function isMediaMethod(method: string): method is MediaMethod {
  return Object.prototype.hasOwnProperty.call(MEDIA_METHODS, method);
}

export type MediaLoadParams = Infer<(typeof MEDIA_METHODS)['media.load']>;

/** Events the device reports. The first group mirrors HTMLMediaElement events one to one. */
export var MEDIA_EVENT_TYPES = [
  'loadstart',
  'loadedmetadata',
  'durationchange',
  'loadeddata',
  'canplay',
  'canplaythrough',
  'play',
  'playing',
  'pause',
  'waiting',
  'seeking',
  'seeked',
  'timeupdate',
  'progress',
  'ratechange',
  'volumechange',
  'ended',
  'error',
  'resize',
  'stalled',
  /** The tuner presents the channel asked for. */
  'tuned',
  /** The tuner could not present it; `error.code` is an OIPF channel change error state. */
  'tuneerror',
  /** The player's tracks, or which of them are selected, changed: the event carries `tracks`. */
  'tracks'
];

var TIME_RANGE = arr(num(0, 1e9), 2);

/**
 * The player's state in every media.event. NaN and Infinity do not fit JSON: `duration` is -1 for
 * unknown (NaN) and -2 for unbounded (Infinity, a live stream).
 */
export var MEDIA_STATE_SCHEMA = obj(
  {
    currentTime: SECONDS,
    duration: num(-2, 1e9),
    paused: bool(),
    ended: bool(),
    seeking: bool(),
    readyState: int(0, 4),
    networkState: int(0, 3),
    volume: num(0, 1),
    muted: bool(),
    rate: num(-64, 64),
    buffered: arr(TIME_RANGE, 32),
    seekable: arr(TIME_RANGE, 32),
    videoWidth: int(0, 16384),
    videoHeight: int(0, 16384)
  },
  []
);

export var MEDIA_EVENT_SCHEMA = obj(
  {
    player: PLAYER,
    cmd: CMD,
    type: oneOf(MEDIA_EVENT_TYPES),
    state: MEDIA_STATE_SCHEMA,
    /** MediaError code 1..4 for 'error'; channel change error state for 'tuneerror'. */
    error: obj({ code: int(0, 1000), message: str(500) }, ['message']),
    engine: oneOf(['native', 'hls.js', 'shaka', 'tuner', 'broadcast']),
    /** With 'tracks': every track the player has now. */
    tracks: arr(MEDIA_TRACK_SCHEMA, MAX_TRACKS)
  },
  ['error', 'engine', 'tracks']
);

export type MediaState = Infer<typeof MEDIA_STATE_SCHEMA>;
export type MediaEventParams = Infer<typeof MEDIA_EVENT_SCHEMA>;

/** MIME type implied by a URL's extension, for sources given without a type. */
export function mediaTypeOf(url: string): string {
  var path = url.split('#')[0].split('?')[0].toLowerCase();
  if (/\.m3u8$/.test(path)) return 'application/vnd.apple.mpegurl';
  if (/\.mpd$/.test(path)) return 'application/dash+xml';
  if (/\.(mp4|m4v)$/.test(path)) return 'video/mp4';
  if (/\.webm$/.test(path)) return 'video/webm';
  if (/\.(m4a|aac)$/.test(path)) return 'audio/mp4';
  if (/\.mp3$/.test(path)) return 'audio/mpeg';
  if (/\.ts$/.test(path)) return 'video/mp2t';
  return '';
}

export function isHlsType(type: string): boolean {
  var t = type.toLowerCase().split(';')[0];
  return t === 'application/vnd.apple.mpegurl' || t === 'application/x-mpegurl' || t === 'audio/mpegurl';
}

export function isDashType(type: string): boolean {
  return type.toLowerCase().split(';')[0] === 'application/dash+xml';
}

/**
 * What a device still plays when it starts a new session because its old one was lost (its node
 * died or drained): the new app reads it as `window.stratus.media.carried` to rebuild its UI
 * around the video that never stopped.
 */
export var CARRIED_MEDIA_SCHEMA = arr(
  obj(
    {
      kind: oneOf(['video', 'audio', 'broadcast']),
      url: str(2048),
      channel: MEDIA_CHANNEL_SCHEMA,
      currentTime: num(0, 1e9),
      paused: bool()
    },
    ['url', 'channel', 'currentTime', 'paused']
  ),
  8
);
export type CarriedMedia = Infer<typeof CARRIED_MEDIA_SCHEMA>;
