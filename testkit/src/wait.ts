/**
 * Waiting in tests and the bench: for a condition, never for a time. `until` polls; its timeout
 * only bounds a condition that never comes, so a loaded machine slows a test without failing it.
 */

/** Waits until `fn` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/**
 * Lets time pass where time itself is the subject (an idle period being measured, a simulated
 * network fault at a random moment); never a stand-in for waiting on a condition.
 */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
