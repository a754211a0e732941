/**
 * Messages between the app and the integration API's control clients (app.message): they arrive
 * as `message` events on window.stratus (`onmessage` or addEventListener), and the app answers
 * with `stratus.postMessage(data)`, which reaches control clients and event subscribers as an
 * app.message event. docs/api.md describes it.
 */
import { nativeSetTimeout } from './natives';

type Listener = (e: MessageEvent) => void;

const listeners: Listener[] = [];
let handler: Listener | null = null;

/** The messaging half of window.stratus; `post` sends the app's answer out. */
export function messagingApi(post: (data: unknown) => void): PropertyDescriptorMap {
  return {
    onmessage: {
      get: () => handler,
      set: (fn: unknown) => {
        handler = typeof fn === 'function' ? (fn as Listener) : null;
      },
      enumerable: true
    },
    addEventListener: {
      value: (type: string, fn: unknown) => {
        if (type === 'message' && typeof fn === 'function' && listeners.indexOf(fn as Listener) < 0) listeners.push(fn as Listener);
      },
      enumerable: true
    },
    removeEventListener: {
      value: (type: string, fn: unknown) => {
        const i = type === 'message' ? listeners.indexOf(fn as Listener) : -1;
        if (i >= 0) listeners.splice(i, 1);
      },
      enumerable: true
    },
    postMessage: {
      value: (data: unknown) => {
        // Only what survives JSON leaves the page, as with a structured clone of plain data.
        const text = JSON.stringify(data === undefined ? null : data);
        post(JSON.parse(text));
      },
      enumerable: true
    }
  };
}

/** A control client's message: dispatched from a task, as a browser dispatches postMessage. */
export function deliverMessage(data: unknown): boolean {
  nativeSetTimeout(() => {
    const e = new MessageEvent('message', { data, origin: 'stratus' });
    for (const fn of (handler ? [handler] : []).concat(listeners)) {
      try {
        fn(e);
      } catch (err) {
        // As a browser does with a listener that throws: reported, and the others still run.
        nativeSetTimeout(() => {
          throw err;
        }, 0);
      }
    }
  }, 0);
  return true;
}
