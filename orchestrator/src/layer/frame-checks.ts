/**
 * The captures that check what screencast frames may have missed, and which keys a frame
 * shows. Frames come from the page's own paints, so two things can slip past them:
 * - a key-down whose paint no frame claims (the page painted nothing, or painted before the key's
 *   delivery was confirmed): if none has within keyPaintWaitMs, a capture shows it (the key check);
 * - the last frame of a burst: the screencast skips frames while earlier ones are
 *   unacknowledged (a menu's transitions were left 22 554 pixels off), so changed frames less
 *   than settleMs apart make a burst, and once they stop a capture checks the layer (the burst
 *   check). A single paint's frame is not skipped.
 */
export class FrameChecks {
  /** Wall-clock times of the last key-downs delivered: a frame includes those before it was taken. */
  private delivered: Array<{ seq: number; at: number }> = [];
  private keyWait: NodeJS.Timeout | null = null;
  private keyDue = false;
  private lastChange = -Infinity;
  private burst = false;
  private burstWait: NodeJS.Timeout | null = null;
  private burstDue = false;

  constructor(
    private readonly opts: { keyPaintWaitMs: number; settleMs: number },
    /** A check has come due: the stream looks at it on its next turn. */
    private readonly due: () => void
  ) {}

  /** Key-down `seq` reached the page at `at` (ms since the epoch): a frame must claim it. */
  keyDelivered(seq: number, at: number): void {
    this.delivered.push({ seq, at });
    if (this.delivered.length > 32) this.delivered.shift();
    if (this.keyWait) clearTimeout(this.keyWait);
    this.keyWait = setTimeout(() => {
      this.keyWait = null;
      this.keyDue = true;
      this.due();
    }, this.opts.keyPaintWaitMs);
  }

  /**
   * The input a frame taken at `takenAt` (ms since the epoch) includes, `sentSeq` being what the
   * device has seen claimed: the key-downs delivered before it was taken. A paint that races its
   * key's delivery claims it late, never early.
   */
  claimedBy(takenAt: number, sentSeq: number): number {
    let seq = sentSeq;
    for (const d of this.delivered) if (d.at <= takenAt && d.seq > seq) seq = d.seq;
    return seq;
  }

  /** How long ago (ms, by `now`) key-down `seq` reached the page; null when it is no longer known. */
  sinceDelivered(seq: number, now: number): number | null {
    const d = this.delivered.find((k) => k.seq === seq);
    return d ? now - d.at : null;
  }

  /** A screencast frame brought changes. */
  frameChanged(): void {
    const now = performance.now();
    if (now - this.lastChange < this.opts.settleMs) this.burst = true;
    this.lastChange = now;
    if (this.burstWait) clearTimeout(this.burstWait);
    this.burstWait = setTimeout(() => {
      this.burstWait = null;
      if (!this.burst) return;
      this.burst = false;
      this.burstDue = true;
      this.due();
    }, this.opts.settleMs);
  }

  /** The key check came due (and is taken): the stream captures if no frame has claimed the key. */
  takeKeyCheck(): boolean {
    const due = this.keyDue;
    this.keyDue = false;
    return due;
  }

  /** The burst check came due (and is taken): the stream captures the layer. */
  takeBurstCheck(): boolean {
    const due = this.burstDue;
    this.burstDue = false;
    return due;
  }

  /** A check is due or still to come (`keyUnclaimed`: the last key-down has no frame yet). */
  pending(keyUnclaimed: boolean): boolean {
    return this.keyDue || this.burstDue || (this.burstWait !== null && this.burst) || (this.keyWait !== null && keyUnclaimed);
  }

  /** The frames start over: no check waits on them any more. */
  reset(): void {
    this.keyDue = false;
    this.burst = false;
    this.burstDue = false;
    this.lastChange = -Infinity;
    if (this.burstWait) clearTimeout(this.burstWait);
    this.burstWait = null;
    if (this.keyWait) clearTimeout(this.keyWait);
    this.keyWait = null;
  }
}
