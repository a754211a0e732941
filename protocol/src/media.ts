import { arr, bool, int, num, obj, oneOf, Schema, str } from './schema';

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

export var MEDIA_KINDS = ['video', 'audio', 'avcontrol', 'broadcast'];

/** The streaming formats a device is asked to load; `type` is the MIME type the app gave or implied. */
export var MEDIA_METHODS: { [method: string]: Schema } = {
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
  'media.tune': obj({
    player: PLAYER,
    cmd: CMD,
    channel: obj(
      {
        ccid: str(64),
        lcn: int(0, 65535),
        name: str(128),
        url: str(4096, /^(https?:\/\/|\/)/),
        onid: int(0, 65535),
        tsid: int(0, 65535),
        sid: int(0, 65535)
      },
      ['url', 'onid', 'tsid', 'sid']
    )
  }),
  /** The player is gone in the page (element dropped, page left): stop and free it. */
  'media.release': obj({ player: PLAYER, cmd: CMD })
};

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
  'tuneerror'
];

var TIME_RANGE = arr(num(0, 1e9), 2);

export var MEDIA_STATE_SCHEMA: Schema = obj(
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

export var MEDIA_EVENT_SCHEMA: Schema = obj(
  {
    player: PLAYER,
    cmd: CMD,
    type: oneOf(MEDIA_EVENT_TYPES),
    state: MEDIA_STATE_SCHEMA,
    error: obj({ code: int(0, 1000), message: str(500) }, ['message']),
    engine: oneOf(['native', 'hls.js', 'shaka', 'tuner', 'broadcast'])
  },
  ['error', 'engine']
);

/**
 * The player's state in every media.event. NaN and Infinity do not fit JSON: `duration` is -1 for
 * unknown (NaN) and -2 for unbounded (Infinity, a live stream).
 */
export interface MediaState {
  currentTime: number;
  duration: number;
  paused: boolean;
  ended: boolean;
  seeking: boolean;
  readyState: number;
  networkState: number;
  volume: number;
  muted: boolean;
  rate: number;
  buffered: number[][];
  seekable: number[][];
  videoWidth: number;
  videoHeight: number;
}

export interface MediaEventParams {
  player: string;
  cmd: number;
  type: string;
  state: MediaState;
  /** MediaError code 1..4 for 'error'; channel change error state for 'tuneerror'. */
  error?: { code: number; message?: string };
  engine?: 'native' | 'hls.js' | 'shaka' | 'tuner' | 'broadcast';
}

export interface MediaChannel {
  ccid: string;
  lcn: number;
  name: string;
  url?: string;
  onid?: number;
  tsid?: number;
  sid?: number;
}

export interface MediaLoadParams {
  player: string;
  cmd: number;
  kind: string;
  url: string;
  type?: string;
  startTime?: number;
  autoplay?: boolean;
  muted: boolean;
  volume: number;
  rate: number;
  loop?: boolean;
}

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
