import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ChannelRole,
  LinkOptions,
  LINK_DEFAULTS,
  NotificationsOf,
  ParamsOf,
  ReliableLink,
  RequestsOf,
  ResultOf,
  rpcErrorOf,
  rpcErrorResponse,
  rpcNotification,
  rpcResult,
  StratusError,
  ToChannel
} from '@stratus/protocol';
import { PendingCalls } from './pending-calls';
import type { Principal } from '../api/principal';

/** What a live socket lends the channel it carries. */
export interface ChannelConnection {
  send(text: string): void;
  /** UI frames; only the device's connection has them. */
  sendFrame?(message: Buffer): void;
  /** Ends that socket without ending the channel: another one resumed it, or the channel ended. */
  release(reason: StratusError): void;
}

/** Where a UI layer's frames go (layer-stream.ts): the device's channel. */
export interface FrameSink {
  sendFrame(message: Buffer): void;
}

const NODE_TIMERS = {
  set: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clear: (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout)
};

/**
 * One control channel of a session (the device's, or a joined control client's): its reliable
 * link, its pending cloud-to-channel requests and its resume credential. It outlives sockets: a
 * drop detaches the connection, a resume attaches the next one and the link replays.
 */
export class Channel implements FrameSink {
  readonly link: ReliableLink;
  readonly calls = new PendingCalls();
  readonly resumeToken = randomBytes(24).toString('base64url');
  /** Only a hash is kept: the token itself goes to the client once, in the handshake result. */
  private readonly resumeHash = hashToken(this.resumeToken);
  private conn: ChannelConnection | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Who joined a control channel: an API key's principal, or the device's credentials. */
  principal: Principal | null = null;

  constructor(
    readonly role: ChannelRole,
    readonly name: string,
    linkOptions: LinkOptions = LINK_DEFAULTS
  ) {
    this.link = new ReliableLink(NODE_TIMERS, linkOptions);
  }

  get connection(): ChannelConnection | null {
    return this.conn;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  checkResumeToken(token: string): boolean {
    return timingSafeEqual(hashToken(token), this.resumeHash);
  }

  /** STRATUS_REPLAY_GAP when a peer that has everything up to `peerAck` cannot be brought up to date. */
  replayGap(peerAck: number): StratusError | null {
    if (this.link.canReplayFrom(peerAck)) return null;
    return new StratusError('STRATUS_REPLAY_GAP', `the peer has up to ${peerAck}; ${this.link.sent} sent, ${this.link.unacknowledged} kept`);
  }

  /**
   * A socket takes the channel; one still holding it is released with STRATUS_SUPERSEDED. The
   * link resends what the peer, which has everything up to `peerAck`, missed. Throws
   * STRATUS_REPLAY_GAP when some of that has already left the bounded buffer.
   */
  attach(conn: ChannelConnection, peerAck: number = this.link.peerAcked): void {
    if (this.closed) throw new StratusError('STRATUS_SESSION_CLOSED');
    const gap = this.replayGap(peerAck);
    if (gap) throw gap;
    const previous = this.conn;
    this.conn = conn;
    this.link.detach();
    if (previous && previous !== conn) previous.release(new StratusError('STRATUS_SUPERSEDED'));
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.link.attach((text) => conn.send(text), peerAck);
  }

  /**
   * The socket dropped. The channel keeps its link and calls for `graceMs`, then `expire` runs.
   * False when `conn` no longer holds the channel.
   */
  detach(conn: ChannelConnection, graceMs: number, expire: () => void): boolean {
    if (this.conn !== conn || this.closed) return false;
    this.conn = null;
    this.link.detach();
    this.graceTimer = setTimeout(expire, graceMs);
    return true;
  }

  /** A sequenced request, typed by the protocol; it waits through a drop, but not past `timeoutMs`. */
  request<M extends RequestsOf<ToChannel>>(method: M, params: ParamsOf<ToChannel[M]>, timeoutMs: number): Promise<ResultOf<ToChannel[M]>> {
    if (this.closed) return Promise.reject(new StratusError('STRATUS_SESSION_CLOSED'));
    return this.calls.call((m) => this.link.send(m), method, params, timeoutMs) as Promise<ResultOf<ToChannel[M]>>;
  }

  /** A sequenced notification. */
  notify<M extends NotificationsOf<ToChannel>>(method: M, params: ParamsOf<ToChannel[M]>): void {
    if (!this.closed) this.link.send(rpcNotification(method, params));
  }

  /** Answers a sequenced request, in sequence. */
  reply(id: number | string, result: unknown, err?: StratusError): void {
    if (this.closed) return;
    this.link.send(err ? rpcErrorResponse(id, rpcErrorOf(err)) : rpcResult(id, result));
  }

  /** A UI frame to whichever socket holds the channel now; none while it is detached. */
  sendFrame(message: Buffer): void {
    this.conn?.sendFrame?.(message);
  }

  /** Ends the channel: pending calls fail with `reason`, nothing is kept for a replay. */
  close(reason: StratusError): void {
    if (this.closed) return;
    this.closed = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.conn = null;
    this.link.close();
    this.calls.rejectAll(reason);
  }
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
