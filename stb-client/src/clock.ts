/** Milliseconds from a monotonic clock where the browser has one; old TV browsers may not. */
export function now(): number {
  var perf = typeof performance !== 'undefined' ? performance : null;
  return perf && perf.now ? perf.now() : new Date().getTime();
}
