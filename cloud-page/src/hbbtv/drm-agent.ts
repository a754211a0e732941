/**
 * `application/oipfDrmAgent` (OIPF DAE vol. 5, 7.6). DRM runs where the media plays, on the
 * device; this cloud answers as a terminal with no DRM system the app names: sendDRMMessage
 * completes with result code 5 (unknown DRM system) through onDRMMessageResult, and
 * DRMSystemStatus is 1 (UNKNOWN). Never a missing object or an exception.
 */
import { announce } from '../tasks';
import { Backing, oipfType } from './oipf-objects';

export const DRM_AGENT = 'application/oipfDrmAgent';

/** OIPF DRM result and status codes. */
export const DRM_RESULT_UNKNOWN_SYSTEM = 5;
export const DRM_STATUS_UNKNOWN = 1;

let nextMessage = 1;

export function installDrmAgent(): void {
  oipfType(DRM_AGENT, ['sendDRMMessage', 'DRMSystemStatus', 'onDRMMessageResult', 'onDRMSystemMessage', 'onDRMSystemStatusChange'], (el) => {
    const b: Backing = {
      onDRMMessageResult: null,
      onDRMSystemMessage: null,
      onDRMSystemStatusChange: null,
      sendDRMMessage: (_type: unknown, _msg: unknown, _system: unknown) => {
        const id = String(nextMessage++);
        announce(el, () => b.onDRMMessageResult, 'DRMMessageResult', [id, '', DRM_RESULT_UNKNOWN_SYSTEM], { msgID: id, resultMsg: '', resultCode: DRM_RESULT_UNKNOWN_SYSTEM });
        return id;
      },
      DRMSystemStatus: () => DRM_STATUS_UNKNOWN
    };
    return b;
  });
}
