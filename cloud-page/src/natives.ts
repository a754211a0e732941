/**
 * The browser's own timers and animation frames, taken when the bundle starts, before the app's
 * code runs and before frame-drivers.ts wraps them: what the cloud page schedules for itself must
 * never count as the app's motion, and an app that replaces requestAnimationFrame with a timer of
 * its own must not slow the page's checks.
 */
export const nativeSetTimeout: typeof window.setTimeout = window.setTimeout.bind(window);
export const nativeClearTimeout: typeof window.clearTimeout = window.clearTimeout.bind(window);
export const nativeFrame: typeof window.requestAnimationFrame = window.requestAnimationFrame.bind(window);
