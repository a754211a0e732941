import { CODEC_NAMES, CODECS, CONTAINER_NAMES, CONTAINERS, MediaCapabilities } from '@stratus/protocol';

/** What the page's canPlayType, decodingInfo and stratus.media.support answer from. */
export interface PlaybackSupport {
  /** MIME type (no parameters) to how the device gets it: its own player, or the media-bridge. */
  types: Record<string, 'native' | 'virtual'>;
  /** Codecs the app is told are native (an emulated codec counts: the box being emulated has it). */
  native: string[];
  /** Codecs only the media-bridge makes playable. */
  virtual: string[];
  /** RFC 6381 prefixes of each codec, for the page to read `codecs` parameters. */
  prefixes: Record<string, string[]>;
  /** "virtually", or "maybe" for apps that break on unknown canPlayType strings. */
  virtualAnswer: string;
  maxVideo: { width: number; height: number };
}

const HLS_TYPES = ['application/vnd.apple.mpegurl', 'application/x-mpegurl', 'audio/mpegurl'];
const DASH_TYPES = ['application/dash+xml'];
/** Containers ffmpeg reads that no box is assumed to play from a URL. */
const BRIDGE_ONLY_TYPES = ['video/x-matroska', 'audio/x-matroska', 'video/quicktime', 'video/x-flv', 'audio/ogg', 'video/ogg'];

/**
 * Maps the device's report to the page's answers. Without a bridge nothing is virtual: the page
 * answers "" for what the device cannot decode, as a browser without that decoder would.
 */
export function playbackSupport(caps: MediaCapabilities, bridge: boolean, virtualAnswer: string): PlaybackSupport {
  const types: Record<string, 'native' | 'virtual'> = {};
  const mark = (list: string[], how: 'native' | 'virtual' | null): void => {
    if (how) for (const t of list) types[t] = how;
  };
  const virtual = bridge ? 'virtual' : null;
  for (const c of CONTAINER_NAMES) mark(CONTAINERS[c], caps.containers.includes(c) ? 'native' : virtual);
  mark(HLS_TYPES, caps.hls !== 'none' ? 'native' : virtual);
  mark(DASH_TYPES, caps.dash !== 'none' ? 'native' : virtual);
  mark(BRIDGE_ONLY_TYPES, virtual);
  const prefixes: Record<string, string[]> = {};
  for (const c of CODEC_NAMES) prefixes[c] = CODECS[c].prefixes;
  return {
    types,
    native: caps.codecs.slice(),
    virtual: bridge ? CODEC_NAMES.filter((c) => !caps.codecs.includes(c)) : [],
    prefixes,
    virtualAnswer,
    maxVideo: { ...caps.maxVideo }
  };
}
