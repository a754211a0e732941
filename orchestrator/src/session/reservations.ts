import { BASELINE_MEDIA_CAPABILITIES, HelloParams, MediaCapabilities, StratusError } from '@stratus/protocol';
import { mediaLack } from '../media/capabilities';
import { Session } from './session';

interface Reservation {
  session: Session;
  timer: NodeJS.Timeout;
  /** What the app was told the device plays (the pre-warm's media, else the baseline). */
  media: MediaCapabilities;
}

/**
 * Sessions pre-warmed through the API, by device id, until their device says hello: the app loads
 * before the device connects, so the viewer's red button shows a loaded app. One per device; an
 * unclaimed one closes after its time to live.
 */
export class Reservations {
  private readonly byDevice = new Map<string, Reservation>();

  constructor(private readonly ttlMs: number) {}

  has(deviceId: string): boolean {
    return this.byDevice.has(deviceId);
  }

  /** The sessions reserved now. */
  sessions(): Session[] {
    return [...this.byDevice.values()].map((r) => r.session);
  }

  /** Holds `session` for `deviceId` until claimed, closed, or its time to live ends (STRATUS_IDLE_TIMEOUT). */
  add(deviceId: string, session: Session, media: MediaCapabilities): void {
    const timer = setTimeout(() => void session.close(new StratusError('STRATUS_IDLE_TIMEOUT', 'no device claimed the pre-warmed session')), this.ttlMs);
    timer.unref();
    this.byDevice.set(deviceId, { session, timer, media });
    session.once('closing', () => this.remove(deviceId, session));
  }

  private remove(deviceId: string, session: Session): void {
    const r = this.byDevice.get(deviceId);
    if (!r || r.session !== session) return;
    clearTimeout(r.timer);
    this.byDevice.delete(deviceId);
  }

  /**
   * The session reserved for this device, if the hello fits it (the same app or none, the same
   * screen). Its app keeps the media it was told of; its playback follows the device's own report
   * from now on, so what the device lacks of that (a codec, a video size) is transcoded when
   * `transcodes`. A reservation whose device lacks what no transcode makes up for (a DRM system;
   * anything, with no media-bridge) closes (STRATUS_PREWARM_UNFIT): the device gets a new session
   * instead, in the place the reservation held (`claimed` false: it still counts until its close
   * ends).
   */
  claim(deviceId: string, hello: HelloParams, transcodes: boolean): { session: Session; claimed: boolean } | null {
    const r = this.byDevice.get(deviceId);
    if (!r || r.session.isClosing) return null;
    const info = r.session.info();
    if (hello.app && hello.app !== r.session.appId) return null;
    if (hello.screen.width !== info.device.screen.width || hello.screen.height !== info.device.screen.height) return null;
    const media = hello.media ?? BASELINE_MEDIA_CAPABILITIES;
    const lack = mediaLack(media, r.media);
    if (lack && !(lack.virtual && transcodes)) {
      void r.session.close(new StratusError('STRATUS_PREWARM_UNFIT', `(${lack.reason})`));
      return { session: r.session, claimed: false };
    }
    this.remove(deviceId, r.session);
    r.session.layer.setDeviceEncodings(hello.encodings ?? ['png'], hello.tileCache ?? 0);
    r.session.useDeviceMedia(media);
    return { session: r.session, claimed: true };
  }
}
