import { expect } from 'chai';
import { ENCODINGS, writeFade } from '@stratus/protocol';
import { buildFrame } from '../../src/layer/frame-builder';
import { FadeRect } from '../../src/layer/live-fade';
import { LiveFrames } from '../../src/layer/live-frames';
import { LiveMotion } from '../../src/layer/live-motion';
import { applyFrame, meanDiff, shownBefore } from './device-model';
import { blend, jpegOf, picture, rgbaOf } from './jpeg-pictures';

const W = 320;
const H = 192;

describe('orchestrator/layer/live-frames', () => {
  const A = picture(W, H, 3, 4);
  const B = picture(W, H, 5, 4);
  const C = picture(W, H, 9, 4);
  const motions: LiveMotion[] = [];
  const motion = (): LiveMotion => {
    const m = new LiveMotion(0, { motionSettleMs: 100, keyPaintWaitMs: 150 }, () => undefined);
    motions.push(m);
    return m;
  };
  afterEach(() => motions.splice(0).forEach((m) => m.stop()));

  it("weighs every motion's first frame against the layer it keeps now, though the layer's buffer held another picture in an earlier motion", () => {
    // The device was shown B, A and C: all three are in its tile cache.
    const { cache, tiles } = shownBefore([rgbaOf(B, W, H), rgbaOf(A, W, H), rgbaOf(C, W, H)]);
    const frames = new LiveFrames(true);
    // One layer buffer, as layer-copies.ts reuses them: A in the first motion, C in the second.
    const layer = rgbaOf(A, W, H);
    const first = (from: Buffer, at: number): FadeRect[] => {
      frames.observe(jpegOf(from, W, H), at);
      frames.start(layer, null);
      const truth = blend(from, B, 0.7, 0.3, 0);
      const c = frames.cut(motion(), { jpeg: jpegOf(truth, W, H), takenAt: at + 500 }, layer, false, cache);
      expect(c, 'a first frame').to.not.equal(null);
      expect(c!.keep).to.equal(true);
      frames.firstSent();
      expect(c!.rects.every((r) => 'fade' in r), 'every rectangle a fade').to.equal(true);
      const fades = c!.rects as FadeRect[];
      // The device keeps its layer, then draws the fades from it and B's tiles.
      const built = buildFrame(layer, [], { frame: 1, inputSeq: 0, keyframe: false, keep: true, pngLevel: 1 }, fades.map((r) => ({ rect: r.rect, encoding: ENCODINGS.fade, payload: Buffer.from(writeFade(r.fade)) })));
      expect(meanDiff(applyFrame(layer, built.message, layer, tiles), rgbaOf(truth, W, H)), 'drawn within noise').to.be.below(2.5);
      return fades;
    };
    expect(first(A, 1000).length, 'fades of the first motion').to.be.greaterThan(0);
    rgbaOf(C, W, H).data.copy(layer.data);
    frames.reset();
    expect(first(C, 3000).length, 'fades of the second motion').to.be.greaterThan(0);
  });
});
