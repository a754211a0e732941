/**
 * The cloud page bundle's entry: runs in every document of a session, before the app's code.
 * The orchestrator (orchestrator/src/page/cloud-page-script.ts) wraps the built bundle in a
 * function of CONFIG_PARAMETER and calls it with the session's CloudPageConfig.
 */
import type { CloudPageConfig } from './config';
import { watchDamage } from './damage-hint';
import { installMediaProxy } from './media';
import { installInbox } from './inbox';
import { installTvShim } from './tv-shim';

declare const __stratusCloudPageConfig: CloudPageConfig;

const cfg = __stratusCloudPageConfig;
const w = window as unknown as Record<string, unknown>;
// A document gets the bundle once; a second run (a re-injected script) would wrap twice.
if (!w[cfg.inbox]) {
  const media = cfg.media ? installMediaProxy(cfg.media) : null;
  const inbox = installInbox(cfg.inbox, media, cfg.damageHints ? watchDamage() : null);
  installTvShim(cfg, inbox.support);
}
