import { expect } from 'chai';
import { HOLE_KEYS } from '@stratus/cloud-page';
import { Rect } from '../../src/layer/damage';
import { linear, solve, VideoHoles } from '../../src/layer/video-holes';
import { Rgba } from '../../src/png/decode';

const W = 40;
const H = 30;
const BG = [20, 33, 61];
const BAR = { rgb: [20, 40, 200], alpha: 0.5 };
const TILE = [230, 57, 70];
/** The hole: 20x16 at (10, 8); the bar over its lower 4 rows (and beyond it); the tile over its corner. */
const HOLE = { x: 10, y: 8, w: 20, h: 16 };

/** What Chromium paints with the hole in `key`: 8-bit source-over, as its software compositor does. */
function scene(key: readonly number[], bar = BAR): Rgba {
  const data = Buffer.alloc(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let c = [...BG];
      if (x >= HOLE.x && x < HOLE.x + HOLE.w && y >= HOLE.y && y < HOLE.y + HOLE.h) c = [...key];
      if (y >= 20 && y < 24) c = c.map((v, i) => Math.round(bar.alpha * bar.rgb[i] + (1 - bar.alpha) * v));
      if (x >= 6 && x < 14 && y >= 5 && y < 11) c = [...TILE];
      data.set([...c, 255], (y * W + x) * 4);
    }
  }
  return { width: W, height: H, data };
}

function at(img: Rgba, x: number, y: number): number[] {
  const i = (y * img.width + x) * 4;
  return [...img.data.subarray(i, i + 4)];
}

function crop(img: Rgba, r: Rect): Rgba {
  const data = Buffer.alloc(r.w * r.h * 4);
  for (let row = 0; row < r.h; row++) img.data.copy(data, row * r.w * 4, ((r.y + row) * img.width + r.x) * 4, ((r.y + row) * img.width + r.x + r.w) * 4);
  return { width: r.w, height: r.h, data };
}

function rig(scale = 1): { holes: VideoHoles; keys: number[]; clips: Rect[]; changes: number; second: () => Rgba; setSecond(f: () => Rgba): void } {
  const r = {
    keys: [] as number[],
    clips: [] as Rect[],
    changes: 0,
    second: () => scene(HOLE_KEYS.second),
    setSecond(f: () => Rgba) {
      r.second = f;
    }
  } as ReturnType<typeof rig>;
  r.holes = new VideoHoles(
    scale,
    {
      paintKey: async (n) => void r.keys.push(n),
      capture: async (clip) => {
        r.clips.push(clip);
        return crop(r.second(), clip);
      }
    },
    () => r.changes++
  );
  return r;
}

