import type { FrameInfo } from './layer-types';

/**
 * The frames a device has not acknowledged yet, and the ids frames go out under.
 *
 * A device acknowledges a frame once it is painted, and with it every frame before it. A device
 * that lost sync asks for a keyframe: what it has in flight is abandoned (acks of those frames
 * may still come, and are fine), and it gets no other restart until that keyframe is
 * acknowledged, so requests alone can never make the server send without acks.
 */
export class FrameWindow {
  private readonly inflight = new Map<number, FrameInfo>();
  private nextId = 1;
  /** Frames up to this id were abandoned: their late acks are fine. */
  private abandonedUpTo = 0;
  /** 0: no request open; -1: the next keyframe answers one; otherwise that keyframe's id, until acked. */
  private recovery = 0;

  constructor(private readonly size: number) {}

  /** As many frames as the window takes are unacknowledged: nothing more goes out. */
  get full(): boolean {
    return this.inflight.size >= this.size;
  }

  get count(): number {
    return this.inflight.size;
  }

  /** The id the next frame goes out under. */
  get next(): number {
    return this.nextId;
  }

  /** Takes the next id for a frame about to be built. */
  take(): number {
    return this.nextId++;
  }

  /** Frame `info` went out. A keyframe that answers a request is the one whose ack ends it. */
  sent(info: FrameInfo): void {
    if (info.keyframe && this.recovery === -1) this.recovery = info.frame;
    this.inflight.set(info.frame, info);
  }

  /**
   * Frame `id` and every frame before it are painted: its info, or 'late' for an ack of an
   * abandoned frame, or null for an id never in flight (the device's protocol error).
   */
  ack(id: number): FrameInfo | 'late' | null {
    const info = this.inflight.get(id);
    if (!info) return id <= this.abandonedUpTo && id > 0 ? 'late' : null;
    if (this.recovery > 0 && id >= this.recovery) this.recovery = 0;
    for (const key of [...this.inflight.keys()]) if (key <= id) this.inflight.delete(key);
    return info;
  }

  /** A request for a keyframe is open (its keyframe not built or not acknowledged yet). */
  get recovering(): boolean {
    return this.recovery !== 0;
  }

  /**
   * What is in flight is moot: the device lost sync (`recovering`: the next keyframe answers it),
   * or the page was re-created. Late acks of it are fine.
   */
  abandon(recovering = false): void {
    this.abandonedUpTo = this.nextId - 1;
    this.inflight.clear();
    this.recovery = recovering ? -1 : 0;
  }

  /** The device is gone, or a new one attached: nothing is in flight, no request open. */
  clear(): void {
    this.inflight.clear();
    this.recovery = 0;
  }
}
