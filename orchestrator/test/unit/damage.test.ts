import { expect } from 'chai';
import { blank, diffRects } from '../../src/layer/damage';

function set(img: { width: number; data: Buffer }, x: number, y: number, rgba: number): void {
  img.data.writeUInt32BE(rgba >>> 0, (y * img.width + x) * 4);
}

describe('orchestrator/layer/damage', () => {
  it('finds nothing in identical frames', () => {
    expect(diffRects(blank(100, 50), blank(100, 50), 32)).to.deep.equal([]);
  });

  it('trims to the exact changed pixels', () => {
    const next = blank(100, 50);
    set(next, 40, 10, 0xff0000ff);
    set(next, 45, 12, 0x00000001); // alpha-only change counts
    expect(diffRects(blank(100, 50), next, 32)).to.deep.equal([{ x: 40, y: 10, w: 6, h: 3 }]);
  });

  it('keeps separate regions apart and covers the frame edges', () => {
    const next = blank(100, 50);
    set(next, 0, 0, 0xffffffff);
    set(next, 99, 49, 0xffffffff);
    const rects = diffRects(blank(100, 50), next, 16);
    expect(rects).to.have.deep.members([
      { x: 0, y: 0, w: 1, h: 1 },
      { x: 99, y: 49, w: 1, h: 1 }
    ]);
  });

  it('merges a vertical run of dirty tiles into one rectangle', () => {
    const next = blank(64, 64);
    for (let y = 0; y < 64; y++) set(next, 5, y, 0x11223344);
    expect(diffRects(blank(64, 64), next, 16)).to.deep.equal([{ x: 5, y: 0, w: 1, h: 64 }]);
  });

  it('falls back to one bounding box when there are too many rectangles', () => {
    const next = blank(512, 512);
    for (let i = 0; i < 100; i++) set(next, (i % 10) * 50, Math.floor(i / 10) * 50, 0xffffffff);
    expect(diffRects(blank(512, 512), next, 16)).to.deep.equal([{ x: 0, y: 0, w: 451, h: 451 }]);
  });

  it('refuses frames of different sizes', () => {
    expect(() => diffRects(blank(10, 10), blank(10, 11), 8)).to.throw(/size changed/);
  });
});
