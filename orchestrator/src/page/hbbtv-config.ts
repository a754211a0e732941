import type { HbbtvConfig } from '@stratus/cloud-page';
import { Config, listOf } from '../config';

/**
 * What the cloud page's HbbTV objects answer, from the `hbbtv` configuration, the device's model,
 * and the origins the app's catalogue entry lets it start.
 */
export function hbbtvConfig(c: Config['hbbtv'], model: string, entryOrigins: string[] = []): HbbtvConfig {
  return {
    vendorName: c.vendorName,
    modelName: model,
    softwareVersion: c.softwareVersion,
    hardwareVersion: c.hardwareVersion,
    countryId: c.countryId,
    languages: { audio: c.audioLanguage, subtitle: c.subtitleLanguage, ui: c.uiLanguage },
    parental: { schemes: listOf(c.parentalSchemes), threshold: c.parentalThreshold, pin: c.parentalPin },
    allowedOrigins: [...listOf(c.allowedOrigins), ...entryOrigins].map((o) => {
      try {
        return new URL(o).origin;
      } catch {
        return o;
      }
    })
  };
}
