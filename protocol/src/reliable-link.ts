/**
 * One side of a session's reliable control link, shared by the orchestrator and the device.
 *
 * Every message that changes state or carries an instruction is numbered (`seq`, from 1, per
 * channel and direction, for the whole life of the session, not of one socket). Each message also
 * carries `ack`: the highest seq this side has received in order. The sender keeps what the peer has
 * not acknowledged in a bounded buffer; after a drop both sides exchange their `ack` in the
 * resume handshake and resend what the other missed. The receiver drops any seq it already has, so
 * nothing is applied twice. When nothing goes the other way to carry an ack, a `link.ack`
 * notification does, after `ackDelayMs` or every `ackEvery` messages.
 *
 * Connection-scoped messages (the handshake, UI acks, keyframe requests, errors before a close)
 * go unsequenced: they mean nothing on another socket.
 */

import { rpcNotification } from './jsonrpc';

/** What the link writes on a message (any JSON object; in practice a JSON-RPC envelope). */
interface Numbered {
  seq?: number;
  ack?: number;
}

/** Timers are injected: this package targets ES5 with no host library, and tests drive time. */
export interface LinkTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface LinkOptions {
  /** Unacknowledged messages kept for replay; beyond it the oldest goes and a resume that needs it fails. */
  maxBuffered: number;
  /** The same bound in bytes of JSON. */
  maxBufferedBytes: number;
  /** Messages received before an ack goes out on its own, without waiting. */
  ackEvery: number;
  /** How long an owed ack waits for an outgoing message to ride on. */
  ackDelayMs: number;
}

export var LINK_DEFAULTS: LinkOptions = { maxBuffered: 1024, maxBufferedBytes: 1048576, ackEvery: 32, ackDelayMs: 50 };

/** The standalone acknowledgement, an unsequenced notification; both sides send and accept it. */
export var LINK_ACK_METHOD = 'link.ack';

/**
 * What to do with an inbound message: `deliver` it, drop it as a `duplicate` of one already
 * applied, or refuse the link: a `gap` in the numbering, or an ack for something never sent.
 */
export type LinkVerdict = 'deliver' | 'duplicate' | 'gap' | 'bad-ack';

/** Counters beside `sent` and `received`, which the link keeps as its state. */
export interface LinkStats {
  duplicates: number;
  replayed: number;
  /** Messages pushed out of a full buffer before they were acknowledged. */
  overflowed: number;
}

interface Kept {
  seq: number;
  text: string;
}

export class ReliableLink {
  /** Highest seq assigned to an outgoing message. */
  sent = 0;
  /** Highest seq received in order from the peer. */
  received = 0;
  /** Highest of our seqs the peer has acknowledged. */
  peerAcked = 0;
  stats: LinkStats = { duplicates: 0, replayed: 0, overflowed: 0 };
  private kept: Kept[] = [];
  private keptBytes = 0;
  private ackSent = 0;
  private ackTimer: unknown = null;
  private out: ((text: string) => void) | null = null;

  constructor(private timers: LinkTimers, private opts: LinkOptions = LINK_DEFAULTS) {}

  /** Whether a connection is attached. */
  get attached(): boolean {
    return this.out !== null;
  }

  /** Messages sent and not yet acknowledged. */
  get unacknowledged(): number {
    return this.kept.length;
  }

  /**
   * Numbers a message, keeps it until acknowledged and sends it now if a connection is up;
   * otherwise it goes with the replay after the resume. Returns its seq.
   */
  send(msg: object): number {
    var seq = ++this.sent;
    (msg as Numbered).seq = seq;
    var text = this.stamp(msg);
    this.kept.push({ seq: seq, text: text });
    this.keptBytes += text.length;
    while (this.kept.length > this.opts.maxBuffered || (this.keptBytes > this.opts.maxBufferedBytes && this.kept.length > 1)) {
      this.keptBytes -= (this.kept.shift() as Kept).text.length;
      this.stats.overflowed++;
    }
    if (this.out) this.out(text);
    return seq;
  }

  /** A connection-scoped message: carries our ack, is not numbered, kept or replayed. */
  sendUnsequenced(msg: object): void {
    if (this.out) this.out(this.stamp(msg));
  }

  /** Checks an inbound message's seq and ack; `seq` undefined means an unsequenced message. */
  receive(seq: number | undefined, ack: number | undefined): LinkVerdict {
    if (ack !== undefined && !this.acknowledge(ack)) return 'bad-ack';
    if (seq === undefined) return 'deliver';
    if (seq <= this.received) {
      this.stats.duplicates++;
      return 'duplicate';
    }
    if (seq !== this.received + 1) return 'gap';
    this.received = seq;
    this.oweAck();
    return 'deliver';
  }

  /** Whether a peer that has everything up to `peerAck` can be brought up to date from the buffer. */
  canReplayFrom(peerAck: number): boolean {
    // A peer never forgets what it acknowledged, nor has what was never sent.
    if (peerAck > this.sent || peerAck < this.peerAcked) return false;
    if (peerAck === this.sent) return true;
    return this.kept.length > 0 && this.kept[0].seq <= peerAck + 1;
  }

  /**
   * A connection is up and the peer has everything up to `peerAck`: resend the rest, in order.
   * False (and nothing attached) when some of it has been dropped from the buffer.
   */
  attach(out: (text: string) => void, peerAck: number): boolean {
    if (!this.canReplayFrom(peerAck)) return false;
    this.acknowledge(peerAck);
    this.out = out;
    for (var i = 0; i < this.kept.length; i++) {
      this.stats.replayed++;
      out(this.kept[i].text);
    }
    // The handshake told the peer what we have; nothing is owed until something new arrives.
    this.ackSent = this.received;
    return true;
  }

  /** The connection is gone: keep everything for the replay. */
  detach(): void {
    this.out = null;
    this.cancelAck();
  }

  /** The session is over: nothing will be replayed. */
  close(): void {
    this.detach();
    this.kept = [];
    this.keptBytes = 0;
  }

  private acknowledge(ack: number): boolean {
    if (typeof ack !== 'number' || ack > this.sent || ack < 0) return false;
    if (ack <= this.peerAcked) return true;
    this.peerAcked = ack;
    while (this.kept.length > 0 && this.kept[0].seq <= ack) this.keptBytes -= (this.kept.shift() as Kept).text.length;
    return true;
  }

  private stamp(msg: object): string {
    if (this.received > 0) (msg as Numbered).ack = this.received;
    this.ackSent = this.received;
    this.cancelAck();
    return JSON.stringify(msg);
  }

  private oweAck(): void {
    if (!this.out) return;
    if (this.received - this.ackSent >= this.opts.ackEvery) {
      this.flushAck();
      return;
    }
    if (this.ackTimer !== null) return;
    var self = this;
    this.ackTimer = this.timers.set(function () {
      self.ackTimer = null;
      self.flushAck();
    }, this.opts.ackDelayMs);
  }

  private flushAck(): void {
    if (this.out && this.received > this.ackSent) this.sendUnsequenced(rpcNotification(LINK_ACK_METHOD, {}));
  }

  private cancelAck(): void {
    if (this.ackTimer !== null) this.timers.clear(this.ackTimer);
    this.ackTimer = null;
  }
}
