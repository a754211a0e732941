/**
 * Waits for `work` to settle, or `ms` to pass, whichever comes first: true when it settled in
 * time (a failure counts as settled). The timer keeps no process alive and is cleared either way.
 */
export function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
    timer.unref();
  });
  return Promise.race([work.then(() => true, () => true), late]).finally(() => clearTimeout(timer));
}
