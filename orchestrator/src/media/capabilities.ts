import type { PlaybackSupport } from '@stratus/cloud-page';
import { CODEC_NAMES, CODECS, CONTAINER_NAMES, CONTAINERS, MediaCapabilities } from '@stratus/protocol';

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
