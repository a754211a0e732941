/**
 * `application/oipfConfiguration` (OIPF DAE vol. 5, 7.3): the viewer's preferences and the
 * terminal's identity, from the orchestrator's configuration (`hbbtv.*`) and the device's hello.
 */
import type { HbbtvConfig } from '../config';
import { oipfType } from './oipf-objects';

export const CONFIGURATION = 'application/oipfConfiguration';

export function installConfiguration(cfg: HbbtvConfig): void {
  const configuration = Object.freeze({
    preferredAudioLanguage: cfg.languages.audio,
    preferredSubtitleLanguage: cfg.languages.subtitle,
    preferredUILanguage: cfg.languages.ui,
    countryId: cfg.countryId,
    regionId: 0,
    subtitlesEnabled: false,
    audioDescriptionEnabled: false,
    timeShiftSynchronized: false,
    getText: (key: unknown) => (key === 'device_name' ? cfg.modelName : undefined),
    setText: () => undefined
  });
  const localSystem = Object.freeze({
    deviceID: '',
    systemReady: true,
    vendorName: cfg.vendorName,
    modelName: cfg.modelName,
    familyName: cfg.vendorName,
    softwareVersion: cfg.softwareVersion,
    hardwareVersion: cfg.hardwareVersion,
    serialNumber: '',
    releaseVersion: 2,
    majorVersion: 0,
    minorVersion: 3,
    oipfProfile: 'OITF_HD_UIPROF',
    pvrEnabled: false,
    ciplusEnabled: false,
    powerState: 1,
    previousPowerState: 1,
    timeCurrentPowerState: 0,
    volume: 100,
    mute: false,
    setPowerState: () => false,
    setScreenSize: () => false
  });
  oipfType(CONFIGURATION, ['configuration', 'localSystem'], () => ({ configuration, localSystem }));
}
