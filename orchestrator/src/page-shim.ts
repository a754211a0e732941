import { VK } from '@stratus/protocol';

export interface ShimInfo {
  sessionId: string;
  device: { width: number; height: number; model: string };
  app: { id: string; width: number; height: number; scale: number };
  /** The media proxy's hidden global, and what the device decodes (natively and virtually). */
  media: { inbox: string; device: object };
}

/**
 * The script every document of a session runs before the app's own code. It makes the cloud page
 * look like a TV browser (KeyEvent.VK_* constants) and publishes `window.stratus`, the documented
 * API through which an app learns the device's real size and scale, and whether a media type
 * plays natively on the device or virtually through the media-bridge. docs/protocol.md lists it.
 */
export function pageShim(info: ShimInfo): string {
  return `(() => {
  const info = ${JSON.stringify(info)};
  const vk = ${JSON.stringify(VK)};
  if (typeof window.KeyEvent === 'undefined') {
    const keyEvent = {};
    for (const name of Object.keys(vk)) Object.defineProperty(keyEvent, name, { value: vk[name], enumerable: true });
    Object.defineProperty(window, 'KeyEvent', { value: Object.freeze(keyEvent), configurable: false, writable: false });
  }
  Object.defineProperty(window, 'stratus', {
    value: Object.freeze({
      version: 1,
      sessionId: info.sessionId,
      device: Object.freeze({ width: info.device.width, height: info.device.height, model: info.device.model }),
      app: Object.freeze({ id: info.app.id, width: info.app.width, height: info.app.height }),
      scale: info.app.scale,
      renderedEvent: 'stratusrendered',
      media: Object.freeze({
        support: function (type) {
          const inbox = window[info.media.inbox];
          return inbox ? inbox.support(String(type)) : '';
        },
        device: Object.freeze(JSON.parse(JSON.stringify(info.media.device)))
      })
    }),
    configurable: false,
    writable: false
  });
})();`;
}

/** The expression the orchestrator evaluates in the page when the device has painted a frame. */
export function renderedEventScript(detail: object): string {
  return `window.dispatchEvent(new CustomEvent('stratusrendered', { detail: ${JSON.stringify(detail)} }))`;
}

/**
 * The expression that raises a cloud-browser error in the page: an ErrorEvent on window (so
 * `onerror` and `addEventListener('error')` both see it) whose `error` is named "StratusError"
 * and carries `code`, `type` ("cloudbrowser") and `source`, unlike any script error.
 */
export function cloudErrorScript(detail: { code: string; message: string; source: string; deviceCode?: string }): string {
  return `(function (d) {
  var e = new Error(d.message);
  e.name = 'StratusError';
  e.code = d.code;
  e.type = 'cloudbrowser';
  e.source = d.source;
  if (d.deviceCode) e.deviceCode = d.deviceCode;
  var ev = new ErrorEvent('error', { message: d.message, error: e, cancelable: true });
  window.dispatchEvent(ev);
})(${JSON.stringify(detail)})`;
}
