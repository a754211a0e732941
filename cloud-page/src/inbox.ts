/**
 * The one hidden global through which the orchestrator talks to the page (Runtime.evaluate):
 * media answers and events, damage hints, cloud-browser errors and painted-frame events. Not
 * enumerable, not writable, and named at random per session (CloudPageConfig.inbox).
 */
import type { DrmEventParams } from '@stratus/protocol';
import { deliverMessage } from './app-messages';
import type { CloudErrorDetail, DamageTake } from './config';
import { drmEvent } from './hbbtv/drm-agent';
import type { MediaInbox } from './media';
import { ControlArgs, controlPlayer } from './media/control';
import type { Failure } from './media/rpc';
import { dispatchCloudError } from './tasks';
import { RENDERED_EVENT } from './tv-shim';

export interface Inbox extends MediaInbox {
  /** Where the changes since the last call can have painted; null when the page cannot tell. */
  take: DamageTake;
  /** A motion is under way that will end (paint-watch.ts motionUnderWay); false when the page cannot tell. */
  moving(): boolean;
  cloudError(d: CloudErrorDetail): void;
  /** The device has painted a frame: the page hears of it as a `stratusrendered` event. */
  rendered(detail: object): void;
  /** The terminal's DRM agent spoke to one of the page's DRM agent objects. */
  drmEvent(e: DrmEventParams): void;
  /** A control client's message to the app (app.message). */
  message(data: unknown): boolean;
  /** A control client's command on one of this document's players. */
  control(player: string, method: string, args: ControlArgs): Failure | null;
}

export function installInbox(name: string, media: MediaInbox | null, take: DamageTake | null, moving: (() => boolean) | null = null): Inbox {
  const inbox: Inbox = {
    support: (type) => (media ? media.support(type) : ''),
    reply: (id, error, result) => media && media.reply(id, error, result),
    event: (e) => media && media.event(e),
    holeKey: (n) => (media ? media.holeKey(n) : 0),
    streamEvent: (e) => media && media.streamEvent(e),
    drmEvent: (e) => drmEvent(e),
    message: (data) => deliverMessage(data),
    control: (player, method, args) => controlPlayer(player, method, args),
    take: (width, height, maxArea, since) => (take ? take(width, height, maxArea, since) : { seq: 0, rect: null }),
    moving: () => (moving ? moving() : false),
    cloudError: (d) => dispatchCloudError(d),
    rendered: (detail) => {
      window.dispatchEvent(new CustomEvent(RENDERED_EVENT, { detail }));
    }
  };
  Object.defineProperty(window, name, { value: Object.freeze(inbox), enumerable: false, configurable: false, writable: false });
  return inbox;
}
