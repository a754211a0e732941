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

/**
 * Why a device that reports `device` cannot take over a session whose app was told `told` (a
 * pre-warmed session), or null when it can: every answer the app got must hold on this device,
 * or the app may pick a source or a DRM system the box cannot play. A device that plays more is
 * fine (the app keeps the smaller picture it was given).
 */
export function mediaUnfit(device: MediaCapabilities, told: MediaCapabilities): string | null {
  const decodes = device.codecs.filter((c) => !(device.emulated ?? []).includes(c) || (told.emulated ?? []).includes(c));
  const codec = told.codecs.find((c) => !decodes.includes(c));
  if (codec) return `the device does not decode ${codec}`;
  const container = told.containers.find((c) => !device.containers.includes(c));
  if (container) return `the device does not play ${container}`;
  if (told.hls !== 'none' && device.hls === 'none') return 'the device does not play hls';
  if (told.dash !== 'none' && device.dash === 'none') return 'the device does not play dash';
  if (told.maxVideo.width > device.maxVideo.width || told.maxVideo.height > device.maxVideo.height) {
    return `the device shows video up to ${device.maxVideo.width}x${device.maxVideo.height}, not ${told.maxVideo.width}x${told.maxVideo.height}`;
  }
  const drm = (told.drm ?? []).find((d) => !(device.drm ?? []).includes(d));
  if (drm) return `the device has no ${drm} DRM agent`;
  return null;
}
