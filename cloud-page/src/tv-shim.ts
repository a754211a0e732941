/**
 * Makes the cloud page look like a TV browser (KeyEvent.VK_* constants) and publishes
 * `window.stratus`, the documented API through which an app learns the device's real size and
 * scale, and whether a media type plays natively on the device or virtually through the
 * media-bridge. docs/protocol.md lists it.
 */
import { VK } from '@stratus/protocol/page';
import { messagingApi } from './app-messages';
import type { CloudPageConfig } from './config';

/** `post` takes the app's stratus.postMessage data out to control clients. */
export function installTvShim(cfg: CloudPageConfig, support: (type: unknown) => string, post: (data: unknown) => void): void {
  const w = window as unknown as Record<string, unknown>;
  if (typeof w.KeyEvent === 'undefined') {
    const keyEvent = {};
    for (const name of Object.keys(VK)) Object.defineProperty(keyEvent, name, { value: VK[name as keyof typeof VK], enumerable: true });
    Object.defineProperty(window, 'KeyEvent', { value: Object.freeze(keyEvent), configurable: false, writable: false });
  }
  const s = cfg.session;
  // Accessors (onmessage) still work on a frozen object: the app cannot replace the API, only listen.
  const api = Object.defineProperties({}, messagingApi(post));
  Object.defineProperty(window, 'stratus', {
    value: Object.freeze(Object.assign(api, {
      version: 1,
      sessionId: s.sessionId,
      device: Object.freeze({ width: s.device.width, height: s.device.height, model: s.device.model }),
      app: Object.freeze({ id: s.app.id, width: s.app.width, height: s.app.height }),
      scale: s.app.scale,
      renderedEvent: RENDERED_EVENT,
      media: Object.freeze({
        support: (type: unknown) => support(type),
        device: Object.freeze(JSON.parse(JSON.stringify(s.mediaDevice))),
        // The video the device kept playing when its last session was lost: the app can rebuild
        // its UI around it (the channel, the programme and where it is) instead of starting over.
        carried: Object.freeze((JSON.parse(JSON.stringify(s.carried ?? [])) as object[]).map((c) => Object.freeze(c)))
      })
    })),
    configurable: false,
    writable: false
  });
}

/** The event the page gets when the device has painted a frame (page-events.ts). */
export const RENDERED_EVENT = 'stratusrendered';
