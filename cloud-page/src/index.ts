/**
 * The cloud page bundle's entry: runs in every document of a session, before the app's code.
 * The orchestrator (orchestrator/src/page/cloud-page-script.ts) wraps the built bundle in a
 * function of CONFIG_PARAMETER and calls it with the session's CloudPageConfig.
 */
import type { CloudPageConfig, DamageTake } from './config';
import { watchDamage } from './damage-hint';
import { watchFrameDrivers } from './frame-drivers';
import { animationRunning, motionUnderWay, watchPaint } from './paint-watch';
import { installHbbtv } from './hbbtv';
import type { DeviceMedia } from './hbbtv/capabilities';
import { installMediaProxy } from './media';
import { currentChannelObject } from './media/object-api';
import { call } from './media/rpc';
import { installInbox } from './inbox';
import { installTvShim } from './tv-shim';

declare const __stratusCloudPageConfig: CloudPageConfig;

const cfg = __stratusCloudPageConfig;
const w = window as unknown as Record<string, unknown>;
// A document gets the bundle once; a second run (a re-injected script) would wrap twice.
if (!w[cfg.inbox]) {
  const media = cfg.media ? installMediaProxy(cfg.media, cfg.hbbtv.languages) : null;
  // Paint reports go from the top-level document only: a page with frames is never quiet anyway.
  const report = cfg.paint ? takeBinding(cfg.paint) : null;
  // What the app asks to run again tells when a script's motion has taken its last step (the
  // top-level document's only, as its reports).
  const top = window.top === window;
  const watch = cfg.paint || cfg.damageHints ? watchPaint(top ? report : null, top && report ? watchFrameDrivers() : null) : null;
  // Without hints the answer still says which paint reports a key's capture includes.
  const hint: DamageTake | null = !watch ? null : cfg.damageHints ? watchDamage(watch) : () => ({ seq: watch.drain().seq, rect: null });
  // And whether the key changed nothing the watch sees: no live motion for it.
  const take: DamageTake | null =
    !watch || !hint
      ? null
      : (width, height, maxArea, since) => {
          const answer = hint(width, height, maxArea);
          if (typeof since !== 'number') return answer;
          answer.still = watch.changedAt() < since;
          answer.moving = animationRunning();
          return answer;
        };
  const inbox = installInbox(cfg.inbox, media, take, watch ? () => motionUnderWay(watch) : null);
  installTvShim(cfg, inbox.support, (data) => {
    // The app's answer to control clients, through the media binding (none in a frame it does not reach).
    if (media && window.top === window) call('page', 'message', { data }).catch(() => undefined);
  });
  // The terminal's objects report to the orchestrator through the media binding.
  if (media) {
    const origin = location.origin;
    installHbbtv(cfg.hbbtv, cfg.session.mediaDevice as DeviceMedia, {
      currentChannel: currentChannelObject,
      mayStart: (url) => {
        const o = new URL(url).origin;
        return o === origin || cfg.hbbtv.allowedOrigins.indexOf(o) >= 0;
      }
    });
  }
}

/** Takes a CDP binding away from window, so the app never sees it (null: this document has none). */
function takeBinding(name: string): ((payload: string) => void) | null {
  const fn = w[name];
  if (typeof fn !== 'function') return null;
  delete w[name];
  return fn as (payload: string) => void;
}
