import { expect } from 'chai';
import FakeTimers from '@sinonjs/fake-timers';
import { LIVE_SWITCH_MS, LiveMotion, MAX_HOLD_MS } from '../../src/layer/live-motion';

describe('orchestrator/layer/live-motion', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  let still: number[];
  let live: LiveMotion;
  const timing = { motionSettleMs: 100, keyPaintWaitMs: 150 };
  const jpeg = Buffer.from('JPEG');
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    still = [];
    live = new LiveMotion(0, timing, () => still.push(clock.now));
  });
  afterEach(() => {
    live.stop();
    clock.uninstall();
  });

  it('waits for the screencast to switch, at most LIVE_SWITCH_MS', async () => {
    await clock.tickAsync(LIVE_SWITCH_MS - 1);
    expect(still).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(still).to.deep.equal([LIVE_SWITCH_MS]);
  });

  it('after the switch, waits for a first frame as long as the switch took, or twice the page\'s key paint time', async () => {
    await clock.tickAsync(300);
    live.switchDone(40);
    await clock.tickAsync(299);
    expect(still).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(still).to.deep.equal([600]);
  });

  it('a key-down delivered while live: not still before the page could paint it, even when frames set a shorter pace', async () => {
    live.switchDone(0);
    live.frame(jpeg, Date.now());
    await clock.tickAsync(20);
    // Frames 20 ms apart: 100 ms (motionSettleMs) without one would mean still...
    live.frame(jpeg, Date.now());
    // ...but a key came: no measured paint time yet, so twice keyPaintWaitMs.
    live.key(0, 1);
    await clock.tickAsync(299);
    expect(still).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(still).to.deep.equal([320]);
    expect(live.pending?.jpeg).to.equal(jpeg);
  });

  it('a key delivered before the switch counts from the key, once the switch is done', async () => {
    live.key(100, 1);
    await clock.tickAsync(50);
    live.switchDone(0);
    // The key wants 200 ms from when it came (150 more); the switch alone 100.
    await clock.tickAsync(149);
    expect(still).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(still).to.deep.equal([200]);
  });

  it('a slow page keeps moving: stillness is twice its last gap between frames, up to LIVE_SWITCH_MS', async () => {
    live.switchDone(0);
    await clock.tickAsync(80);
    live.frame(jpeg, Date.now());
    await clock.tickAsync(150);
    live.frame(jpeg, Date.now());
    await clock.tickAsync(299);
    expect(still).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(still).to.deep.equal([530]);
  });

  it('waits for the first frame of a key that started an animation as long as for a switch: it is sure to come', async () => {
    live.switchDone(0);
    live.key(40, 1, Date.now(), true);
    await clock.tickAsync(LIVE_SWITCH_MS - 1);
    expect(still).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(still).to.deep.equal([LIVE_SWITCH_MS]);
  });

  it('a frame taken before the key leaves the wait for its paint; one taken after it sets the pace again', async () => {
    live.switchDone(0);
    const at = Date.now();
    live.key(0, 1, at);
    await clock.tickAsync(10);
    live.frame(jpeg, at - 50);
    await clock.tickAsync(289);
    expect(still, 'still waiting for the key').to.deep.equal([]);
    live.frame(jpeg, at + 1);
    // The key's paint: from here, twice the gap since the frame before (289 ms).
    await clock.tickAsync(577);
    expect(still).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(still).to.deep.equal([299 + 578]);
  });

  describe('held on the page\'s word', () => {
    let moving: boolean;
    let asked: number;
    beforeEach(() => {
      live.stop();
      moving = true;
      asked = 0;
      live = new LiveMotion(0, timing, () => still.push(clock.now), async () => {
        asked++;
        return moving;
      });
    });

    it('a pause in the frames while the page says it moves is no stillness; its word that it stopped is', async () => {
      live.switchDone(0);
      await clock.tickAsync(30);
      // The key's first frame 30 ms in: twice that gap, or motionSettleMs, would end it at 130 ms.
      live.frame(jpeg, Date.now());
      await clock.tickAsync(300);
      expect(still, 'the page still moves').to.deep.equal([]);
      expect(asked).to.equal(3);
      // A frame 300 ms after the one before: the pace is slow, twice that is waited for.
      live.frame(jpeg, Date.now());
      moving = false;
      await clock.tickAsync(599);
      expect(still).to.deep.equal([]);
      await clock.tickAsync(1);
      expect(still, 'still at the first look after the frame').to.deep.equal([930]);
      expect(asked).to.equal(4);
    });

    it('never past MAX_HOLD_MS after the last frame, whatever the page says', async () => {
      live.switchDone(0);
      live.frame(jpeg, Date.now());
      await clock.tickAsync(MAX_HOLD_MS + 99);
      expect(still).to.deep.equal([MAX_HOLD_MS]);
      expect(asked).to.equal(MAX_HOLD_MS / timing.motionSettleMs - 1);
    });

    it('a frame while the page is asked wins: the answer is moot', async () => {
      let reply: (moving: boolean) => void = () => undefined;
      live.stop();
      live = new LiveMotion(0, timing, () => still.push(clock.now), () => new Promise<boolean>((r) => (reply = r)));
      live.switchDone(0);
      live.frame(jpeg, Date.now());
      await clock.tickAsync(100);
      live.frame(jpeg, Date.now());
      reply(false);
      await clock.tickAsync(199);
      expect(still, 'twice the last gap from the new frame').to.deep.equal([]);
    });

    it('its word that the motion ended ends a hold at once', async () => {
      live.switchDone(0);
      live.frame(jpeg, Date.now());
      await clock.tickAsync(150);
      expect(asked, 'held at 100 ms').to.equal(1);
      live.pageStill();
      expect(still).to.deep.equal([150]);
      await clock.tickAsync(MAX_HOLD_MS);
      expect(still).to.deep.equal([150]);
      expect(asked).to.equal(1);
    });

    it('stop() while the page is asked: no call', async () => {
      let reply: (moving: boolean) => void = () => undefined;
      live.stop();
      live = new LiveMotion(0, timing, () => still.push(clock.now), () => new Promise<boolean>((r) => (reply = r)));
      live.switchDone(0);
      await clock.tickAsync(100);
      live.stop();
      reply(false);
      await clock.tickAsync(LIVE_SWITCH_MS);
      expect(still).to.deep.equal([]);
    });
  });

  describe('the page\'s word that its motion ended', () => {
    it('ends it at once, once a frame has come', async () => {
      live.switchDone(0);
      live.pageStill();
      expect(still, 'no frame yet: the key\'s paint is still on its way').to.deep.equal([]);
      await clock.tickAsync(30);
      live.frame(jpeg, Date.now());
      await clock.tickAsync(20);
      live.pageStill();
      expect(still).to.deep.equal([50]);
      live.pageStill();
      await clock.tickAsync(LIVE_SWITCH_MS);
      expect(still, 'once, and no timer left').to.deep.equal([50]);
    });

    it('not before the screencast has switched', async () => {
      live.frame(jpeg, Date.now());
      live.pageStill();
      expect(still).to.deep.equal([]);
    });

    it('not before a frame shows the last key: the word may be about the motion before it', async () => {
      live.switchDone(0);
      live.frame(jpeg, Date.now());
      await clock.tickAsync(10);
      const keyAt = Date.now();
      live.key(50, 1, keyAt);
      await clock.tickAsync(10);
      // A frame taken before the key came, then the page's word: both about the motion before.
      live.frame(jpeg, keyAt - 5);
      live.pageStill();
      expect(still).to.deep.equal([]);
      await clock.tickAsync(10);
      live.frame(jpeg, Date.now());
      live.pageStill();
      expect(still).to.deep.equal([30]);
    });

    it('said after the last key, before a frame showed it: the frame that does is the last', async () => {
      live.switchDone(0);
      const keyAt = Date.now();
      live.key(50, 1, keyAt);
      await clock.tickAsync(10);
      // The key's change alone (no step after it): the page says so before its frame comes.
      const word = { at: keyAt + 1, final: true };
      expect(live.pageStill(word)).to.equal(false);
      live.frame(jpeg, keyAt - 5);
      expect(live.last, 'a frame of the motion before the key').to.equal(null);
      await clock.tickAsync(10);
      live.frame(jpeg, keyAt + 2);
      expect(live.last).to.equal(word);
      expect(still, 'ended by the stream once the frame is sent').to.deep.equal([]);
      // Another key before that frame went out: the end spoken of was before it.
      live.key(50, 2, keyAt + 3);
      expect(live.last).to.equal(null);
    });

    it('said before the last key: its frame is not the last, and the motion waits for its own stillness', async () => {
      live.switchDone(0);
      const keyAt = Date.now();
      live.pageStill({ at: keyAt - 1, final: true });
      live.key(50, 1, keyAt);
      await clock.tickAsync(10);
      live.frame(jpeg, keyAt + 2);
      expect(live.last).to.equal(null);
      // The frame set the pace: still after motionSettleMs without another.
      await clock.tickAsync(timing.motionSettleMs);
      expect(still).to.deep.equal([10 + timing.motionSettleMs]);
    });
  });

  it('stop() ends it without a call', async () => {
    live.stop();
    await clock.tickAsync(2 * LIVE_SWITCH_MS);
    expect(still).to.deep.equal([]);
  });
});
