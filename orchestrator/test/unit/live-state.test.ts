import { expect } from 'chai';
import FakeTimers from '@sinonjs/fake-timers';
import { LiveState } from '../../src/layer/live-state';
import { LIVE_SWITCH_MS } from '../../src/layer/live-motion';

describe('orchestrator/layer/live-state', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  let told: string[];
  let lives: LiveState;
  const jpeg = Buffer.from('JPEG');
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    told = [];
    lives = new LiveState({ motionSettleMs: 100, keyPaintWaitMs: 150 }, null, {
      live: (on) => told.push(`live ${on}`),
      ready: (on) => told.push(`ready ${on}`),
      settle: (exact) => told.push(`settle ${exact}`),
      pump: () => told.push('pump')
    });
  });
  afterEach(() => {
    lives.reset();
    clock.uninstall();
  });

  it('a motion that sent frames and stood still: its exact capture follows, and the next key goes live at once', async () => {
    const motion = lives.start(0);
    motion.switchDone(0);
    motion.frame(jpeg, Date.now());
    motion.frames++;
    await clock.tickAsync(LIVE_SWITCH_MS);
    expect(told).to.deep.equal(['live true', 'ready true', 'live false', 'settle true', 'pump']);
    expect([lives.motion, lives.ready, lives.takeMissed()]).to.deep.equal([null, true, false]);
  });

  it('a motion over before its first frame: a plain capture follows, once, and the next key does not go live', async () => {
    // Ready from a motion before, which the new one clears.
    lives.setReady(true);
    lives.start(0).switchDone(0);
    await clock.tickAsync(LIVE_SWITCH_MS);
    expect(told).to.deep.equal(['ready true', 'ready false', 'live true', 'live false', 'settle false', 'pump']);
    expect(lives.ready).to.equal(false);
    expect(lives.takeMissed()).to.equal(true);
    expect(lives.takeMissed()).to.equal(false);
  });

  it('a motion made moot (a keyframe, a lost device) settles nothing, and reset forgets what the last one taught', () => {
    lives.start(0).frames++;
    lives.end(false);
    expect(told).to.deep.equal(['live true', 'live false']);
    lives.setReady(true);
    lives.reset();
    expect([lives.ready, lives.takeMissed(), told.slice(2)]).to.deep.equal([false, false, ['ready true', 'ready false']]);
  });

  it('the page\'s word ends a motion that showed its frames, and says so', () => {
    expect(lives.pageStill()).to.equal(false);
    const motion = lives.start(0);
    motion.switchDone(0);
    expect(lives.pageStill(), 'no frame yet').to.equal(false);
    motion.frame(jpeg, Date.now());
    motion.frames++;
    expect(lives.pageStill()).to.equal(true);
    expect(lives.motion).to.equal(null);
    expect(told).to.deep.equal(['live true', 'ready true', 'live false', 'settle true', 'pump']);
  });

  it('the page\'s word said after a key, before the motion for it started, is the motion\'s to take', async () => {
    await clock.tickAsync(5);
    const keyAt = Date.now();
    await clock.tickAsync(5);
    expect(lives.pageStill(true)).to.equal(false);
    const motion = lives.start(0);
    motion.key(50, 1, keyAt);
    motion.switchDone(0);
    motion.frame(jpeg, Date.now());
    expect(motion.last).to.deep.equal({ at: keyAt + 5, final: true });
  });

  it('a live key waits twice the live paint time once measured, the stream\'s key paint time before', () => {
    expect(lives.waitBasis(300)).to.equal(300);
    lives.keyPainted(null);
    expect(lives.waitBasis(300)).to.equal(300);
    lives.keyPainted(80);
    expect(lives.waitBasis(300)).to.equal(80);
  });
});
