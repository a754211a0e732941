/**
 * When the whole captures that check a quiet layer run. While the screencast is quiet, what was
 * sent is checked by one whole capture at most `verifyMs` after the first frame not checked yet:
 * the keys of that span cost one check, not one each. A check that finds nothing doubles the
 * span, up to four times; one that finds a change no report explained ends the quiet (the
 * session's policy). So whatever the page's reports and hints miss (a paint they cannot see, an
 * image decoded after its load) is on the device for the longest span and the wait below at most
 * (six times `verifyMs`), and once only.
 *
 * A check that falls due while keys come (one within twice `verifyMs`) runs right after the next
 * key's frame, in the gap before the key after that one, or twice `verifyMs` later if none comes.
 * Run when it fell due, its whole capture (100-300 ms under load) was in a key's way one time in
 * ten at a key a second.
 */
export class QuietChecks {
  /** Checks in a row that found the layer as the device has it. */
  private clean = 0;
  /** Due, and waiting for the next key's frame. */
  private afterKey = false;
  /** performance.now() of the last key-down. */
  private lastKeyAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly verifyMs: number,
    /** A check is to run now: the next whole capture is it. */
    private readonly due: () => void
  ) {}

  /** A check is to come (a frame not checked yet went out, or one is due). */
  get armed(): boolean {
    return this.timer !== null;
  }

  /** A frame not checked yet went out: a check comes within the span, unless one is armed. */
  arm(): void {
    if (this.timer) return;
    const after = this.verifyMs * Math.min(4, 2 ** this.clean);
    this.timer = setTimeout(() => {
      const gap = 2 * this.verifyMs;
      if (performance.now() - this.lastKeyAt < gap) {
        this.afterKey = true;
        this.timer = setTimeout(() => this.fire(), gap);
        return;
      }
      this.fire();
    }, after);
  }

  /** A key-down was delivered. */
  keyDown(): void {
    this.lastKeyAt = performance.now();
  }

  /** The last key-down's frame is out: a check waiting for it runs. */
  keyFrameSent(): void {
    if (this.afterKey) this.fire();
  }

  /** A check found nothing: it covered every frame before it, and the next span is twice as long. */
  passed(): void {
    this.clean++;
    this.drop();
  }

  /** No check to come: nothing left to check, or a whole capture is about to check it anyway. */
  drop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.afterKey = false;
  }

  /** A new page: no trust earned yet. */
  reset(): void {
    this.clean = 0;
    this.drop();
  }

  private fire(): void {
    this.drop();
    this.due();
  }
}
