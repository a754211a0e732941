import { expect } from 'chai';
import { LINK_DEFAULTS, LinkOptions, ReliableLink } from '../src/reliable-link';

/** Timers the test fires by hand. */
class ManualTimers {
  private next = 1;
  readonly due = new Map<number, () => void>();
  set = (fn: () => void): unknown => {
    const h = this.next++;
    this.due.set(h, fn);
    return h;
  };
  clear = (h: unknown): void => {
    this.due.delete(h as number);
  };
  fire(): void {
    const fns = [...this.due.values()];
    this.due.clear();
    fns.forEach((f) => f());
  }
}

function link(opts: Partial<LinkOptions> = {}): { l: ReliableLink; wire: any[]; timers: ManualTimers } {
  const timers = new ManualTimers();
  const l = new ReliableLink(timers, { ...LINK_DEFAULTS, ...opts });
  const wire: any[] = [];
  l.attach((t) => wire.push(JSON.parse(t)), 0);
  return { l, wire, timers };
}

/** Carries every message from one side to the other, the way a socket would, and applies what is delivered. */
function deliver(from: any[], to: ReliableLink, applied: any[]): void {
  for (const m of from.splice(0)) if (to.receive(m.seq, m.ack) === 'deliver' && m.method !== 'link.ack') applied.push(m);
}

describe('protocol/reliable-link', () => {
  it('numbers messages from 1, piggybacks the ack, and drops what the peer acknowledged', () => {
    const { l, wire } = link();
    l.send({ method: 'a' });
    l.send({ method: 'b' });
    expect(wire.map((m) => m.seq)).to.deep.equal([1, 2]);
    expect(wire[0]).to.not.have.property('ack');
    expect(l.receive(1, 1)).to.equal('deliver');
    expect(l.unacknowledged).to.equal(1);
    l.send({ method: 'c' });
    expect(wire[2]).to.include({ seq: 3, ack: 1 });
  });

  it('refuses a duplicate, a gap and an ack for something never sent', () => {
    const { l } = link();
    expect(l.receive(1, undefined)).to.equal('deliver');
    expect(l.receive(1, undefined)).to.equal('duplicate');
    expect(l.receive(3, undefined)).to.equal('gap');
    expect(l.receive(undefined, 5)).to.equal('bad-ack');
    expect(l.receive(undefined, undefined)).to.equal('deliver');
    expect(l.stats.duplicates).to.equal(1);
  });

  it('sends a standalone ack after the delay, or at once every ackEvery messages', () => {
    const { l, wire, timers } = link({ ackEvery: 3 });
    l.receive(1, undefined);
    expect(wire).to.have.length(0);
    timers.fire();
    expect(wire).to.deep.equal([{ jsonrpc: '2.0', method: 'link.ack', params: {}, ack: 1 }]);
    [2, 3, 4].forEach((s) => l.receive(s, undefined));
    expect(wire[1]).to.include({ method: 'link.ack', ack: 4 });
    // An outgoing message carries the ack instead: no timer is left to send another.
    l.receive(5, undefined);
    l.send({ method: 'x' });
    timers.fire();
    expect(wire.map((m) => m.method)).to.deep.equal(['link.ack', 'link.ack', 'x']);
  });

  it('keeps messages sent during a drop and replays exactly what the peer missed', () => {
    const { l } = link();
    for (let i = 0; i < 5; i++) l.send({ n: i });
    l.receive(undefined, 2);
    l.detach();
    l.send({ n: 5 });
    const replay: any[] = [];
    expect(l.attach((t) => replay.push(JSON.parse(t)), 3)).to.equal(true);
    expect(replay.map((m) => m.n)).to.deep.equal([3, 4, 5]);
  });

  it('refuses a resume it cannot serve: overflowed buffer, a peer ahead of us, or one gone back', () => {
    const { l } = link({ maxBuffered: 3 });
    for (let i = 0; i < 5; i++) l.send({ n: i });
    expect(l.stats.overflowed).to.equal(2);
    expect(l.canReplayFrom(1)).to.equal(false);
    expect(l.canReplayFrom(2)).to.equal(true);
    expect(l.canReplayFrom(6)).to.equal(false);
    l.receive(undefined, 4);
    expect(l.canReplayFrom(3)).to.equal(false);
    l.detach();
    expect(l.attach(() => undefined, 1)).to.equal(false);
    expect(l.attached).to.equal(false);
  });

  it('bounds the buffer in bytes too', () => {
    const { l } = link({ maxBufferedBytes: 200 });
    for (let i = 0; i < 10; i++) l.send({ pad: 'x'.repeat(50) });
    expect(l.unacknowledged).to.be.below(4);
    expect(l.stats.overflowed).to.be.above(6);
  });

  it('loses and duplicates nothing across random drops, in both directions', () => {
    // A model of the wire: messages in flight when the socket dies are gone; the resume
    // handshake exchanges each side's `received`.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const timers = new ManualTimers();
    const a = new ReliableLink(timers);
    const b = new ReliableLink(timers);
    let toB: any[] = [];
    let toA: any[] = [];
    const gotB: any[] = [];
    const gotA: any[] = [];
    const connect = () => {
      toB = [];
      toA = [];
      expect(a.attach((t) => toB.push(JSON.parse(t)), b.received)).to.equal(true);
      expect(b.attach((t) => toA.push(JSON.parse(t)), a.received)).to.equal(true);
    };
    connect();
    let sentA = 0;
    let sentB = 0;
    for (let step = 0; step < 3000; step++) {
      const r = rand();
      if (r < 0.3) a.send({ from: 'a', n: sentA++ });
      else if (r < 0.6) b.send({ from: 'b', n: sentB++ });
      else if (r < 0.75) deliver(toB, b, gotB);
      else if (r < 0.9) deliver(toA, a, gotA);
      else if (r < 0.95) timers.fire();
      else {
        // The drop: part of what is in flight arrives, the rest is lost.
        deliver(toB.splice(0, Math.floor(rand() * toB.length)), b, gotB);
        a.detach();
        b.detach();
        connect();
      }
    }
    deliver(toB, b, gotB);
    deliver(toA, a, gotA);
    a.detach();
    b.detach();
    connect();
    deliver(toB, b, gotB);
    deliver(toA, a, gotA);
    expect(gotB.map((m) => m.n)).to.deep.equal([...Array(sentA).keys()]);
    expect(gotA.map((m) => m.n)).to.deep.equal([...Array(sentB).keys()]);
    expect(a.stats.replayed + b.stats.replayed).to.be.above(0);
  });
});