describe('orchestrator/layer/video-holes', () => {
  it('makes the key transparent, solves what is over it from a second capture, and leaves the rest', async () => {
    const r = rig();
    expect(r.holes.report(7, [[HOLE.x, HOLE.y, HOLE.w, HOLE.h]])).to.equal(null);
    const first = scene(HOLE_KEYS.first);
    const out = await r.holes.cut(first, 0, 0, []);
    expect(at(out, 20, 12), 'the hole').to.deep.equal([0, 0, 0, 0]);
    const bar = at(out, 20, 21);
    expect(Math.abs(bar[3] - 128), `bar ${bar}`).to.be.at.most(1);
    bar.slice(0, 3).forEach((v, c) => expect(Math.abs(v - BAR.rgb[c]), `bar ${bar}`).to.be.at.most(2));
    expect(at(out, 12, 9), 'the tile over the corner').to.deep.equal([...TILE, 255]);
    expect(at(out, 35, 21), 'the bar beyond the hole').to.deep.equal(at(first, 35, 21));
    expect(at(out, 2, 2), 'the background').to.deep.equal([...BG, 255]);
    // One second capture, bounded to what needed solving, with the key put back after it.
    expect(r.keys).to.deep.equal([2, 1]);
    expect(r.clips).to.deep.equal([{ x: 10, y: 8, w: 20, h: 16 }]);
    expect(first.data.equals(scene(HOLE_KEYS.first).data), 'the capture itself is untouched').to.equal(true);
  });

  it('remembers solved pixels: the same frame again needs no second capture, a changed bar does', async () => {
    const r = rig();
    r.holes.report(1, [[HOLE.x, HOLE.y, HOLE.w, HOLE.h]]);
    const a = await r.holes.cut(scene(HOLE_KEYS.first), 0, 0, []);
    const b = await r.holes.cut(scene(HOLE_KEYS.first), 0, 0, []);
    expect(b.data.equals(a.data)).to.equal(true);
    expect(r.holes.stats.secondCaptures).to.equal(1);
    const darker = { rgb: [0, 0, 0], alpha: 0.8 };
    r.setSecond(() => scene(HOLE_KEYS.second, darker));
    const c = await r.holes.cut(scene(HOLE_KEYS.first, darker), 0, 0, []);
    expect(r.holes.stats.secondCaptures).to.equal(2);
    // Only the bar's rows changed, so only they were captured again.
    expect(r.clips[1]).to.deep.equal({ x: 10, y: 20, w: 20, h: 4 });
    expect(Math.abs(at(c, 20, 21)[3] - 204)).to.be.at.most(1);
    // Back to the first bar, then the darker one again (a focus ring coming and going): remembered.
    const again = await r.holes.cut(scene(HOLE_KEYS.first), 0, 0, []);
    expect(again.data.equals(a.data)).to.equal(true);
    await r.holes.cut(scene(HOLE_KEYS.first, darker), 0, 0, []);
    expect(r.holes.stats.secondCaptures).to.equal(2);
  });

  it('remembers nothing from captures the page changed between: the colour coming back is solved again, right', async () => {
    const r = rig();
    r.holes.report(1, [[HOLE.x, HOLE.y, HOLE.w, HOLE.h]]);
    // The video's ancestor hidden (the background over the whole hole) in the first capture, shown
    // again (the second key) by the time of the second.
    const hidden = (): Rgba => scene(BG);
    r.setSecond(() => scene(HOLE_KEYS.second));
    await r.holes.cut(hidden(), 0, 0, []);
    // Hidden again, and this time the page holds still between the captures.
    r.setSecond(hidden);
    const out = await r.holes.cut(hidden(), 0, 0, []);
    expect(at(out, 20, 12), 'the background where the video was').to.deep.equal([...BG, 255]);
    expect(r.holes.stats.secondCaptures).to.equal(2);
    expect(r.holes.stats.unremembered).to.be.above(0);
    // Now it is remembered.
    const unremembered = r.holes.stats.unremembered;
    expect((await r.holes.cut(hidden(), 0, 0, [])).data.equals(out.data)).to.equal(true);
    expect(r.holes.stats.secondCaptures).to.equal(2);
    expect(r.holes.stats.unremembered).to.equal(unremembered);
  });

  it('trusts no pixel of a second capture where the first key did not become the second', async () => {
    const r = rig();
    r.holes.report(1, [[HOLE.x, HOLE.y, HOLE.w, HOLE.h]]);
    // The bar is solvable on its own, but the video (the key) went away between the captures.
    r.setSecond(() => scene(BG));
    await r.holes.cut(scene(HOLE_KEYS.first), 0, 0, []);
    r.setSecond(() => scene(HOLE_KEYS.second));
    const out = await r.holes.cut(scene(HOLE_KEYS.first), 0, 0, []);
    const bar = at(out, 20, 21);
    expect(Math.abs(bar[3] - 128), `bar ${bar}`).to.be.at.most(1);
    expect(r.holes.stats.secondCaptures).to.equal(2);
    expect(r.holes.stats.unremembered).to.be.above(0);
  });

  it('a hole that closes and opens again where it was needs no second capture', async () => {
    const r = rig();
    const at0 = [[HOLE.x, HOLE.y, HOLE.w, HOLE.h]];
    r.holes.report(1, at0);
    await r.holes.cut(scene(HOLE_KEYS.first), 0, 0, []);
    r.holes.report(1, []);
    r.holes.report(1, [[0, 0, 4, 4]]);
    r.holes.report(1, at0);
    await r.holes.cut(scene(HOLE_KEYS.first), 0, 0, []);
    expect(r.holes.stats.secondCaptures).to.equal(1);
  });

  it('costs nothing without holes, or where the frame does not reach them', async () => {
    const r = rig();
    const img = scene(HOLE_KEYS.first);
    expect(await r.holes.cut(img, 0, 0, [])).to.equal(img);
    r.holes.report(1, [[HOLE.x, HOLE.y, HOLE.w, HOLE.h]]);
    const part = crop(img, { x: 0, y: 0, w: 8, h: 4 });
    expect(await r.holes.cut(part, 0, 0, [])).to.equal(part);
    expect(r.clips).to.deep.equal([]);
  });

  it('cuts a clip at its offset, and a hole that closed during the capture still counts', async () => {
    const r = rig();
    const clip = { x: 16, y: 10, w: 10, h: 6 };
    const part = crop(scene(HOLE_KEYS.first), clip);
    const out = await r.holes.cut(part, clip.x, clip.y, [HOLE]);
    expect(at(out, 0, 0)).to.deep.equal([0, 0, 0, 0]);
  });

  it('takes page reports in CSS pixels, outward to layer pixels, and refuses malformed ones without changing anything', () => {
    const r = rig(1.5);
    expect(r.holes.report(3, [[10.2, 20, 100, 50.5]])).to.equal(null);
    expect(r.holes.snapshot()).to.deep.equal([{ x: 15, y: 30, w: 151, h: 76 }]);
    expect(r.changes).to.equal(1);
    const gen = r.holes.generation;
    for (const bad of ['x', [[1, 2, 3]], [[1, 2, 3, NaN]], [['1', 2, 3, 4]], null]) {
      expect(r.holes.report(3, bad), JSON.stringify(bad)).to.be.a('string');
    }
    expect(r.holes.generation).to.equal(gen);
    // The same report again is no change; an empty one, or the document going, is.
    r.holes.report(3, [[10.2, 20, 100, 50.5]]);
    expect(r.changes).to.equal(1);
    r.holes.forget(3);
    expect(r.holes.snapshot()).to.deep.equal([]);
    expect(r.changes).to.equal(2);
    r.holes.report(4, new Array(100).fill([0, 0, 10, 10]).map((x: number[], i) => [i, ...x.slice(1)]));
    expect(r.holes.snapshot().length).to.equal(16);
  });

  it('solve(): opaque over both keys is opaque, pure key is transparent, a blend gives its alpha', () => {
    const word = (c: number[]): number => (c[0] | (c[1] << 8) | (c[2] << 16) | (c[3] << 24)) >>> 0;
    const k1 = [...HOLE_KEYS.first, 255];
    const k2 = [...HOLE_KEYS.second, 255];
    expect(solve(word([9, 99, 199, 255]), word([9, 99, 199, 255]))).to.equal(word([9, 99, 199, 255]));
    expect(solve(word(k1), word(k2))).to.equal(0);
    const over = (k: number[]): number[] => [...[100, 50, 25].map((v, c) => Math.round(0.25 * v + 0.75 * k[c])), 255];
    const out = solve(word(over(k1)), word(over(k2)));
    expect(Math.abs((out >>> 24) - 64)).to.be.at.most(1);
    // linear(): a colour over both keys is, a page that changed between the captures is not.
    expect(linear(word(over(k1)), word(over(k2)))).to.equal(true);
    expect(linear(word(k1), word(k2))).to.equal(true);
    expect(linear(word([9, 99, 199, 255]), word([9, 99, 199, 255]))).to.equal(true);
    expect(linear(word([...BG, 255]), word(k2))).to.equal(false);
    expect(linear(word([...BG, 255]), word([200, 33, 61, 255]))).to.equal(false);
  });
});
