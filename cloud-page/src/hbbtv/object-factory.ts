/**
 * `window.oipfObjectFactory` (OIPF DAE vol. 5, 7.1): makes the objects this environment really
 * implements, as `<object>` elements of their type (the same as declaring them in markup), and
 * says which those are.
 */
import { AV_TYPES } from '../media/av-control';
import { isOipfType } from './oipf-objects';
import { APPLICATION_MANAGER } from './application';
import { CAPABILITIES } from './capabilities';
import { CONFIGURATION } from './configuration';
import { DRM_AGENT } from './drm-agent';
import { PARENTAL } from './parental';

function make(type: string): HTMLObjectElement {
  const o = document.createElement('object');
  o.type = type;
  return o;
}

export function installObjectFactory(): void {
  if (typeof (window as unknown as Record<string, unknown>).oipfObjectFactory !== 'undefined') return;
  const factory = Object.freeze({
    isObjectSupported: (type: unknown): boolean => {
      const t = String(type).toLowerCase();
      return isOipfType(t) || t === 'video/broadcast' || AV_TYPES.indexOf(t) >= 0;
    },
    createVideoBroadcastObject: () => make('video/broadcast'),
    createVideoMpegObject: () => make('video/mp4'),
    createApplicationManagerObject: () => make(APPLICATION_MANAGER),
    createCapabilitiesObject: () => make(CAPABILITIES),
    createConfigurationObject: () => make(CONFIGURATION),
    createDrmAgentObject: () => make(DRM_AGENT),
    createParentalControlManagerObject: () => make(PARENTAL)
  });
  Object.defineProperty(window, 'oipfObjectFactory', { value: factory, configurable: true, writable: false, enumerable: false });
}
