import { arr, Infer, int, obj, oneOf, str } from './schema';

/**
 * What a device can decode, as it reports it in session.hello. The device probes each codec with
 * `canPlayType` and `MediaSource.isTypeSupported` using the `probe` type below; the cloud side maps
 * an app's RFC 6381 codec strings back to these names with `codecOf`. Both sides use this table, so
 * a codec name means the same thing on the wire and in the page.
 */
export interface CodecSpec {
  kind: 'video' | 'audio';
  /** A full MIME type the device asks its browser about. */
  probe: string;
  /** RFC 6381 sample-entry prefixes that name this codec in a `codecs` parameter. */
  prefixes: string[];
}

export var CODECS: { [name: string]: CodecSpec } = {
  avc: { kind: 'video', probe: 'video/mp4; codecs="avc1.64001F"', prefixes: ['avc1', 'avc3'] },
  hevc: { kind: 'video', probe: 'video/mp4; codecs="hvc1.1.6.L93.B0"', prefixes: ['hvc1', 'hev1'] },
  vp9: { kind: 'video', probe: 'video/webm; codecs="vp9"', prefixes: ['vp09', 'vp9'] },
  av1: { kind: 'video', probe: 'video/mp4; codecs="av01.0.04M.08"', prefixes: ['av01'] },
  aac: { kind: 'audio', probe: 'audio/mp4; codecs="mp4a.40.2"', prefixes: ['mp4a.40', 'mp4a.67'] },
  mp3: { kind: 'audio', probe: 'audio/mpeg', prefixes: ['mp4a.6b', 'mp4a.69', 'mp3'] },
  ac3: { kind: 'audio', probe: 'audio/mp4; codecs="ac-3"', prefixes: ['ac-3'] },
  eac3: { kind: 'audio', probe: 'audio/mp4; codecs="ec-3"', prefixes: ['ec-3'] },
  opus: { kind: 'audio', probe: 'audio/webm; codecs="opus"', prefixes: ['opus'] },
  vorbis: { kind: 'audio', probe: 'audio/webm; codecs="vorbis"', prefixes: ['vorbis'] }
};

export var CODEC_NAMES: string[] = [];
for (var codecName in CODECS) if (Object.prototype.hasOwnProperty.call(CODECS, codecName)) CODEC_NAMES.push(codecName);

/** Progressive containers, by the MIME types that name them. */
export var CONTAINERS: { [name: string]: string[] } = {
  mp4: ['video/mp4', 'audio/mp4'],
  webm: ['video/webm', 'audio/webm'],
  mp2t: ['video/mp2t'],
  mp3: ['audio/mpeg']
};

export var CONTAINER_NAMES: string[] = [];
for (var containerName in CONTAINERS) {
  if (Object.prototype.hasOwnProperty.call(CONTAINERS, containerName)) CONTAINER_NAMES.push(containerName);
}

/** How a device plays HLS or DASH: its own player, an MSE library (hls.js, shaka), or not at all. */
export type StreamingSupport = 'native' | 'mse' | 'none';
export var STREAMING_SUPPORT: StreamingSupport[] = ['native', 'mse', 'none'];

/** The codec name an RFC 6381 string such as "hvc1.1.6.L93.B0" belongs to, or null. */
export function codecOf(rfc6381: string): string | null {
  var c = rfc6381.replace(/^\s+|\s+$/g, '').toLowerCase();
  for (var i = 0; i < CODEC_NAMES.length; i++) {
    var prefixes = CODECS[CODEC_NAMES[i]].prefixes;
    for (var j = 0; j < prefixes.length; j++) {
      if (c === prefixes[j] || c.indexOf(prefixes[j] + '.') === 0) return CODEC_NAMES[i];
    }
  }
  return null;
}

/** The container a MIME type (parameters ignored) names, or null. */
export function containerOf(mime: string): string | null {
  var base = mime.split(';')[0].replace(/^\s+|\s+$/g, '').toLowerCase();
  for (var i = 0; i < CONTAINER_NAMES.length; i++) {
    var types = CONTAINERS[CONTAINER_NAMES[i]];
    for (var j = 0; j < types.length; j++) if (types[j] === base) return CONTAINER_NAMES[i];
  }
  return null;
}

var CODEC_LIST = arr(oneOf(CODEC_NAMES), 16);

/** The device's media capabilities, part of session.hello. */
export var MEDIA_CAPABILITIES_SCHEMA = obj(
  {
    /** Codecs the device decodes (names of CODECS). */
    codecs: CODEC_LIST,
    /** Progressive containers it plays from a URL. */
    containers: arr(oneOf(CONTAINER_NAMES), 8),
    hls: oneOf(STREAMING_SUPPORT),
    dash: oneOf(STREAMING_SUPPORT),
    /** Largest video the device decodes and shows. */
    maxVideo: obj({ width: int(160, 7680), height: int(120, 4320) }),
    /** The emulator profile this report comes from, if any. */
    profile: str(32, /^[a-z0-9][a-z0-9_-]*$/),
    /**
     * Emulator only: codecs the profile claims but the desktop browser running it cannot decode.
     * The app is told they are native, and the orchestrator has the media-bridge stand in for the
     * missing decoder, so a profile's HEVC path can be tried in a browser without HEVC.
     */
    emulated: CODEC_LIST,
    /**
     * DRM systems the device's terminal DRM agent runs (OIPF DRMSystemIDs, from the terminal's own
     * capabilities): the app's DRMSystemStatus is READY for these, and its messages go to the agent.
     */
    drm: arr(str(256), 16)
  },
  ['profile', 'emulated', 'drm']
);

export type MediaCapabilities = Infer<typeof MEDIA_CAPABILITIES_SCHEMA>;

/** What the cloud assumes of a device whose hello carries no report (an older client). */
export var BASELINE_MEDIA_CAPABILITIES: MediaCapabilities = {
  codecs: ['avc', 'aac', 'mp3'],
  containers: ['mp4', 'mp2t', 'mp3'],
  hls: 'mse',
  dash: 'mse',
  maxVideo: { width: 1920, height: 1080 }
};

/**
 * A box the emulator can pretend to be (the orchestrator's `devices.profiles`, served with `id`
 * at /device/profiles.json). It says what the box claims; the desktop browser stands in for it.
 */
export var DEVICE_PROFILE_SCHEMA = obj(
  {
    id: str(32, /^[a-z0-9][a-z0-9_-]*$/),
    name: str(128),
    codecs: CODEC_LIST,
    containers: arr(oneOf(CONTAINER_NAMES), 8),
    hls: oneOf(STREAMING_SUPPORT),
    dash: oneOf(STREAMING_SUPPORT),
    maxVideo: obj({ width: int(160, 7680), height: int(120, 4320) }),
    screen: obj({ width: int(160, 7680), height: int(120, 4320) })
  },
  ['id']
);

export type DeviceProfile = Infer<typeof DEVICE_PROFILE_SCHEMA>;
