import { expect } from 'chai';
import FakeTimers from '@sinonjs/fake-timers';
import { RegionMotion } from '../../src/layer/region-motion';

const R = { x: 64, y: 0, w: 320, h: 180 };
const jpeg = (n: number): Buffer => Buffer.from([0xff, 0xd8, n]);

describe('orchestrator/layer/region-motion', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  let motion: RegionMotion;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
    motion = new RegionMotion({ settleMs: 150, maxMs: 2000 });
  });
  afterEach(() => clock.uninstall());

  it('runs a chosen region until the same JPEG comes again, motionMaxMs passes, or its holes change', () => {
    expect(motion.chosen(R, jpeg(1), 0, 0)).to.equal(true);
    expect(motion.active).to.equal(true);
    const m = motion.next(0, false, false, 100);
    expect(m?.region).to.deep.equal(R);
    expect(motion.runs(m!)).to.equal(true);
    motion.advance(m!, jpeg(2));
    expect(m!.last.equals(jpeg(2))).to.equal(true);
    expect(motion.next(0, false, false, 1999)).to.equal(m);
    expect(motion.next(0, false, false, 2000)).to.equal(null);
    expect(motion.next(1, false, false, 100)).to.equal(null);
    expect(motion.next(0, true, false, 100)).to.equal(null);
    expect(motion.next(0, false, true, 100)).to.equal(null);
    // A whole capture that finds the region's last JPEG again starts nothing.
    motion.wholeCaptured();
    expect(motion.chosen(R, jpeg(2), 500, 0)).to.equal(false);
    expect(motion.active).to.equal(false);
  });

  it("takes the key's capture of the last region only after a run of it, not after one change", () => {
    motion.chosen(R, jpeg(1), 0, 0);
    motion.wholeCaptured();
    motion.key(true, false);
    expect(motion.keyPending).to.equal(false);
    motion.chosen(R, jpeg(2), 10, 0);
    motion.wholeCaptured();
    motion.key(true, false);
    expect(motion.keyPending).to.equal(true);
    const m = motion.next(0, false, false, 20);
    expect(m).to.deep.include({ region: R, since: -Infinity });
    expect(motion.keyPending).to.equal(false);
    // Not running: a key's region begins when its JPEG differs.
    expect(motion.runs(m!)).to.equal(false);
    motion.advance(m!, jpeg(3));
    expect(motion.runs(m!)).to.equal(true);
    // Lossy frames off, a keyframe due, or a copy since: the key's capture is whole.
    motion.key(false, false);
    expect(motion.keyPending).to.equal(false);
    motion.key(true, true);
    expect(motion.keyPending).to.equal(false);
    // A copy between the key and its capture: the region is not where pictures are any more.
    motion.chosen(R, jpeg(4), 30, 0);
    motion.key(true, false);
    expect(motion.keyPending).to.equal(true);
    motion.forgetLast();
    expect(motion.keyPending).to.equal(false);
    expect(motion.next(0, false, false, 40)).to.equal(null);
    motion.key(true, false);
    expect(motion.keyPending).to.equal(false);
  });

  it('settles once after settleMs without damage, not after damage came again, nor after the motion ended', () => {
    let settled = 0;
    motion.chosen(R, jpeg(1), 0, 0);
    motion.armSettle(() => settled++);
    motion.armSettle(() => settled++);
    clock.tick(149);
    motion.cancelSettle();
    clock.tick(500);
    expect(settled).to.equal(0);
    motion.armSettle(() => settled++);
    clock.tick(150);
    expect(settled).to.equal(1);
    motion.armSettle(() => settled++);
    motion.end();
    clock.tick(500);
    expect(settled).to.equal(1);
    expect(motion.active).to.equal(false);
    motion.key(true, false);
    expect(motion.keyPending).to.equal(false);
  });
});
