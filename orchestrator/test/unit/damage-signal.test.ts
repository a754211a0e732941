import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { CDPSession } from 'puppeteer-core';
import { DamageSignal } from '../../src/layer/damage-signal';

/** The screencast half of a DevTools session: frames in, acks out. */
class FakeScreencast extends EventEmitter {
  acks = 0;
  /** Starts and stops, in order, with the format started. */
  calls: string[] = [];
  private id = 0;
  async send(method: string, params?: { format?: string }): Promise<object> {
    if (method === 'Page.screencastFrameAck') this.acks++;
    else this.calls.push(method === 'Page.startScreencast' ? `start ${params?.format}` : 'stop');
    return {};
  }
  /** `paintedAt`: the frame's timestamp (ms since the epoch), when it has one. */
  frame(data: string, paintedAt?: number): void {
    this.emit('Page.screencastFrame', { data, sessionId: ++this.id, metadata: paintedAt === undefined ? {} : { timestamp: paintedAt / 1000 } });
  }
}

describe('orchestrator/layer/damage-signal', () => {
  function signal(): { cast: FakeScreencast; s: DamageSignal; damage: () => number } {
    const cast = new FakeScreencast();
    let n = 0;
    const s = new DamageSignal(cast as unknown as CDPSession, () => n++);
    return { cast, s, damage: () => n };
  }

  it('drops a frame equal to the one before, and acknowledges every frame', async () => {
    const { cast, s, damage } = signal();
    await s.start();
    cast.frame('A');
    cast.frame('A');
    cast.frame('B');
    expect(damage()).to.equal(2);
    expect(cast.acks).to.equal(3);
  });

  it('switches modes with one restart for changes made together, and none for a change undone before it ran', async () => {
    const { cast, s } = signal();
    await s.start();
    // Quiet: the screencast stops.
    await s.setQuiet(true);
    expect(cast.calls).to.deep.equal(['start png', 'stop']);
    // A key leaves quiet and goes live at once: straight to JPEG, not through PNG.
    const left = s.setQuiet(false);
    await s.setLive(true, 80, { width: 1280, height: 720 });
    await left;
    expect(cast.calls.slice(2)).to.deep.equal(['stop', 'start jpeg']);
    // Live ends and the next key goes live again before the switch ran: nothing to restart.
    const ended = s.setLive(false);
    await s.setLive(true, 80, { width: 1280, height: 720 });
    await ended;
    expect(cast.calls).to.have.length(4);
    // Back from live, not quiet: PNG again.
    await s.setLive(false);
    expect(cast.calls.slice(4)).to.deep.equal(['stop', 'start png']);
  });

  it('stays in JPEG between live motions while ready, where its frames only signal damage', async () => {
    const cast = new FakeScreencast();
    let damage = 0;
    const lives: string[] = [];
    const seen: string[] = [];
    const s = new DamageSignal(cast as unknown as CDPSession, () => damage++, (jpeg, _at, live) => (live ? lives : seen).push(jpeg.toString('latin1')));
    await s.start();
    await s.setLive(true, 80, { width: 1280, height: 720 });
    // The motion ends, and the next key-down will most likely go live again: no restart.
    const ended = s.setLive(false);
    await s.setReady(true, 80, { width: 1280, height: 720 });
    await ended;
    expect(cast.calls).to.deep.equal(['start png', 'stop', 'start jpeg']);
    // Between motions a JPEG frame is a paint, never the layer's pixels (only the page's newest
    // look, for the next motion's first frame); the same frame again is an echo.
    const j = (name: string): string => Buffer.from(`\xff\xd8\xff ${name}`, 'latin1').toString('base64');
    cast.frame(j('a'));
    cast.frame(j('a'));
    expect([damage, lives.length]).to.deep.equal([1, 0]);
    expect(seen).to.deep.equal(['\xff\xd8\xff a', '\xff\xd8\xff a']);
    // Live again: straight away, its frames are the layer's.
    await s.setLive(true, 80, { width: 1280, height: 720 });
    cast.frame(j('b'));
    expect([damage, lives.length]).to.deep.equal([1, 1]);
    expect(cast.calls).to.have.length(3);
    // Quiet and ready: the page's reports say what painted, not the JPEG frames.
    await s.setLive(false);
    await s.setQuiet(true);
    cast.frame(j('c'));
    expect(damage).to.equal(1);
    expect(seen).to.have.length(3);
    // No longer ready: quiet stops the screencast.
    await s.setReady(false);
    expect(cast.calls.slice(3)).to.deep.equal(['stop']);
  });

  it('hands frames between motions over only when asked to (ui.motionCrop off: never decoded)', async () => {
    const cast = new FakeScreencast();
    let damage = 0;
    const got: boolean[] = [];
    const s = new DamageSignal(cast as unknown as CDPSession, () => damage++, (_jpeg, _at, live) => got.push(live), null, false);
    await s.start();
    await s.setReady(true, 80, { width: 1280, height: 720 });
    cast.frame(Buffer.from('\xff\xd8\xff a', 'latin1').toString('base64'));
    expect([damage, got.length]).to.deep.equal([1, 0]);
    await s.setLive(true, 80, { width: 1280, height: 720 });
    cast.frame(Buffer.from('\xff\xd8\xff b', 'latin1').toString('base64'));
    expect(got).to.deep.equal([true]);
  });

  it('learns the frames whose captures found nothing: a still page that cycles through them costs nothing', async () => {
    const { cast, s, damage } = signal();
    await s.start();
    // A still page at a fractional scale: its captures are identical, its screencast frames are not.
    for (const f of ['A', 'B', 'C', 'D']) {
      cast.frame(f);
      s.echoed();
    }
    expect(damage()).to.equal(4);
    for (let i = 0; i < 20; i++) cast.frame(['A', 'B', 'C', 'D'][i % 4]);
    expect(damage(), 'no capture for the echoes').to.equal(4);
    cast.frame('E');
    expect(damage(), 'a new frame still asks').to.equal(5);
  });

  it('asks for nothing for a frame painted before the newest whole capture began, PNG or JPEG between motions', async () => {
    const { cast, s, damage } = signal();
    let since = -Infinity;
    s.useCaptures(() => since);
    await s.start();
    cast.frame('A', 1000);
    expect(damage(), 'no capture yet: every frame asks').to.equal(1);
    since = 2000;
    // The screencast's last frames of a motion, painted before its exact capture, come in while it runs.
    cast.frame('B', 1990);
    cast.frame('C', 1999.5);
    expect([damage(), s.stats.covered]).to.deep.equal([1, 2]);
    // Painted after it began (its own paint, or the page's next change), or not known: a capture.
    cast.frame('D', 2000);
    cast.frame('E');
    expect(damage()).to.equal(3);
    await s.setReady(true, 60, { width: 1280, height: 720 });
    const jpeg = (tag: string): string => Buffer.from(`\xff\xd8\xff ${tag}`, 'latin1').toString('base64');
    cast.frame(jpeg('f'), 1500);
    expect(damage()).to.equal(3);
    cast.frame(jpeg('g'), 2500);
    expect([damage(), s.stats.covered]).to.deep.equal([4, 3]);
  });

  it('forgets the echoes once the layer changes: an app returning to an earlier state is captured', async () => {
    const { cast, s, damage } = signal();
    await s.start();
    cast.frame('A');
    s.echoed();
    cast.frame('B');
    s.changed();
    cast.frame('A');
    expect(damage()).to.equal(3);
  });
});
