import type { Rect } from './damage';
import { sameRect } from './motion';

/** A region on the device that shows lossy pixels, and is being captured as JPEG while it moves. */
export interface Motion {
  region: Rect;
  /** When the whole-layer capture that chose the region started; -Infinity once a key came. */
  since: number;
  /** The holes' generation then: a video hole that comes or goes ends the lossy run. */
  holes: number;
  /** The last JPEG sent: the same bytes again mean the region stopped. */
  last: Buffer;
}

/** The last lossy region sent, kept past its motion: taking the same JPEG of it again means it is still. */
interface LastLossy {
  region: Rect;
  jpeg: Buffer;
  holes: number;
  /** JPEGs of it sent in a row: one alone was a change, not a motion that a key may start again. */
  frames: number;
}

/**
 * The region of a layer whose photographs move (a carousel's picture, a banner's fade): while it
 * moves only its JPEG is captured and sent, and once it has had no damage for `settleMs` its exact
 * pixels are due. The last region is kept past its motion, because the key after a run of it most
 * likely moves it again (a carousel's next step): that key's capture takes the region alone.
 * It only keeps this state and its timer; the stream captures, sends and decides what is exact.
 */
export class RegionMotion {
  private running: Motion | null = null;
  private last: LastLossy | null = null;
  private keyRegion = false;
  private settleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: { settleMs: number; maxMs: number }) {}

  /** Lossy pixels of a region are on the device, their exact ones still to come. */
  get active(): boolean {
    return this.running !== null;
  }

  /** The next capture takes the last region alone, for the key that most likely moves it again. */
  get keyPending(): boolean {
    return this.keyRegion;
  }

  /**
   * A key-down. A key may change anything, not only the moving region: after the region's next
   * JPEG the whole layer is looked at, as after a clip frame. After a run of JPEGs (not one
   * change) the key's own capture is of that region, when lossy frames are allowed.
   */
  key(lossyAllowed: boolean, keyframeWanted: boolean): void {
    if (this.running) this.running.since = -Infinity;
    this.keyRegion = lossyAllowed && this.last !== null && this.last.frames > 1 && !keyframeWanted;
  }

  /** The region the next capture takes as JPEG alone, or null for a capture of the whole layer. */
  next(holes: number, keyframeWanted: boolean, settling: boolean, now: number): Motion | null {
    if (this.keyRegion && !keyframeWanted) {
      this.keyRegion = false;
      const last = this.last as LastLossy;
      if (last.holes === holes) return this.running ?? { region: last.region, since: -Infinity, holes, last: last.jpeg };
    }
    const m = this.running;
    if (!m || settling || keyframeWanted) return null;
    if (now - m.since >= this.opts.maxMs) return null;
    if (holes !== m.holes) return null;
    return m;
  }

  /** A capture of the whole layer ends the run; it may choose a region anew (`chosen`). */
  wholeCaptured(): void {
    this.running = null;
  }

  /** Content was copied: the kept region no longer says where pictures are, for a key pending too. */
  forgetLast(): void {
    this.last = null;
    this.keyRegion = false;
  }

  /**
   * A capture of the whole layer found `region` changed and took `jpeg` of it. The same JPEG as the
   * last of the same region means it is still (false: nothing starts); else the region runs from
   * `since`, and one more JPEG of it counts towards a run a key may start again.
   */
  chosen(region: Rect, jpeg: Buffer, since: number, holes: number): boolean {
    const prior = this.last;
    const same = prior !== null && sameRect(prior.region, region);
    if (same && prior.jpeg.equals(jpeg)) return false;
    this.running = { region, since, holes, last: jpeg };
    this.last = { region, jpeg, holes, frames: same ? prior.frames + 1 : 1 };
    return true;
  }

  /** `m` is the region running now (not a key's region taken again, not one a whole capture ended). */
  runs(m: Motion): boolean {
    return this.running === m;
  }

  /** A JPEG of `m`'s region alone (`next`) showed new pixels: they go out, and `m` runs. */
  advance(m: Motion, jpeg: Buffer): void {
    m.last = jpeg;
    if (this.last) {
      this.last.jpeg = jpeg;
      this.last.frames++;
    }
    this.running = m;
  }

  /** The region has had no damage for settleMs: `onSettled` then asks for its exact pixels. */
  armSettle(onSettled: () => void): void {
    if (this.settleTimer) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      if (this.running) onSettled();
    }, this.opts.settleMs);
  }

  /** Damage again: the region still moves. */
  cancelSettle(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
  }

  /** No lossy pixels pending: a keyframe or the page's end makes them moot. */
  end(): void {
    this.running = null;
    this.last = null;
    this.keyRegion = false;
    this.cancelSettle();
  }
}
