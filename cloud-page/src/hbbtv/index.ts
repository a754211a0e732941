/**
 * The HbbTV 2.0.x terminal environment of the cloud page (docs/hbbtv.md): the OIPF objects apps
 * look for at start-up, the object factory, and the global VK_* constants many terminals define
 * beside KeyEvent's. The A/V Control and video/broadcast objects are the media proxy's
 * (media/object-api.ts).
 */
import { VK } from '@stratus/protocol/page';
import type { HbbtvConfig } from '../config';
import { ApplicationHost, APPLICATION_MANAGER, installApplicationManager } from './application';
import { CAPABILITIES, DeviceMedia, installCapabilities } from './capabilities';
import { CONFIGURATION, installConfiguration } from './configuration';
import { DRM_AGENT, installDrmAgent } from './drm-agent';
import { installObjectFactory } from './object-factory';
import { hideOipfObjects } from './oipf-objects';
import { installParental, PARENTAL } from './parental';

export function installHbbtv(cfg: HbbtvConfig, media: DeviceMedia, host: ApplicationHost): void {
  installApplicationManager(host);
  installCapabilities(media, cfg);
  installConfiguration(cfg);
  installDrmAgent(media.drm ?? []);
  installParental(cfg);
  installObjectFactory();
  hideOipfObjects([APPLICATION_MANAGER, CAPABILITIES, CONFIGURATION, DRM_AGENT, PARENTAL]);
  const w = window as unknown as Record<string, unknown>;
  for (const name of Object.keys(VK)) {
    if (typeof w[name] === 'undefined') Object.defineProperty(window, name, { value: VK[name], configurable: true, writable: false, enumerable: false });
  }
}
