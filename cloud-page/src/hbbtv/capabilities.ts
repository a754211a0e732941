/**
 * `application/oipfCapabilities`: what the device can do, as HbbTV apps read it. The XML
 * profile list (OIPF DAE vol. 5, annex F; HbbTV TS 102 796, 10.2.4) is built from the device's
 * own media report, so an app that picks a stream by profile picks one the box plays.
 */
import type { HbbtvConfig } from '../config';
import { oipfType } from './oipf-objects';

export const CAPABILITIES = 'application/oipfCapabilities';

/** What the device reported (window.stratus.media.device): codecs, containers, streaming, size. */
export interface DeviceMedia {
  codecs: string[];
  containers: string[];
  hls: string;
  dash: string;
  maxVideo: { width: number; height: number };
  drm?: string[];
}

/** The HbbTV UI profile: HD graphics, the broadcast (DVB-S in the emulator's line-up), trick modes. */
const UI_PROFILE = 'OITF_HD_UIPROF+DVB_S+TRICKMODE';

export function profileList(media: DeviceMedia, cfg: HbbtvConfig): { xml: string; names: string[] } {
  const has = (c: string): boolean => media.codecs.indexOf(c) >= 0;
  const hd = media.maxVideo.width >= 1280 && media.maxVideo.height >= 720;
  const uhd = media.maxVideo.width >= 3840 && media.maxVideo.height >= 2160;
  const names: string[] = [UI_PROFILE];
  const lines: string[] = [];
  const audio = (name: string, type: string): void => {
    names.push(name);
    lines.push(`<audio_profile name="${name}" type="${type}"/>`);
  };
  const video = (name: string, type: string, transport?: string): void => {
    names.push(name);
    lines.push(`<video_profile name="${name}" type="${type}"${transport ? ` transport="${transport}"` : ''}/>`);
  };
  if (has('mp3')) audio('MPEG1_L3', 'audio/mpeg');
  if (has('aac')) audio('HEAAC', 'audio/mp4');
  if (has('eac3')) audio('MP4_E-AC3', 'audio/mp4');
  if (has('avc') && has('aac')) {
    const sizes = hd ? ['SD', 'HD'] : ['SD'];
    for (const s of sizes) {
      if (media.containers.indexOf('mp4') >= 0) video(`MP4_AVC_${s}_25_HEAAC`, 'video/mp4');
      if (media.containers.indexOf('mp2t') >= 0) video(`TS_AVC_${s}_25_HEAAC`, 'video/mpeg');
      if (media.dash !== 'none') video(`MP4_AVC_${s}_25_HEAAC`, 'video/mp4', 'dash');
    }
  }
  if (has('hevc') && has('aac')) {
    video(`MP4_HEVC_${uhd ? 'UHD' : 'HD'}_25_HEAAC`, 'video/mp4');
    if (media.dash !== 'none') video(`MP4_HEVC_${uhd ? 'UHD' : 'HD'}_25_HEAAC`, 'video/mp4', 'dash');
  }
  const drm = media.drm ?? [];
  const options = drm.length ? '+DRM' : '';
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<profilelist xmlns="urn:hbbtv:config:oitf:oitfCapabilities:2017-1">' +
    `<ui_profile name="${UI_PROFILE}${options}"><ext>` +
    '<colorkeys>true</colorkeys>' +
    '<video_broadcast type="ID_DVB_S" scaling="arbitrary" minSize="0">true</video_broadcast>' +
    `<parentalcontrol schemes="${cfg.parental.schemes.join(' ')}">true</parentalcontrol>` +
    '</ext></ui_profile>' +
    lines.join('') +
    drm.map((id) => `<drm DRMSystemID="${id.replace(/[<>&"]/g, '')}">TS_PF</drm>`).join('') +
    '</profilelist>';
  if (options) names.push(options);
  return { xml, names };
}

export function installCapabilities(media: DeviceMedia, cfg: HbbtvConfig): void {
  const { xml, names } = profileList(media, cfg);
  oipfType(CAPABILITIES, ['xmlCapabilities', 'extraSDVideoDecodes', 'extraHDVideoDecodes', 'extraUHDVideoDecodes', 'hasCapability'], () => ({
    // A Document each time, as a terminal's is the app's to read (and scribble on).
    get xmlCapabilities() {
      return new DOMParser().parseFromString(xml, 'text/xml');
    },
    // The device plays one video at a time for the app (the video plane); no extra decoders.
    extraSDVideoDecodes: 0,
    extraHDVideoDecodes: 0,
    extraUHDVideoDecodes: 0,
    hasCapability: (name: unknown) => names.indexOf(String(name)) >= 0
  }));
}
