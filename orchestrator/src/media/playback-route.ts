import { MediaCapabilities } from '@stratus/protocol';
import { inspectSource, InspectOptions, OutputProfile, SourceInfo, StratusError, Variant } from '@stratus/media-bridge';

/** What the device is told to load for a player, and the media-bridge hold that goes with it. */
export type Route =
  | { path: 'native'; info: SourceInfo | null }
  | { path: 'virtual'; url: string; type: string; lease: DeviceLease; reason: string };

/** A media-bridge transcode as the device sees it. */
export interface DeviceLease {
  /** What the device loads: a path on the orchestrator (embedded) or the standalone bridge's URL. */
  url: string;
  release(): void;
  onFailed(cb: (err: StratusError) => void): void;
}

/** The embedded media-bridge, or the client of a standalone one. */
export interface BridgeLink {
  open(source: string, profile: OutputProfile): Promise<DeviceLease>;
}

export type Decision = { path: 'native' } | { path: 'virtual'; source: string; reason: string };

/**
 * Native or virtual, for one source on one device. Native when some variant has only codecs the
 * device really decodes, fits its largest video, and comes in a form it plays (its HLS or DASH
 * player, or a container it knows). Otherwise virtual, from the best variant.
 */
export function decide(info: SourceInfo, caps: MediaCapabilities): Decision {
  const emulated = caps.emulated ?? [];
  const decodes = caps.codecs.filter((c) => !emulated.includes(c));
  const delivered =
    info.format === 'hls' ? caps.hls !== 'none' : info.format === 'dash' ? caps.dash !== 'none' : caps.containers.includes(info.container ?? '');
  const fits = (v: Variant): boolean => (!v.width || v.width <= caps.maxVideo.width) && (!v.height || v.height <= caps.maxVideo.height);
  const decodable = (v: Variant): boolean => v.codecs.length > 0 && v.codecs.every((c) => decodes.includes(c));
  if (delivered && info.variants.some((v) => decodable(v) && fits(v))) return { path: 'native' };
  const best = info.variants[0];
  let reason: string;
  if (!delivered) reason = `the device does not play ${info.format === 'file' ? info.container : info.format}`;
  else if (!info.variants.some(decodable)) reason = `the device does not decode ${best.codecs.filter((c) => !decodes.includes(c)).join(', ') || 'its codecs'}`;
  else reason = `larger than the device's ${caps.maxVideo.width}x${caps.maxVideo.height}`;
  return { path: 'virtual', source: best.url, reason };
}

interface Cached {
  at: number;
  info: Promise<SourceInfo>;
}

const CACHE_MS = 60000;
const CACHE_MAX = 256;

/**
 * Decides each load and, for the virtual path, takes a media-bridge lease. Shared by all sessions:
 * a source inspected once is not fetched again for a minute.
 */
export class PlaybackRouter {
  private readonly cache = new Map<string, Cached>();
  readonly stats = { native: 0, virtual: 0, refused: 0 };

  constructor(
    private readonly bridge: BridgeLink | null,
    private readonly inspect: InspectOptions
  ) {}

  get virtualAvailable(): boolean {
    return this.bridge !== null;
  }

  async route(url: string, caps: MediaCapabilities): Promise<Route> {
    let info: SourceInfo;
    try {
      info = await this.inspected(url);
    } catch (err) {
      this.stats.refused++;
      throw err;
    }
    const d = decide(info, caps);
    if (d.path === 'native') {
      this.stats.native++;
      return { path: 'native', info };
    }
    if (!this.bridge) {
      this.stats.refused++;
      throw new StratusError('STRATUS_MEDIA_VIRTUAL_OFF', d.reason);
    }
    if (caps.hls === 'none' || !caps.codecs.includes('avc') || !caps.codecs.includes('aac')) {
      this.stats.refused++;
      throw new StratusError('STRATUS_MEDIA_UNSUPPORTED', `${d.reason}, and the media-bridge's H.264/AAC HLS is no use to a device without HLS or H.264/AAC`);
    }
    const lease = await this.bridge.open(d.source, { maxWidth: caps.maxVideo.width, maxHeight: caps.maxVideo.height });
    this.stats.virtual++;
    return { path: 'virtual', url: lease.url, type: 'application/vnd.apple.mpegurl', lease, reason: d.reason };
  }

  private inspected(url: string): Promise<SourceInfo> {
    const now = Date.now();
    const hit = this.cache.get(url);
    if (hit && now - hit.at < CACHE_MS) return hit.info;
    const info = inspectSource(url, this.inspect);
    this.cache.set(url, { at: now, info });
    // A failure is not remembered: the next load tries again.
    info.catch(() => this.cache.delete(url));
    if (this.cache.size > CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    return info;
  }
}
