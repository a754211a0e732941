import { expect } from 'chai';
import { FrameWindow } from '../../src/layer/frame-window';
import type { FrameInfo } from '../../src/layer/layer-types';

describe('orchestrator/layer/frame-window', () => {
  const info = (frame: number, keyframe = false): FrameInfo => ({
    frame,
    inputSeq: 0,
    keyframe,
    clip: false,
    lossy: 0,
    copies: 0,
    rects: 1,
    bytes: 10,
    capturedAt: 0,
    captureMs: 0,
    encodeMs: 0,
    sentAt: 0
  });
  /** Takes an id and sends a frame under it. */
  const send = (w: FrameWindow, keyframe = false): number => {
    const id = w.take();
    w.sent(info(id, keyframe));
    return id;
  };

  it('is full at its size, and an ack frees its frame and every frame before it', () => {
    const w = new FrameWindow(2);
    const a = send(w);
    expect(w.full).to.equal(false);
    const b = send(w);
    expect([w.full, w.count]).to.deep.equal([true, 2]);
    expect(w.ack(b)).to.deep.include({ frame: b });
    expect([w.full, w.count]).to.deep.equal([false, 0]);
    // Acked already: no longer in flight, and never abandoned.
    expect(w.ack(a)).to.equal(null);
  });

  it('ids go up, the one peeked at is the one taken', () => {
    const w = new FrameWindow(2);
    const next = w.next;
    expect(w.take()).to.equal(next);
    expect(w.take()).to.equal(next + 1);
  });

  it('an ack of a frame never sent is an error (null); one of an abandoned frame is late, and fine', () => {
    const w = new FrameWindow(4);
    const a = send(w);
    expect(w.ack(a + 5)).to.equal(null);
    expect(w.ack(0)).to.equal(null);
    w.abandon();
    expect(w.count).to.equal(0);
    expect(w.ack(a)).to.equal('late');
    // Frames after the abandonment are not late: they are in flight or unknown.
    const b = send(w);
    expect(w.ack(b + 1)).to.equal(null);
  });

  it('a device that lost sync gets one restart until the keyframe answering it is acknowledged', () => {
    const w = new FrameWindow(2);
    send(w);
    w.abandon(true);
    expect(w.recovering).to.equal(true);
    // Frames that are not keyframes (a live frame racing the request) do not answer it.
    const delta = send(w);
    w.ack(delta);
    expect(w.recovering).to.equal(true);
    const key = send(w, true);
    expect(w.recovering).to.equal(true);
    const after = send(w);
    w.ack(after - 1);
    expect(w.recovering).to.equal(false);
    expect(w.ack(key)).to.equal(null);
  });

  it('a new device starts with nothing in flight and no request open', () => {
    const w = new FrameWindow(2);
    send(w);
    w.abandon(true);
    send(w);
    w.clear();
    expect([w.count, w.recovering]).to.deep.equal([0, false]);
  });
});
