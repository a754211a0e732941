import { expect } from 'chai';
import FakeTimers from '@sinonjs/fake-timers';
import { QuietChecks } from '../../src/layer/quiet-checks';

describe('orchestrator/layer/quiet-checks', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  let due: number;
  let checks: QuietChecks;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    due = 0;
    checks = new QuietChecks(1000, () => due++);
  });
  afterEach(() => clock.uninstall());

  it('checks a span once, and a span twice as long after each clean check, up to four times', () => {
    const spans: number[] = [];
    for (let i = 0; i < 4; i++) {
      const from = performance.now();
      checks.arm();
      // Later frames of the span share its check.
      checks.arm();
      clock.runToLast();
      expect(due).to.equal(i + 1);
      spans.push(performance.now() - from);
      checks.passed();
    }
    expect(spans).to.deep.equal([1000, 2000, 4000, 4000]);
    expect(checks.armed).to.equal(false);
  });

  it('waits for the next key\'s frame when keys come, and runs at once after it', () => {
    checks.keyDown();
    checks.arm();
    clock.tick(1000);
    expect(due).to.equal(0);
    expect(checks.armed).to.equal(true);
    clock.tick(700);
    checks.keyDown();
    expect(due).to.equal(0);
    checks.keyFrameSent();
    expect(due).to.equal(1);
    expect(checks.armed).to.equal(false);
  });

  it('runs twice the span later when no key comes after all', () => {
    checks.keyDown();
    checks.arm();
    clock.tick(1000);
    clock.tick(1999);
    expect(due).to.equal(0);
    clock.tick(1);
    expect(due).to.equal(1);
    // A key's frame afterwards starts nothing more.
    checks.keyFrameSent();
    expect(due).to.equal(1);
  });

  it('runs when due if the last key is two spans old', () => {
    checks.keyDown();
    clock.tick(1000);
    checks.arm();
    clock.tick(1000);
    expect(due).to.equal(1);
  });

  it('drops what is armed, and reset starts the spans over', () => {
    checks.arm();
    clock.runToLast();
    checks.passed();
    checks.arm();
    checks.reset();
    expect(checks.armed).to.equal(false);
    clock.runAll();
    expect(due).to.equal(1);
    checks.arm();
    clock.tick(1000);
    expect(due).to.equal(2);
  });
});
