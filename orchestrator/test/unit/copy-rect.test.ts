import { expect } from 'chai';
import { applyCopy, encodeCopy, MAX_RESIDUAL_RECTS, planCopy } from '../../src/layer/copy-rect';
import { blank, diffRects, Rect } from '../../src/layer/damage';
import { encodePngRect } from '../../src/png/encode';
import { decodePng, Rgba } from '../../src/png/decode';
import { paste } from './device-model';
import { photo } from './photo';

const W = 320;
const H = 240;
/** The scroller: everything below a flat header with a line of "text". */
const VIEW = { x: 0, y: 40, w: W, h: 200 };

/** A flat dark layer with a text-like header line. */
function screen(): Rgba {
  const img = blank(W, H);
  for (let o = 0; o < img.data.length; o += 4) img.data.writeUInt32BE(0x101418ff, o);
  for (let x = 10; x < 200; x += 3) img.data.writeUInt32BE(0xeeeeeeff, (12 * W + x) * 4);
  return img;
}

/** A long page of photographs, 60 px apart, with flat gaps, seen through VIEW scrolled by `top` (and `left`). */
function scrolled(top: number, left = 0, base = screen()): Rgba {
  let img = base;
  for (let i = 0; i < 12; i++) {
    for (let j = 0; j < 6; j++) {
      const tile = { x: j * 90 - left, y: VIEW.y + i * 60 - top, w: 80, h: 50 };
      const x0 = Math.max(tile.x, VIEW.x);
      const y0 = Math.max(tile.y, VIEW.y);
      const x1 = Math.min(tile.x + tile.w, VIEW.x + VIEW.w);
      const y1 = Math.min(tile.y + tile.h, VIEW.y + VIEW.h);
      if (x1 <= x0 || y1 <= y0) continue;
      // Each photograph's pixels depend on the photograph, not on where it is shown.
      const whole = photo(blank(80, 50), { x: 0, y: 0, w: 80, h: 50 }, i * 6 + j + 1);
      const data = Buffer.from(img.data);
      for (let y = y0; y < y1; y++) {
        whole.data.copy(data, (y * W + x0) * 4, ((y - tile.y) * 80 + (x0 - tile.x)) * 4, ((y - tile.y) * 80 + (x1 - tile.x)) * 4);
      }
      img = { width: W, height: H, data };
    }
  }
  return img;
}

/** What the device shows after the copy and the residual rectangles. */
function onDevice(prev: Rgba, next: Rgba, plan: NonNullable<ReturnType<typeof planCopy>>): Rgba {
  const out = applyCopy(prev, plan.copy);
  for (const r of plan.residual) paste(out, decodePng(encodePngRect(next, r.x, r.y, r.w, r.h, 1)), r);
  return out;
}

function area(rects: Rect[]): number {
  return rects.reduce((n, r) => n + r.w * r.h, 0);
}

describe('orchestrator/layer/copy-rect', () => {
  it('finds a vertical scroll, copies within the scroller only, and leaves just the strip that scrolled in', () => {
    const prev = scrolled(0);
    const next = scrolled(36);
    const rects = diffRects(prev, next, 16);
    const plan = planCopy(prev, next, rects, 16);
    expect(plan).to.not.equal(null);
    const p = plan!;
    expect(p.copy.sy - p.copy.dst.y).to.equal(36);
    expect(p.copy.sx).to.equal(p.copy.dst.x);
    // The header above the scroller did not move and is not copied.
    expect(p.copy.dst.y).to.be.at.least(VIEW.y);
    expect(area(p.residual)).to.be.below(area(rects) / 3);
    expect(onDevice(prev, next, p).data.equals(next.data)).to.equal(true);
    // The residual is the whole frame's diff after the copy, though only the changed rows were looked at.
    expect(p.residual).to.deep.equal(diffRects(applyCopy(prev, p.copy), next, 16, null, MAX_RESIDUAL_RECTS));
  });

  it('plans the same after other frames, of this size and another, were planned in between', () => {
    // Scrolled back up: what scrolls in is at the top, in a tile row that starts above the scroller.
    const prev = scrolled(36);
    const next = scrolled(0);
    const rects = diffRects(prev, next, 16);
    const first = planCopy(prev, next, rects, 16);
    expect(first).to.not.equal(null);
    // Other content, over that tile row too, of the same size; and a frame half as tall.
    const other = (img: Rgba, seed: number): Rgba => photo(img, { x: 0, y: 0, w: W, h: 46 }, seed);
    const [a, b] = [other(scrolled(100), 9), other(scrolled(130), 10)];
    expect(planCopy(a, b, diffRects(a, b, 16), 16)).to.not.equal(null);
    const half = (img: Rgba): Rgba => ({ width: W, height: H / 2, data: Buffer.from(img.data.subarray(0, W * (H / 2) * 4)) });
    planCopy(half(prev), half(next), diffRects(half(prev), half(next), 16), 16);
    const again = planCopy(prev, next, rects, 16);
    expect(again).to.deep.equal(first);
    expect(again!.residual).to.deep.equal(diffRects(applyCopy(prev, again!.copy), next, 16, null, MAX_RESIDUAL_RECTS));
    expect(onDevice(prev, next, again!).data.equals(next.data)).to.equal(true);
  });

  it('finds a horizontal slide with a focus ring that moved, and stays exact', () => {
    const ring = (img: Rgba, x: number): Rgba => {
      const data = Buffer.from(img.data);
      for (let y = 90; y < 150; y++) for (let i = 0; i < 3; i++) data.writeUInt32BE(0xffffffff, (y * W + x + i) * 4);
      return { ...img, data };
    };
    const prev = ring(scrolled(0, 0), 100);
    const next = ring(scrolled(0, 45), 190);
    const rects = diffRects(prev, next, 16);
    const p = planCopy(prev, next, rects, 16);
    expect(p).to.not.equal(null);
    expect(p!.copy.dst.x - p!.copy.sx).to.equal(-45);
    expect(p!.copy.sy).to.equal(p!.copy.dst.y);
    expect(area(p!.residual)).to.be.below(area(rects) / 2);
    expect(onDevice(prev, next, p!).data.equals(next.data)).to.equal(true);
  });

  it('finds nothing for content that changed without moving, for small changes, or when nothing is saved', () => {
    const prev = scrolled(0);
    // New photographs in place: no line of the new frame is a line of the old one moved.
    let next = prev;
    for (let i = 0; i < 3; i++) next = photo(next, { x: i * 90, y: 40, w: 80, h: 50 }, 100 + i);
    expect(planCopy(prev, next, diffRects(prev, next, 16), 16)).to.equal(null);
    // A focus ring alone.
    const ring = photo(prev, { x: 100, y: 90, w: 40, h: 3 }, 7);
    expect(planCopy(prev, ring, diffRects(prev, ring, 16), 16)).to.equal(null);
    // Flat content scrolled: flat lines vote for nothing.
    const flat = screen();
    const bar = (img: Rgba, y: number): Rgba => {
      const data = Buffer.from(img.data);
      data.fill(0x80, y * W * 4, (y + 100) * W * 4);
      return { ...img, data };
    };
    expect(planCopy(bar(flat, 50), bar(flat, 80), diffRects(bar(flat, 50), bar(flat, 80), 16), 16)).to.equal(null);
  });

  it('writes the source as two big-endian u16', () => {
    expect([...encodeCopy({ dst: { x: 0, y: 0, w: 1, h: 1 }, sx: 0x1234, sy: 2 })]).to.deep.equal([0x12, 0x34, 0, 2]);
  });
});
