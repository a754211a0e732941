/**
 * What the orchestrator tells the cloud page bundle about its session. The bundle (built from
 * this package by scripts/build-bundles.js) runs in every document of a session before the app's
 * own code; the orchestrator wraps it as `(function (CLOUD_PAGE_CONFIG) { bundle })(config)`.
 * This module holds types and names only, so Node code can import it without the DOM.
 */

/** The free identifier through which the bundle receives its CloudPageConfig. */
export const CONFIG_PARAMETER = '__stratusCloudPageConfig';

/** A channel of the line-up as the page knows it (the device gets the URL, the page never does). */
export interface PageChannel {
  ccid: string;
  lcn: number;
  name: string;
  onid: number;
  tsid: number;
  sid: number;
  /**
   * The channel's schedule, repeated from midnight UTC: what `video/broadcast.programmes` gives
   * as present and following.
   */
  programmes?: Array<{ name: string; description?: string; durationS: number }>;
}

/** What the device plays natively and what only through the media-bridge (orchestrator's media/capabilities.ts makes it). */
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

export interface CloudPageConfig {
  /**
   * Name of the hidden global (not enumerable, not writable) through which the orchestrator
   * answers media calls, delivers device events, raises cloud-browser errors, announces painted
   * frames and takes damage hints. Random per session, so apps cannot rely on it.
   */
  inbox: string;
  /** What `window.stratus` publishes. */
  session: {
    sessionId: string;
    device: { width: number; height: number; model: string };
    app: { id: string; width: number; height: number; scale: number };
    /** The device's media report, as `window.stratus.media.device`. */
    mediaDevice: object;
    /** What the device still plays from a session it lost, as `window.stratus.media.carried`. */
    carried?: object[];
  };
  /** The media proxy; null leaves media elements alone. */
  media: {
    /** Name of the CDP binding the page calls; removed from window before the app runs. */
    binding: string;
    channels: PageChannel[];
    support: PlaybackSupport;
  } | null;
  /** Page-reported damage for key-downs (damage-hint.ts). */
  damageHints: boolean;
  /**
   * Name of the CDP binding that hears the page's paint reports (paint-watch.ts), removed from
   * window before the app runs; null: no reports (the orchestrator keeps its screencast on).
   */
  paint: string | null;
  /** The HbbTV terminal environment (hbbtv/). */
  hbbtv: HbbtvConfig;
}

/** What the HbbTV objects answer (the orchestrator's `hbbtv.*` configuration and the device's hello). */
export interface HbbtvConfig {
  vendorName: string;
  modelName: string;
  softwareVersion: string;
  hardwareVersion: string;
  /** ISO 3166-1 alpha-3. */
  countryId: string;
  /** ISO 639-2 codes. */
  languages: { audio: string; subtitle: string; ui: string };
  parental: { schemes: string[]; threshold: number; pin: string };
  /** Origins (besides the app's own) that createApplication may start. */
  allowedOrigins: string[];
}

/**
 * The video hole's key colours (docs/media.md, "The video hole"). Where a proxied element shows
 * its picture, the page paints it in `first`; the orchestrator makes those pixels transparent, and
 * solves whatever the app drew over the key from a second capture in `second`. Saturated and
 * opposite in every channel, so a blend over one key never equals the other and the solve is
 * well conditioned; odd values, so no app colour is likely to equal them.
 */
export const HOLE_KEYS = { first: [5, 250, 3], second: [250, 5, 252] } as const;

/** The attribute that marks an element painting the key (its value "2": the second key). */
export const HOLE_ATTRIBUTE = 'data-stratus-hole';

/** A video hole the page reports: [x, y, width, height] in CSS pixels of the top-level viewport. */
export type HoleRect = [number, number, number, number];

/** A rectangle in CSS pixels of the viewport: [x0, y0, x1, y1]. */
export type HintRect = [number, number, number, number];

/**
 * What `inbox.take()` answers: where the changes since the last call can have painted (null when
 * the page cannot tell), and the last paint report (paint-watch.ts) those changes include.
 */
export interface DamageAnswer {
  seq: number;
  rect: HintRect | null;
  /** Why there is no rectangle (diagnostics): what changed that a hint cannot describe. */
  why?: string;
  /**
   * Nothing the page watches changed since `since` (take's fourth argument, Date.now() before the
   * key was injected): the key changed nothing, whatever changed before it.
   */
  still?: boolean;
  /** An animation or transition runs (asked with `since` only). */
  moving?: boolean;
}
export type DamageTake = (width: number, height: number, maxArea: number, since?: number) => DamageAnswer;

/** A cloud-browser error as the page raises it on window (see page-events.ts). */
export interface CloudErrorDetail {
  code: string;
  message: string;
  source: string;
  deviceCode?: string;
}
