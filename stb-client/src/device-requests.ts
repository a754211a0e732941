import { DeviceInfo } from '@stratus/protocol/device';
import { MediaHost } from './media/media-host';

export type Answer = (err: { code: string; message: string } | null, result?: object) => void;

/**
 * What the device does with a cloud-to-device request: media requests go to the video plane's
 * players (they may answer later), device.info is answered from what the client knows, and
 * anything else is STRATUS_UNKNOWN_METHOD.
 */
export function answerRequest(media: MediaHost | null, method: string, params: unknown, info: DeviceInfo, done: Answer): void {
  if (media && media.handle(method, params, function (err, result) {
    done(err, result || {});
  })) {
    return;
  }
  if (method === 'device.info') done(null, info);
  else done({ code: 'STRATUS_UNKNOWN_METHOD', message: 'No such method: ' + method });
}
