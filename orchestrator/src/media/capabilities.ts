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

/** What a device lacks of what an app was told, and whether the media-bridge can stand in for it. */
export interface MediaLack {
  reason: string;
  /** A transcode makes up for it (a codec, container, streaming format or video size); not a DRM system. */
  virtual: boolean;
}

/**
 * What a device that reports `device` lacks of `told`, what the app of a pre-warmed session was
 * told; null when it plays all of it. A lack the bridge cannot make up for comes first.
 */
export function mediaLack(device: MediaCapabilities, told: MediaCapabilities): MediaLack | null {
  const drm = (told.drm ?? []).find((d) => !(device.drm ?? []).includes(d));
  if (drm) return { reason: `the device has no ${drm} DRM agent`, virtual: false };
  const lack = (reason: string): MediaLack => ({ reason, virtual: true });
  const codec = told.codecs.find((c) => !device.codecs.includes(c));
  if (codec) return lack(`the device does not decode ${codec}`);
  const container = told.containers.find((c) => !device.containers.includes(c));
  if (container) return lack(`the device does not play ${container}`);
  if (told.hls !== 'none' && device.hls === 'none') return lack('the device does not play hls');
  if (told.dash !== 'none' && device.dash === 'none') return lack('the device does not play dash');
  if (told.maxVideo.width > device.maxVideo.width || told.maxVideo.height > device.maxVideo.height) {
    return lack(`the device shows video up to ${device.maxVideo.width}x${device.maxVideo.height}, not ${told.maxVideo.width}x${told.maxVideo.height}`);
  }
  return null;
}
