// What the layer stream (layer-stream.ts) is given and what it tells: its options, its pixel
// source, the frames it sends and its events.
import type { StratusError } from '@stratus/protocol';
import type { Rect } from './damage';

/**
 * Where exact pixels come from: a PNG with straight alpha per call, of the whole layer, or of
 * `clip` (layer pixels) when one is given.
 */
export interface LayerSource {
  capture(clip?: Rect): Promise<Buffer>;
  /** A JPEG of `region` (layer pixels), about its size: lossy, for opaque regions in motion. */
  captureLossy(region: Rect, quality: number): Promise<Buffer>;
  /** The page is in the middle of a motion that will end, as it can tell (none: it cannot). */
  moving?(): Promise<boolean>;
}

export interface LayerStreamOptions {
  tileSize: number;
  window: number;
  pngLevel: number;
  maxCaptureFailures: number;
  /** "lossy": opaque photographic changes travel as JPEG while they move (motion.ts); "lossless": never. */
  motion: string;
  motionQuality: number;
  /** How long a lossy region must stay still before its exact pixels are sent. */
  motionSettleMs: number;
  /** Longest run of lossy captures before a whole-layer capture looks again at everything. */
  motionMaxMs: number;
  /** "on": content that scrolled or slid is moved on the device (copy-rect.ts) rather than resent. */
  copyRects: string;
  /** "on": tiles the device has shown before are drawn from its tile cache (tile-cache.ts) rather than resent. */
  tileCache: string;
  /**
   * "on": while an opaque layer with no video hole moves, the page's screencast switches to JPEG
   * and its frames are the layer's frames (live), as fast as the device acknowledges them.
   */
  motionLive: string;
  /** "on": a live frame carries only the MCUs that changed since the one the device shows (live-crop.ts). */
  motionCrop: string;
  /** Live frames per second at most: faster devices and links get no more than the motion needs. */
  motionMaxFps: number;
  /** How long a key-down may go without a frame that claims it before a capture checks it. */
  keyPaintWaitMs: number;
  /**
   * While the screencast is quiet: how long after a frame at most a whole capture checks it (and
   * the frames after it); doubled after each check that found nothing, up to four times.
   */
  quietVerifyMs: number;
}

export interface FrameInfo {
  frame: number;
  inputSeq: number;
  keyframe: boolean;
  /** Captured from the page's damage hint rather than the whole layer. */
  clip: boolean;
  /** Lossy (JPEG) rectangles in the frame: motion mode. */
  lossy: number;
  /** Copy rectangles in the frame: content moved on the device. */
  copies: number;
  rects: number;
  bytes: number;
  /** performance.now() when the capture started, and the ms spent capturing / diffing+encoding. */
  capturedAt: number;
  captureMs: number;
  encodeMs: number;
  sentAt: number;
}

export interface PaintedInfo extends FrameInfo {
  ackedAt: number;
  decodeMs?: number;
  /** Device clock: from the first key this frame includes to its paint. */
  inputToPaintMs?: number;
}

/**
 * The page's word on a key-down it has just taken (cloud-page/src/index.ts): whether nothing it
 * watches changed since just before the key was injected (a key past the end of a row: no motion,
 * whatever the key before it did), and whether an animation or transition runs (the key's frames
 * are sure to come, however loaded the machine, so a live motion waits for them).
 */
export interface KeyWord {
  still: boolean;
  moving: boolean;
}

/** No word from the page (no hint asked, or the page died under the key): neither still nor moving. */
export const NO_WORD: Readonly<KeyWord> = { still: false, moving: false };

export interface LayerStreamEvents {
  frame: [FrameInfo];
  /** The device acknowledged a frame: it is on the screen. */
  painted: [PaintedInfo];
  error: [StratusError];
  /** A full capture found the layer as the device has it. */
  unchanged: [];
  /** A capture found changes (a frame with them goes out). */
  changed: [];
  /** Live motion starts (true: send the screencast's JPEG frames to liveFrame()) or ends. */
  live: [boolean];
  /**
   * The next key-down will most likely go live (true), or not any more: the JPEG screencast had
   * better stay on meanwhile, since its restart delayed a motion's first frame by 400-700 ms at
   * 1920x1080 here. A still page sends no frames, so it costs nothing while nothing moves.
   */
  ready: [boolean];
  /** Nothing left to do (`idle`): said after a capture or an acknowledgement. */
  idle: [];
  /** While quiet, a check found the layer changed where no report or hint said so. */
  missed: [];
}
