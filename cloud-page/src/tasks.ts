/**
 * Events the cloud page raises for the app fire from a task, as the HTML spec queues them, never
 * inside the app's own call. One queue for every module of the bundle keeps their order.
 */
import type { CloudErrorDetail } from './config';
import { nativeSetTimeout } from './natives';

const queued: Array<() => void> = [];

export function queueTask(fn: () => void): void {
  queued.push(fn);
  if (queued.length === 1) {
    nativeSetTimeout(() => {
      const run = queued.splice(0, queued.length);
      for (const f of run) f();
    }, 0);
  }
}

export function fireNow(target: EventTarget, type: string, props?: Record<string, unknown>): void {
  const ev = new Event(type);
  if (props) for (const k of Object.keys(props)) Object.defineProperty(ev, k, { value: props[k] });
  target.dispatchEvent(ev);
}

export function fire(target: EventTarget, type: string, props?: Record<string, unknown>): void {
  queueTask(() => fireNow(target, type, props));
}

/**
 * An HbbTV intrinsic event: the object's on<Name> handler with its arguments, then the DOM event
 * of the same name, from a task as terminals deliver them. The handler is read when the task
 * runs, so one the app sets right after its call still hears of it.
 */
export function announce(el: HTMLElement, handler: () => unknown, type: string, args: unknown[], props: Record<string, unknown>): void {
  queueTask(() => {
    const fn = handler();
    if (typeof fn === 'function') fn.apply(el, args);
    fireNow(el, type, props);
  });
}

/**
 * A cloud-browser error: an ErrorEvent on window (so `onerror` and `addEventListener('error')`
 * both see it) whose `error` is named "StratusError" and carries `code`, `type` ("cloudbrowser")
 * and `source`, unlike any script error.
 */
export function dispatchCloudError(d: CloudErrorDetail): void {
  const e = new Error(d.message) as Error & Record<string, unknown>;
  e.name = 'StratusError';
  e.code = d.code;
  e.type = 'cloudbrowser';
  e.source = d.source;
  if (d.deviceCode) e.deviceCode = d.deviceCode;
  window.dispatchEvent(new ErrorEvent('error', { message: d.message, error: e, cancelable: true }));
}

/** A cloud-browser error raised by the page itself (the media proxy), from a task. */
export function cloudError(code: string, message: string, source = 'media'): void {
  queueTask(() => dispatchCloudError({ code, message, source }));
}
