/**
 * The page's answers about what plays: canPlayType, window.stratus.media.support and
 * navigator.mediaCapabilities.decodingInfo all come from the device's report (PlaybackSupport),
 * so they agree with each other and with what a load will do.
 */
import type { PlaybackSupport } from '../config';

export type Route = 'native' | 'virtual' | '';

export function baseType(type: string): string {
  return type.split(';')[0].trim().toLowerCase();
}

export class CanPlay {
  constructor(private readonly support: PlaybackSupport) {}

  private codecName(rfc6381: string): string | null {
    const prefixes = this.support.prefixes;
    for (const name of Object.keys(prefixes)) {
      if (prefixes[name].some((p) => rfc6381 === p || rfc6381.startsWith(p + '.'))) return name;
    }
    return null;
  }

  /** How the device would get a type: natively, through the media-bridge, or not at all. */
  route(type: string): Route {
    const support = this.support;
    const how = support.types[baseType(type)];
    if (!how) return '';
    const codecs = /codecs\s*=\s*"?([^";]*)"?/i.exec(type);
    if (!codecs) return how;
    const list = codecs[1].split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
    let result: 'native' | 'virtual' = how;
    for (const c of list) {
      const name = this.codecName(c);
      if (name && support.native.includes(name)) continue;
      if (name && support.virtual.includes(name)) result = 'virtual';
      else return '';
    }
    return result;
  }

  canPlayType(type: string): CanPlayTypeResult {
    const how = this.route(type);
    if (how === 'virtual') return this.support.virtualAnswer as CanPlayTypeResult;
    if (how === '') return '';
    return /codecs\s*=/i.test(type) ? 'probably' : 'maybe';
  }

  /** Native only if every track is and the picture fits the device; the bridge scales it down. */
  decodingRoute(c: DecodingConfig): Route {
    const support = this.support;
    const parts: Route[] = [];
    if (c.video) {
      let how = this.route(String(c.video.contentType ?? ''));
      const tooBig = Number(c.video.width) > support.maxVideo.width || Number(c.video.height) > support.maxVideo.height;
      if (how === 'native' && tooBig) how = support.virtual.length ? 'virtual' : '';
      parts.push(how);
    }
    if (c.audio) parts.push(this.route(String(c.audio.contentType ?? '')));
    if (parts.length === 0 || parts.includes('')) return '';
    return parts.includes('virtual') ? 'virtual' : 'native';
  }
}

interface DecodingConfig {
  type?: string;
  video?: { contentType?: string; width?: number; height?: number };
  audio?: { contentType?: string };
}

/** navigator.mediaCapabilities.decodingInfo agrees with canPlayType. */
export function installDecodingInfo(canPlay: CanPlay): void {
  const mediaCapabilities = navigator.mediaCapabilities as unknown as Record<string, unknown> | undefined;
  if (!mediaCapabilities) return;
  Object.defineProperty(Object.getPrototypeOf(mediaCapabilities), 'decodingInfo', {
    value: function decodingInfo(config: DecodingConfig) {
      if (!config || typeof config !== 'object' || (!config.video && !config.audio)) {
        return Promise.reject(new TypeError("Failed to execute 'decodingInfo': the configuration needs audio or video."));
      }
      const how = canPlay.decodingRoute(config);
      return Promise.resolve({
        supported: how !== '',
        smooth: how !== '',
        powerEfficient: how === 'native',
        // Not in the Media Capabilities spec: says which side of the cloud browser plays it.
        virtual: how === 'virtual',
        configuration: config
      });
    },
    writable: true,
    configurable: true
  });
}
