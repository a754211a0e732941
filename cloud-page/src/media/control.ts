/**
 * A control client's media commands (app.* / media.* of the integration API), carried out by the
 * app's own player objects through their public API, as the app itself would call them: the
 * objects change state and fire their events, and the device gets the command the usual way.
 */
import { AvPlayer } from './av-control';
import { BroadcastPlayer } from './broadcast';
import { ElementPlayer } from './element-player';
import type { Failure } from './rpc';
import { players } from './video-window';

export interface ControlArgs {
  time?: number;
  volume?: number;
  muted?: boolean;
  ccid?: string;
}

type Api = Record<string, (...args: unknown[]) => unknown>;

function unsupported(kind: string, method: string): Failure {
  return { code: 'STRATUS_MEDIA_CONTROL_UNSUPPORTED', message: `${method} on ${kind}` };
}

export function controlPlayer(local: string, method: string, a: ControlArgs): Failure | null {
  const player = players.get(local);
  if (!player) return { code: 'STRATUS_MEDIA_UNKNOWN_PLAYER', message: local };
  try {
    if (player instanceof ElementPlayer) {
      const el = player.el;
      if (method === 'play') el.play().catch(() => undefined);
      else if (method === 'pause') el.pause();
      else if (method === 'stop') {
        el.pause();
        el.currentTime = 0;
      } else if (method === 'seek') el.currentTime = a.time as number;
      else if (method === 'volume') el.volume = a.volume as number;
      else if (method === 'mute') el.muted = a.muted as boolean;
      else return unsupported('a media element', method);
      return null;
    }
    if (player instanceof AvPlayer) {
      const el = player.el as unknown as Api;
      if (method === 'play') el.play(1);
      else if (method === 'pause') el.play(0);
      else if (method === 'stop') el.stop();
      else if (method === 'seek') el.seek(Math.round((a.time as number) * 1000));
      else return unsupported('an A/V Control object', method);
      return null;
    }
    if (player instanceof BroadcastPlayer) {
      const el = player.el as unknown as Api;
      if (method === 'tune') {
        const config = el.getChannelConfig() as { channelList: { getChannel(ccid: string): unknown } };
        const channel = config.channelList.getChannel(a.ccid as string);
        if (!channel) return { code: 'STRATUS_UNKNOWN_CHANNEL', message: String(a.ccid) };
        el.setChannel(channel);
      } else if (method === 'stop') el.stop();
      else if (method === 'play') el.bindToCurrentChannel();
      else if (method === 'volume') el.setVolume(Math.round((a.volume as number) * 100));
      else if (method === 'mute') el.setVolume(a.muted ? 0 : player.volume || 100);
      else return unsupported('a video/broadcast object', method);
      return null;
    }
    return unsupported('this player', method);
  } catch (e) {
    return { code: 'STRATUS_MEDIA_ERROR', message: String((e as Error).message || e).slice(0, 500) };
  }
}
