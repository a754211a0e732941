import { expect } from 'chai';
import { FrameChecks } from '../../src/layer/frame-checks';

/** Resolves when `checks` calls its due callback. */
function rig(keyPaintWaitMs = 5, settleMs = 5): { checks: FrameChecks; due: () => Promise<void>; calls: () => number } {
  let calls = 0;
  let wake: (() => void) | null = null;
  const checks = new FrameChecks({ keyPaintWaitMs, settleMs }, () => {
    calls++;
    wake?.();
  });
  return { checks, calls: () => calls, due: () => new Promise<void>((resolve) => (wake = resolve)) };
}

describe('orchestrator/layer/frame-checks', () => {
  it('a frame claims the key-downs delivered before it was taken, never one after', () => {
    const { checks } = rig(1000);
    checks.keyDelivered(3, 1000);
    checks.keyDelivered(5, 2000);
    expect(checks.claimedBy(999, 1)).to.equal(1);
    expect(checks.claimedBy(1000, 1)).to.equal(3);
    expect(checks.claimedBy(1500, 1)).to.equal(3);
    expect(checks.claimedBy(2500, 1)).to.equal(5);
    // What the device has already seen claimed stays claimed.
    expect(checks.claimedBy(1500, 4)).to.equal(4);
    checks.reset();
  });

  it('a key-down no frame claims comes due for a check, once', async () => {
    const { checks, due } = rig();
    const wait = due();
    checks.keyDelivered(1, Date.now());
    expect(checks.pending(true), 'still to come while unclaimed').to.equal(true);
    expect(checks.pending(false), 'not once a frame claimed it').to.equal(false);
    await wait;
    expect(checks.takeKeyCheck()).to.equal(true);
    expect(checks.takeKeyCheck()).to.equal(false);
    expect(checks.pending(true)).to.equal(false);
  });

  it('changed frames in a burst come due for one check after they stop; a single one does not', async () => {
    // A settle window no loaded machine can outlast between two calls in a row.
    const { checks, calls } = rig(5, 60000);
    checks.frameChanged();
    expect(checks.pending(false), 'one change is no burst').to.equal(false);
    checks.reset();
    expect(calls()).to.equal(0);
    const fast = rig(5, 30);
    const wait = fast.due();
    // Two changes less than 30 ms apart make a burst; the check waits for them to stop. (Should
    // the machine stall 30 ms between the two calls, they are no burst: try again.)
    let n = 0;
    do {
      const before = performance.now();
      fast.checks.frameChanged();
      fast.checks.frameChanged();
      n++;
      if (performance.now() - before < 30) break;
      fast.checks.reset();
    } while (n < 100);
    expect(fast.checks.pending(false)).to.equal(true);
    await wait;
    expect(fast.checks.takeBurstCheck()).to.equal(true);
    expect(fast.checks.takeBurstCheck()).to.equal(false);
    expect(fast.checks.pending(false)).to.equal(false);
  });

  it('starts over on reset: nothing comes due', () => {
    const { checks, calls } = rig(60000, 60000);
    checks.keyDelivered(1, Date.now());
    checks.frameChanged();
    checks.frameChanged();
    expect(checks.pending(true)).to.equal(true);
    checks.reset();
    expect(checks.pending(true)).to.equal(false);
    expect([checks.takeKeyCheck(), checks.takeBurstCheck(), calls()]).to.deep.equal([false, false, 0]);
  });
});
