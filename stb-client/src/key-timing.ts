import { now } from './clock';

/**
 * Key-to-paint on the device's own clock: when each key-down left, and which frame was the first
 * to include it (frames name the highest input seq they include).
 */
export class KeyTiming {
  /** Send times of key-downs not yet seen painted, by seq. */
  private sentAt: { [seq: number]: number } = {};
  private paintedSeq = 0;

  keySent(seq: number): void {
    this.sentAt[seq] = now();
  }

  /**
   * A frame including input up to `inputSeq` is on the screen: the key-to-paint times of the
   * keys it is the first to include, oldest first.
   */
  painted(inputSeq: number): number[] {
    var t = now();
    var out: number[] = [];
    for (var s = this.paintedSeq + 1; s <= inputSeq; s++) {
      if (this.sentAt[s] !== undefined) {
        out.push(t - this.sentAt[s]);
        delete this.sentAt[s];
      }
    }
    if (inputSeq > this.paintedSeq) this.paintedSeq = inputSeq;
    return out;
  }
}
