import { StratusError, StratusEvent } from '@stratus/protocol';
import { Channel, ChannelConnection } from '../channel/channel';

export interface SessionChannelsOptions {
  /** Control clients that may join besides the device. */
  maxControls: number;
  /** How long a dropped channel waits for a resume. */
  resumeGraceMs: number;
  /** The device's channel got a connection (true) or lost it (false). */
  onDevice(attached: boolean): void;
  /** The device stayed away past the grace: the session ends. */
  onDeviceGone(reason: StratusError): void;
}

/**
 * A session's control channels: the device's own, and those of control clients joined with the
 * device's credentials (session.join). Sockets come and go under them (attach, detach); the
 * channels live until the session closes or, for a control client, it leaves.
 */
export class SessionChannels {
  /** The device's channel: the UI stream goes to its connection. */
  readonly device = new Channel('device', 'device');
  private readonly controls = new Set<Channel>();
  private closed = false;

  constructor(private readonly opts: SessionChannelsOptions) {}

  get controlCount(): number {
    return this.controls.size;
  }

  /** Control channels with a connection now (the others wait for a resume). */
  get attachedControlCount(): number {
    let n = 0;
    for (const c of this.controls) if (c.connection) n++;
    return n;
  }

  get deviceAttached(): boolean {
    return this.device.connection !== null;
  }

  /** The channel a resume token belongs to, if any. */
  channelFor(resumeToken: string): Channel | null {
    if (this.device.checkResumeToken(resumeToken)) return this.device;
    for (const c of this.controls) if (c.checkResumeToken(resumeToken)) return c;
    return null;
  }

  /**
   * A connection takes one of the channels: a first hello or join, or a resume, whose peer has
   * everything up to `peerAck`. A connection still holding it is released with
   * STRATUS_SUPERSEDED, and the link replays what the peer missed. Throws STRATUS_REPLAY_GAP when
   * the replay is no longer possible.
   */
  attach(channel: Channel, conn: ChannelConnection, peerAck?: number): void {
    if (this.closed) throw new StratusError('STRATUS_SESSION_CLOSED');
    channel.attach(conn, peerAck);
    if (channel !== this.device) return;
    this.opts.onDevice(true);
    this.tellControls(true);
  }

  /**
   * A channel's connection dropped; it waits `resumeGraceMs` for a resume. A control channel that
   * stays away is removed; the device's going away is reported at once, and ends the session when
   * the grace runs out.
   */
  detach(channel: Channel, conn: ChannelConnection): void {
    if (this.closed) return;
    const lost = new StratusError('STRATUS_TRANSPORT_LOST');
    if (channel !== this.device) {
      channel.detach(conn, this.opts.resumeGraceMs, () => this.removeControl(channel, lost));
      return;
    }
    if (!channel.detach(conn, this.opts.resumeGraceMs, () => this.opts.onDeviceGone(lost))) return;
    this.opts.onDevice(false);
    this.tellControls(false);
  }

  /** A control client joins. Throws STRATUS_CHANNEL_LIMIT. */
  join(name: string): Channel {
    if (this.closed) throw new StratusError('STRATUS_SESSION_CLOSED');
    if (this.controls.size >= this.opts.maxControls) {
      throw new StratusError('STRATUS_CHANNEL_LIMIT', `${this.opts.maxControls} control channels`);
    }
    const channel = new Channel('control', name);
    this.controls.add(channel);
    return channel;
  }

  /** A control channel leaves (session.leave, a protocol error, or its grace ran out). */
  removeControl(channel: Channel, reason: StratusError): void {
    if (!this.controls.delete(channel)) return;
    const conn = channel.connection;
    channel.close(reason);
    conn?.release(reason);
  }

  /** The session is ending: every channel ends with `reason`; nothing may attach any more. */
  close(reason: StratusError): void {
    this.closed = true;
    this.device.close(reason);
    for (const c of this.controls) c.close(reason);
    this.controls.clear();
  }

  /** The app was reloaded in its session: the device and every control client hear it. */
  tellReloaded(reason: 'crashed' | 'hung' | 'browser' | 'launch' | 'reload'): void {
    if (this.closed) return;
    this.device.notify('session.reloaded', { reason });
    for (const c of this.controls) c.notify('session.reloaded', { reason });
  }

  /** An event of the session (protocol/src/api.ts): every control client hears it. */
  tellEvent(event: StratusEvent): void {
    if (this.closed) return;
    for (const c of this.controls) c.notify('session.event', event);
  }

  private tellControls(attached: boolean): void {
    for (const c of this.controls) c.notify('session.device', { attached });
  }
}
