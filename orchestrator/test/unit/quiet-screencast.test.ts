import { expect } from 'chai';
import { parsePaintReport, PaintReport } from '../../src/layer/page-paint';
import { QuietScreencast } from '../../src/layer/quiet-screencast';

/** The layer stream, as far as the policy sees it. */
class FakeLayer {
  quietNow = false;
  idle = true;
  changes = 0;
  dirty = 0;
  setQuiet(on: boolean): void {
    this.quietNow = on;
  }
  pageChanged(): void {
    this.changes++;
  }
  markDirty(): void {
    this.dirty++;
  }
}

class FakeSignal {
  calls: boolean[] = [];
  async setQuiet(on: boolean): Promise<void> {
    this.calls.push(on);
  }
}

const d = (seq: number): PaintReport => ({ kind: 'dirty', seq });
const q = (seq: number): PaintReport => ({ kind: 'quiet', seq });
const b = (seq: number): PaintReport => ({ kind: 'busy', seq });

describe('orchestrator/layer/page-paint and quiet-screencast', () => {
  it('takes only well-formed reports from the page', () => {
    expect(parsePaintReport('d12')).to.deep.equal({ kind: 'dirty', seq: 12 });
    expect(parsePaintReport('q0')).to.deep.equal({ kind: 'quiet', seq: 0 });
    expect(parsePaintReport('b999999999999999')).to.deep.equal({ kind: 'busy', seq: 999999999999999 });
    expect(parsePaintReport('e7')).to.deep.equal({ kind: 'ended', seq: 7 });
    expect(parsePaintReport('f8')).to.deep.equal({ kind: 'ended', seq: 8, final: true });
    for (const bad of ['', 'd', 'e', 'x1', 'd-1', 'd1.5', ' d1', 'd1 ', 'd1234567890123456', 'q1\n', 42, null, { kind: 'd' }]) {
      expect(parsePaintReport(bad), JSON.stringify(bad)).to.equal(null);
    }
  });

  let layer: FakeLayer;
  let signal: FakeSignal;
  let quiet: QuietScreencast;
  beforeEach(() => {
    layer = new FakeLayer();
    signal = new FakeSignal();
    quiet = new QuietScreencast(layer, () => signal);
  });

  it('stops the screencast when the page is still and the stream idle, not before', () => {
    layer.idle = false;
    quiet.report(d(1));
    quiet.report(q(1));
    expect(signal.calls).to.deep.equal([]);
    layer.idle = true;
    quiet.layerIdle();
    expect(signal.calls).to.deep.equal([true]);
    expect(layer.quietNow).to.equal(true);
  });

  it('waits for a still report newer than the last change', () => {
    layer.idle = false;
    quiet.report(q(1));
    quiet.report(d(2));
    layer.idle = true;
    quiet.layerIdle();
    expect(signal.calls).to.deep.equal([]);
    quiet.report(q(2));
    expect(signal.calls).to.deep.equal([true]);
  });

  it('asks for a capture for a change a key hint did not include, and none for one it did', () => {
    quiet.report(q(0));
    quiet.hinted(3);
    quiet.report(d(2));
    quiet.report(d(3));
    expect(layer.changes).to.equal(0);
    quiet.report(d(4));
    expect(layer.changes).to.equal(1);
    expect(quiet.stats.reportedCaptures).to.equal(1);
  });

  it('starts the screencast again when the page is busy, and asks nothing of changes then', () => {
    quiet.report(q(0));
    quiet.report(b(1));
    expect(signal.calls).to.deep.equal([true, false]);
    expect(layer.quietNow).to.equal(false);
    quiet.report(d(2));
    expect(layer.changes).to.equal(0);
    quiet.layerIdle();
    expect(signal.calls).to.deep.equal([true, false]);
  });

  it('never goes quiet again once a check found a change the page did not report', () => {
    quiet.report(q(0));
    quiet.missed();
    expect(signal.calls).to.deep.equal([true, false]);
    quiet.report(q(1));
    quiet.layerIdle();
    expect(signal.calls).to.deep.equal([true, false]);
    expect(layer.quietNow).to.equal(false);
  });

  it("takes a screencast frame for a capture's echo while the page vouches it is still, and captures for a change reported after one", () => {
    // The screencast runs (not quiet: the stream is busy, say with a motion's settle capture).
    layer.idle = false;
    expect(quiet.screencastDamage(), 'before the page said anything').to.equal(true);
    quiet.report(q(1));
    expect(quiet.screencastDamage(), 'still, nothing reported since').to.equal(false);
    expect(quiet.stats.echoesDropped).to.equal(1);
    // The frame may have shown a change whose report comes after it.
    quiet.report(d(2));
    expect(layer.dirty).to.equal(1);
    expect(quiet.screencastDamage(), 'a change reported since').to.equal(true);
    quiet.report(d(3));
    expect(layer.dirty, 'no frame was taken for an echo since').to.equal(1);
    quiet.report(q(3));
    expect(quiet.screencastDamage()).to.equal(false);
    quiet.report(b(4));
    expect(quiet.screencastDamage(), 'busy').to.equal(true);
    // A key's change in between (its hint covers it) leaves the frame's doubt standing.
    quiet.report(q(5));
    expect(quiet.screencastDamage()).to.equal(false);
    quiet.hinted(6);
    quiet.report(d(6));
    expect(layer.dirty).to.equal(1);
    quiet.report(d(7));
    expect(layer.dirty).to.equal(2);
    quiet.report(q(7));
    quiet.missed();
    expect(quiet.screencastDamage(), 'distrusted').to.equal(true);
  });

  it('waits for the screencast to exist', () => {
    const none = new QuietScreencast(layer, () => null);
    none.report(q(0));
    expect(layer.quietNow).to.equal(false);
  });
});
