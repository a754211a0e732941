import { CODEC_NAMES, CODECS, DeviceProfile, MediaCapabilities } from '@stratus/protocol/device';
import { terminalDrmSystems } from './drm-relay';

interface MediaSourceLike {
  isTypeSupported(type: string): boolean;
}

function mediaSource(): MediaSourceLike | null {
  var w = window as unknown as { MediaSource?: MediaSourceLike; WebKitMediaSource?: MediaSourceLike };
  var ms = w.MediaSource || w.WebKitMediaSource;
  return ms && typeof ms.isTypeSupported === 'function' ? ms : null;
}

function canPlay(video: HTMLVideoElement, type: string): boolean {
  try {
    return video.canPlayType(type) !== '';
  } catch (e) {
    return false;
  }
}

function mseSupports(ms: MediaSourceLike | null, type: string): boolean {
  try {
    return !!ms && ms.isTypeSupported(type);
  } catch (e) {
    return false;
  }
}

function within(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.round(v) || lo));
}

/** What this browser really decodes: canPlayType for its own player, isTypeSupported for MSE. */
export function probeHost(): MediaCapabilities {
  var video = document.createElement('video');
  var ms = mediaSource();
  var codecs: string[] = [];
  for (var i = 0; i < CODEC_NAMES.length; i++) {
    var probe = CODECS[CODEC_NAMES[i]].probe;
    if (canPlay(video, probe) || mseSupports(ms, probe)) codecs.push(CODEC_NAMES[i]);
  }
  var containers: string[] = [];
  if (canPlay(video, 'video/mp4')) containers.push('mp4');
  if (canPlay(video, 'video/webm')) containers.push('webm');
  // MPEG-TS reaches most boxes through their HLS player; as a file it needs native support.
  if (canPlay(video, 'video/mp2t')) containers.push('mp2t');
  if (canPlay(video, 'audio/mpeg')) containers.push('mp3');
  // hls.js and shaka need MSE with H.264 at least.
  var mse = mseSupports(ms, 'video/mp4; codecs="avc1.42E01E,mp4a.40.2"');
  var scr = window.screen || { width: 1280, height: 720 };
  var ratio = window.devicePixelRatio || 1;
  return {
    codecs: codecs,
    containers: containers,
    hls: canPlay(video, 'application/vnd.apple.mpegurl') ? 'native' : mse ? 'mse' : 'none',
    dash: canPlay(video, 'application/dash+xml') ? 'native' : mse ? 'mse' : 'none',
    // A box decodes at least HD; a larger panel says it can show more.
    maxVideo: { width: within(scr.width * ratio, 1280, 3840), height: within(scr.height * ratio, 720, 2160) }
  };
}

/**
 * The report a device sends in session.hello. With a profile, the box's claims are reported, and
 * any claimed codec this browser cannot decode is listed as `emulated`, so the cloud routes it
 * through the media-bridge while the app still sees the box the profile describes.
 */
export function capabilityReport(profile: DeviceProfile | null): MediaCapabilities {
  var host = probeHost();
  var drm = terminalDrmSystems();
  if (drm.length) host.drm = drm;
  if (!profile) return host;
  var emulated: string[] = [];
  for (var i = 0; i < profile.codecs.length; i++) {
    if (host.codecs.indexOf(profile.codecs[i]) < 0) emulated.push(profile.codecs[i]);
  }
  var report: MediaCapabilities = {
    codecs: profile.codecs.slice(0),
    containers: profile.containers.slice(0),
    hls: profile.hls,
    dash: profile.dash,
    maxVideo: { width: profile.maxVideo.width, height: profile.maxVideo.height },
  };
  if (profile.id) report.profile = profile.id;
  if (emulated.length) report.emulated = emulated;
  if (drm.length) report.drm = drm;
  return report;
}
