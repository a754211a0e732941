import type { PaintReport } from './page-paint';

/** The layer stream as the quiet screencast sees it. */
export interface QuietLayer {
  setQuiet(on: boolean): void;
  pageChanged(): void;
  markDirty(): void;
  readonly idle: boolean;
  readonly quietNow: boolean;
}

/** The screencast as the quiet screencast drives it (DamageSignal). */
export interface QuietSignal {
  setQuiet(on: boolean): Promise<void>;
}

/**
 * When the cloud page's screencast may stop. The screencast reads back and encodes every paint of
 * the page, a capture's own included: on a still UI that is most of a key's CPU. While the page
 * reports that it is still and vouches for its paints (cloud-page/src/paint-watch.ts), and the
 * stream has nothing left to do, the screencast stops; the page's reports of what changed then
 * ask for captures. A report the page calls busy (an animation, a canvas, media, motion) starts
 * the screencast again.
 *
 * A key-down's own report is already in its capture: the damage hint says which reports it
 * covers (`hinted`), and only later ones ask for another capture.
 */
export class QuietScreencast {
  /** The page's last word: still (and since which report) or not. */
  private quietFrom = -1;
  private lastDirty = 0;
  private covered = 0;
  /** A check found a change the page's reports did not explain: its screencast stays on. */
  private distrusted = false;
  /** A screencast frame was taken for an echo since the page's last report of a change. */
  private echoTaken = false;
  readonly stats = { entered: 0, left: 0, reportedCaptures: 0, echoesDropped: 0 };

  constructor(
    private readonly layer: QuietLayer,
    /** The page's screencast, once it runs. */
    private readonly signal: () => QuietSignal | null
  ) {}

  report(r: PaintReport): void {
    if (r.kind === 'dirty') {
      this.lastDirty = Math.max(this.lastDirty, r.seq);
      // A key's own change: its capture is under way.
      if (r.seq <= this.covered) return;
      const echoTaken = this.echoTaken;
      this.echoTaken = false;
      if (this.layer.quietNow) {
        this.stats.reportedCaptures++;
        this.layer.pageChanged();
      } else if (echoTaken) {
        // The frame taken for an echo may have shown this change, reported after it.
        this.stats.reportedCaptures++;
        this.layer.markDirty();
      }
      return;
    }
    if (r.kind === 'quiet') {
      this.quietFrom = r.seq;
      this.tryEnter();
      return;
    }
    this.quietFrom = -1;
    this.leave();
  }

  /**
   * A PNG screencast frame says the page painted: whether that asks for a capture. While the page
   * says it is still and vouches for its paints, with no change reported since, the paint is a
   * capture's echo (at a fractional scale a still page comes back as several different frames,
   * and each cost a whole capture until the echoes were learned: four or five after every
   * motion). A change reported after such a frame asks for a capture (report), and entering
   * quiet checks what the screencast showed last.
   */
  screencastDamage(): boolean {
    if (this.distrusted || this.quietFrom < 0 || this.quietFrom < this.lastDirty) return true;
    this.echoTaken = true;
    this.stats.echoesDropped++;
    return false;
  }

  /** The layer's check found what the page did not report: no more quiet for this page. */
  missed(): void {
    this.distrusted = true;
    this.leave();
  }

  private leave(): void {
    if (!this.layer.quietNow) return;
    this.stats.left++;
    void this.signal()?.setQuiet(false);
    this.layer.setQuiet(false);
  }

  /** A key-down's damage hint included the page's reports up to `seq`. */
  hinted(seq: number): void {
    this.covered = Math.max(this.covered, seq);
  }

  /** The stream has nothing left to do: the screencast may stop, if the page is still. */
  layerIdle(): void {
    this.tryEnter();
  }

  private tryEnter(): void {
    const signal = this.signal();
    // A change reported after the page said it was still: it will say so again once it is.
    if (!signal || this.distrusted || this.quietFrom < this.lastDirty || this.layer.quietNow || !this.layer.idle) return;
    this.stats.entered++;
    this.layer.setQuiet(true);
    void signal.setQuiet(true);
  }
}
