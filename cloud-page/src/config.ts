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
}

/** A rectangle in CSS pixels of the viewport: [x0, y0, x1, y1]. */
export type HintRect = [number, number, number, number];

/** What `inbox.take()` answers: where the changes since the last call can have painted, or null. */
export type DamageTake = (width: number, height: number, maxArea: number) => HintRect | null;

/** A cloud-browser error as the page raises it on window (see page-events.ts). */
export interface CloudErrorDetail {
  code: string;
  message: string;
  source: string;
  deviceCode?: string;
}
