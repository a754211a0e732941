/**
 * `application/oipfParentalControlManager` (OIPF DAE vol. 5, 7.9), from the orchestrator's
 * configuration: the rating schemes, and a PIN that is never locked. Nothing throws.
 */
import type { HbbtvConfig } from '../config';
import { collection } from '../collection';
import { oipfType } from './oipf-objects';

export const PARENTAL = 'application/oipfParentalControlManager';

/** verifyParentalControlPIN answers: 0 correct, 1 incorrect (OIPF). */
export const PIN_CORRECT = 0;
export const PIN_INCORRECT = 1;

export function installParental(cfg: HbbtvConfig): void {
  const schemes = cfg.parental.schemes.map((name) =>
    Object.freeze(Object.assign([] as object[], { name, threshold: Object.freeze({ name: String(cfg.parental.threshold), value: cfg.parental.threshold }), iconUri: '', item: () => null }))
  );
  const ratingSchemes = collection(schemes, { getParentalRatingScheme: (name: unknown) => schemes.find((s) => s.name === name) ?? null });
  oipfType(
    PARENTAL,
    ['parentalRatingSchemes', 'isPINEntryLocked', 'verifyParentalControlPIN', 'getParentalControlPINEnable', 'setParentalControlPINEnable', 'getBlockUnrated', 'setParentalControlStatus', 'getParentalControlStatus'],
    () => ({
      parentalRatingSchemes: ratingSchemes,
      isPINEntryLocked: false,
      verifyParentalControlPIN: (pin: unknown) => (cfg.parental.pin !== '' && String(pin) === cfg.parental.pin ? PIN_CORRECT : PIN_INCORRECT),
      getParentalControlPINEnable: () => cfg.parental.pin !== '',
      setParentalControlPINEnable: () => 1,
      getBlockUnrated: () => false,
      setParentalControlStatus: () => 1,
      getParentalControlStatus: () => cfg.parental.pin !== ''
    })
  );
}
