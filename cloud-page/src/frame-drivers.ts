/**
 * Whether the app has asked to run again soon: an animation frame, a timeout or an interval of
 * less than DRIVER_MS. A script that moves things (a scroll stepped every frame, jQuery's
 * animate() on a 13 ms interval, a setTimeout chain) asks for its next step before its current
 * one returns, and stops asking after its last: with nothing asked for, the move just made was
 * the last one, and the page can say its motion has ended at once instead of waiting to see that
 * nothing moves any more (paint-watch.ts, MOVING_MS and more).
 *
 * Only a hint: a page that always has something asked for (a perpetual animation-frame loop, a
 * 100 ms poll) never says so, and the wait decides as before.
 */

/** Timers at least this long are not a motion's steps (a clock, a poll, a tooltip's delay). */
export const DRIVER_MS = 500;

export interface FrameDrivers {
  /** The app has an animation frame, or a timeout or interval under DRIVER_MS, outstanding. */
  pending(): boolean;
  /**
   * `fn` runs whenever a frame or timer callback of the app's returns (or throws) leaving nothing
   * outstanding: its last step may have moved nothing (an easing's last pixel rounds to the one
   * before), and the motion is over all the same.
   */
  onIdle(fn: () => void): void;
}

type Handler = (...args: unknown[]) => unknown;

/**
 * Wraps window's timer and animation-frame functions to count what the app has asked for. Each
 * wrapper calls the browser's own with the same arguments and returns its id; a handler that is
 * not a function (a string of code) and a long timer pass straight through, uncounted.
 */
export function watchFrameDrivers(win: Window & typeof globalThis = window): FrameDrivers {
  const frames = new Set<number>();
  const timeouts = new Set<number>();
  const intervals = new Set<number>();
  const raf = win.requestAnimationFrame;
  const caf = win.cancelAnimationFrame;
  const setT = win.setTimeout;
  const clearT = win.clearTimeout;
  const setI = win.setInterval;
  const clearI = win.clearInterval;
  const short = (delay: unknown): boolean => !(Number(delay) >= DRIVER_MS);
  const pending = (): boolean => frames.size > 0 || timeouts.size > 0 || intervals.size > 0;
  let idle: (() => void) | null = null;
  /** Runs the app's callback; then, with nothing outstanding, tells. */
  const step = (fn: () => unknown): unknown => {
    try {
      return fn();
    } finally {
      if (idle && !pending()) idle();
    }
  };

  const requestFrame = function (this: unknown, callback: FrameRequestCallback): number {
    if (typeof callback !== 'function') return raf.call(win, callback);
    const id: number = raf.call(win, function (this: unknown, t: number) {
      frames.delete(id);
      return step(() => callback.call(this, t));
    });
    frames.add(id);
    return id;
  };
  const cancelFrame = function (this: unknown, id: number): void {
    frames.delete(id);
    caf.call(win, id);
  };
  win.requestAnimationFrame = requestFrame;
  win.cancelAnimationFrame = cancelFrame;
  // Older code asks for frames by the prefixed names, which are the same functions.
  const prefixed = win as unknown as Record<string, unknown>;
  if (typeof prefixed.webkitRequestAnimationFrame === 'function') prefixed.webkitRequestAnimationFrame = requestFrame;
  if (typeof prefixed.webkitCancelAnimationFrame === 'function') prefixed.webkitCancelAnimationFrame = cancelFrame;

  /** A timer function that counts short timers with a function handler in `ids`; a timeout's id leaves at its run (`once`). */
  const counted = (set: typeof win.setTimeout, ids: Set<number>, once: boolean) =>
    function (this: unknown, handler: TimerHandler, delay?: number, ...args: unknown[]): number {
      if (typeof handler !== 'function' || !short(delay)) return set.call(win, handler, delay, ...args);
      const id: number = set.call(
        win,
        function (this: unknown, ...a: unknown[]) {
          if (once) ids.delete(id);
          // An interval's tick that clears it (jQuery's last step) leaves nothing outstanding too.
          return step(() => (handler as Handler).apply(this, a));
        },
        delay,
        ...args
      );
      ids.add(id);
      return id;
    } as typeof win.setTimeout;
  win.setTimeout = counted(setT, timeouts, true);
  win.setInterval = counted(setI, intervals, false);
  // Timeouts and intervals share their ids: either clear function clears either kind.
  const uncounted = (clear: typeof win.clearTimeout) =>
    function (this: unknown, id?: number): void {
      if (id !== undefined) {
        timeouts.delete(id);
        intervals.delete(id);
      }
      clear.call(win, id);
    };
  win.clearTimeout = uncounted(clearT);
  win.clearInterval = uncounted(clearI);

  return {
    pending,
    onIdle: (fn) => {
      idle = fn;
    }
  };
}
