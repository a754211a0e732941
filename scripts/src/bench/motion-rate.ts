/** Frames at `times` (ms) that came within `windowMs` of `from`, per second of that window. */
export function fpsWithin(times: number[], from: number, windowMs: number): number {
  return (times.filter((t) => t - from <= windowMs).length * 1000) / windowMs;
}

/** Frames per second from the first of `times` (ms, in order) to the last; 0 for fewer than two. */
export function fpsFirstToLast(times: number[]): number {
  const span = times.length > 1 ? times[times.length - 1] - times[0] : 0;
  return span > 0 ? ((times.length - 1) * 1000) / span : 0;
}
