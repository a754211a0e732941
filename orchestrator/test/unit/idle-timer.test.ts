import { expect } from 'chai';
import FakeTimers from '@sinonjs/fake-timers';
import { IdleTimer } from '../../src/session/idle-timer';

describe('orchestrator/session/idle-timer', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => clock.uninstall());

  it('fires once the timeout passes with no activity, and activity pushes it back', () => {
    let fired = 0;
    const t = new IdleTimer(1500, () => fired++);
    t.start();
    for (let i = 0; i < 4; i++) {
      clock.tick(1000);
      t.touch();
    }
    expect(fired).to.equal(0);
    clock.tick(1499);
    expect(fired).to.equal(0);
    clock.tick(1);
    expect(fired).to.equal(1);
    // One timer at a time, never more, and none left after it fired.
    expect(clock.countTimers()).to.equal(0);
  });

  it('keeps one timer however busy the session is, and stop() leaves none', () => {
    const t = new IdleTimer(1000, () => undefined);
    t.start();
    for (let i = 0; i < 100; i++) {
      clock.tick(10);
      t.touch();
    }
    expect(clock.countTimers()).to.equal(1);
    t.stop();
    expect(clock.countTimers()).to.equal(0);
  });
});
