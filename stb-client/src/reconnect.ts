import { isFinalClose } from '@stratus/protocol/device';

var BACKOFF_FIRST_MS = 250;
var BACKOFF_MAX_MS = 8000;

/**
 * When the device tries again after its connection closes. A close the registry calls final
 * (refused credentials, an ended session, a protocol error that would only repeat) or the
 * device's own close is never retried; any other is, with exponential back-off and jitter, so a
 * fleet of boxes does not reconnect in lockstep after an outage.
 */
export class ReconnectPolicy {
  private attempt = 0;

  constructor(private random: () => number = Math.random) {}

  /** Whether a connection closed with `code` may be tried again. */
  retries(code: number): boolean {
    return !isFinalClose(code);
  }

  /** The wait before the next attempt: 250 ms doubling to 8 s, each ±25 %. */
  nextDelay(): number {
    var base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * Math.pow(2, this.attempt));
    this.attempt++;
    return Math.round(base * (0.75 + this.random() * 0.5));
  }

  /** A session went live: the next outage starts from the first delay again. */
  reset(): void {
    this.attempt = 0;
  }
}
