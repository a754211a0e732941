import { expect } from 'chai';
import { ReadyKeyframe } from '../../src/layer/ready-keyframe';
import { Rgba } from '../../src/png/decode';

function page(colour: number): Rgba {
  const data = Buffer.alloc(128 * 64 * 4);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32BE(colour, i);
  return { width: 128, height: 64, data };
}

const capture = (img: Rgba, over: Partial<{ holes: number; epoch: number; inputSeq: number }> = {}) => ({
  img,
  raw: img,
  holes: 0,
  epoch: 1,
  inputSeq: 3,
  capturedAt: 100,
  captureDone: 130,
  ...over
});

describe('orchestrator/layer/ready-keyframe', () => {
  it('builds once per change, and gives the keyframe out once, renumbered, its kept copy untouched', () => {
    const ready = new ReadyKeyframe({ tileSize: 64, pngLevel: 1 });
    expect(ready.offer(capture(page(0x102030ff)))).to.equal(true);
    expect(ready.offer(capture(page(0x102030ff)))).to.equal(false);
    expect(ready.offer(capture(page(0x203040ff)))).to.equal(true);
    const f = ready.take(7, 1, 0);
    expect(f).to.not.equal(null);
    expect(f!.frame).to.equal(7);
    expect(f!.message.readUInt32BE(2)).to.equal(7);
    expect(f!).to.include({ inputSeq: 3, capturedAt: 100, captureMs: 30, holes: 0 });
    expect(f!.img.data.readUInt32BE(0)).to.equal(0x203040ff);
    expect(ready.take(8, 1, 0)).to.equal(null);
  });

  it('is no good for another page, other holes, or holes that changed under its capture', () => {
    const ready = new ReadyKeyframe({ tileSize: 64, pngLevel: 1 });
    ready.offer(capture(page(0x102030ff)));
    expect(ready.take(1, 2, 0)).to.equal(null);
    ready.offer(capture(page(0x102030ff)));
    expect(ready.take(1, 1, 1)).to.equal(null);
    ready.offer(capture(page(0x102030ff), { holes: -1 }));
    expect(ready.take(1, 1, null)).to.equal(null);
    // A capture that shows the same after holes changed under one keeps the holes it was cut with.
    ready.offer(capture(page(0x102030ff), { holes: 2 }));
    ready.offer(capture(page(0x102030ff), { holes: -1 }));
    expect(ready.take(1, 1, 2)?.holes).to.equal(2);
    ready.offer(capture(page(0x102030ff)));
    ready.drop();
    expect(ready.take(1, 1, 0)).to.equal(null);
  });
});
