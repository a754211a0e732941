/**
 * `application/oipfDrmAgent` (OIPF DAE vol. 5, 7.6). DRM runs where the media plays, on the
 * device: sendDRMMessage goes to the terminal's own DRM agent (media.drm) and its result comes
 * back through onDRMMessageResult; the terminal's system messages and status changes reach
 * onDRMSystemMessage / onDRMSystemStatusChange. DRMSystemStatus answers from the DRM systems the
 * device declared in its hello. A device without a DRM agent (the emulator) answers every
 * message with result 5, unknown DRM system. Never a missing object or an exception.
 */
import type { DrmEventParams } from '@stratus/protocol';
import { call } from '../media/rpc';
import { announce } from '../tasks';
import { Backing, oipfType } from './oipf-objects';

export const DRM_AGENT = 'application/oipfDrmAgent';

/** OIPF DRM message result codes. */
export const DRM_RESULT_UNKNOWN_ERROR = 1;
export const DRM_RESULT_CANNOT_PROCESS = 2;
export const DRM_RESULT_UNKNOWN_SYSTEM = 5;
/** OIPF DRMSystemStatus: 0 READY, 1 UNKNOWN. */
export const DRM_STATUS_READY = 0;
export const DRM_STATUS_UNKNOWN = 1;
/** protocol DRM_MESSAGE_MAX: longer messages are refused here, not sent. */
const MESSAGE_MAX = 12288;

let nextMessage = 1;
let nextAgent = 1;
/** The agents of this document that talked to the device, by their proxy id. */
const agents = new Map<string, { el: HTMLObjectElement; b: Backing }>();
/** The device's DRM systems and their last known status. */
const status = new Map<string, number>();

export function installDrmAgent(deviceSystems: string[]): void {
  for (const id of deviceSystems) status.set(id.toLowerCase(), DRM_STATUS_READY);
  oipfType(DRM_AGENT, ['sendDRMMessage', 'DRMSystemStatus', 'onDRMMessageResult', 'onDRMSystemMessage', 'onDRMSystemStatusChange'], (el) => {
    const proxyId = `drm${nextAgent++}`;
    let cmd = 0;
    const b: Backing = {
      onDRMMessageResult: null,
      onDRMSystemMessage: null,
      onDRMSystemStatusChange: null,
      sendDRMMessage: (msgType: unknown, msg: unknown, system: unknown) => {
        const id = String(nextMessage++);
        const result = (resultMsg: string, resultCode: number): void =>
          announce(el, () => b.onDRMMessageResult, 'DRMMessageResult', [id, resultMsg, resultCode], { msgID: id, resultMsg, resultCode });
        const params = { msgType: String(msgType ?? ''), msg: String(msg ?? ''), drmSystemId: String(system ?? '') };
        if (JSON.stringify(params.msg).length > MESSAGE_MAX || params.msgType.length > 256 || params.drmSystemId.length > 256) {
          result('', DRM_RESULT_CANNOT_PROCESS);
          return id;
        }
        agents.set(proxyId, { el, b });
        call(proxyId, 'drm', { ...params, cmd: ++cmd }).then(
          (r) => {
            const answer = r as { resultMsg?: unknown; resultCode?: unknown };
            result(String(answer.resultMsg ?? ''), typeof answer.resultCode === 'number' ? answer.resultCode : DRM_RESULT_UNKNOWN_ERROR);
          },
          () => result('', DRM_RESULT_UNKNOWN_ERROR)
        );
        return id;
      },
      DRMSystemStatus: (system: unknown) => status.get(String(system ?? '').toLowerCase()) ?? DRM_STATUS_UNKNOWN
    };
    return b;
  });
}

/** What the terminal's DRM agent says, for the agent object that talked to it. */
export function drmEvent(e: DrmEventParams): void {
  const a = agents.get(e.player);
  if (!a) return;
  if (e.type === 'status') {
    status.set(e.drmSystemId.toLowerCase(), e.status ?? DRM_STATUS_UNKNOWN);
    announce(a.el, () => a.b.onDRMSystemStatusChange, 'DRMSystemStatusChange', [e.drmSystemId], { DRMSystemID: e.drmSystemId });
  } else {
    announce(a.el, () => a.b.onDRMSystemMessage, 'DRMSystemMessage', [e.msg ?? '', e.drmSystemId], { msg: e.msg ?? '', DRMSystemID: e.drmSystemId });
  }
}
