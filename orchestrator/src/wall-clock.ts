/**
 * Converts between performance.now() and Date.now() at the offset they have now, not at the
 * process's start (performance.timeOrigin): a wall clock stepped since (NTP, a virtual machine
 * paused and resumed) would put every conversion through timeOrigin off by the step, and the
 * page's and the screencast's times (wall clock) would no longer compare with the orchestrator's.
 */
export function wallOf(perfMs: number): number {
  return Date.now() - performance.now() + perfMs;
}

/** performance.now() of a wall-clock time `wallMs` (see wallOf). */
export function perfOf(wallMs: number): number {
  return performance.now() - Date.now() + wallMs;
}
