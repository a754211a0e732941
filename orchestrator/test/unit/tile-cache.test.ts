import { expect } from 'chai';
import { ENCODINGS, parseFrame, ParsedFrame } from '@stratus/protocol';
import { blank, diffRects, Rect } from '../../src/layer/damage';
import { buildFrame } from '../../src/layer/frame-builder';
import { TileCache } from '../../src/layer/tile-cache';
import { Rgba } from '../../src/png/decode';
import { pixelWords, windowHash, windowHashes } from '../../src/layer/window-hash';
import { applyFrame } from './device-model';
import { photo } from './photo';

// Not multiples of the 64-px tile: the right and bottom tiles are partial.
const W = 300;
const H = 150;

function fill(img: Rgba, r: Rect, rgba: number): Rgba {
  const data = Buffer.from(img.data);
  for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) data.writeUInt32BE(rgba >>> 0, (y * img.width + x) * 4);
  return { width: img.width, height: img.height, data };
}

/** A menu of five items on a dark, half-transparent panel; `focus` gets a ring and a lighter face. */
function menu(focus: number): Rgba {
  let img = fill(blank(W, H), { x: 0, y: 0, w: W, h: H }, 0x10141880);
  for (let i = 0; i < 5; i++) {
    const item = { x: 10 + i * 58, y: 40, w: 50, h: 70 };
    if (i === focus) img = fill(img, { x: item.x - 3, y: item.y - 3, w: item.w + 6, h: item.h + 6 }, 0xffcc00ff);
    img = fill(img, item, i === focus ? 0x8090a0ff : 0x303840ff);
  }
  return img;
}

function count(m: Buffer, encoding: number): number {
  const f = parseFrame(new DataView(m.buffer, m.byteOffset, m.byteLength)) as ParsedFrame;
  return f.rects.filter((r) => r.encoding === encoding).length;
}

/** A sender and a device model: each frame's exact rectangles go through the cache, as layer-stream.ts sends them. */
class Link {
  readonly cache: TileCache;
  device: Rgba;
  readonly tiles = new Map<number, Rgba>();
  private sent: Rgba;
  constructor(first: Rgba, capacity = 512) {
    this.cache = new TileCache(capacity);
    this.device = first;
    this.sent = first;
  }
  /** Sends what changed from the last image to `next`; returns the frame. */
  send(next: Rgba, lossy: Rect | null = null): Buffer {
    const p = this.cache.plan(next, diffRects(this.sent, next, 32), lossy);
    const m = buildFrame(next, p.rects, { frame: 1, inputSeq: 0, keyframe: false, pngLevel: 1 }, p.moved, [...p.stash, ...p.cached]).message;
    this.device = applyFrame(this.device, m, null, this.tiles);
    this.sent = next;
    return m;
  }
}

describe('orchestrator/layer/tile-cache', () => {
  it('focus moving back and forth: what the device showed before comes from its cache, pixel-exact', () => {
    const link = new Link(menu(0));
    const sizes: number[] = [];
    for (const f of [1, 0, 1, 2, 1, 0]) {
      const m = link.send(menu(f));
      sizes.push(m.length);
      expect(link.device.data.equals(menu(f).data), `focus ${f}`).to.equal(true);
    }
    // Focus 1 → 0 again (the last frame) and 0 → 1 (the third): every tile was stashed before.
    const last = link.send(menu(1));
    expect(count(last, ENCODINGS.png)).to.equal(0);
    expect(count(last, ENCODINGS.cached)).to.be.greaterThan(0);
    expect(link.device.data.equals(menu(1).data)).to.equal(true);
    expect(last.length).to.be.lessThan(sizes[0] / 4);
  });

  it('a photograph visited before costs a reference per tile, partial edge tiles included', () => {
    const base = menu(-1);
    const shots = [1, 2, 3].map((seed) => photo(base, { x: 0, y: 0, w: W, h: H }, seed));
    const link = new Link(base);
    const first = shots.map((s) => link.send(s).length);
    const again = link.send(shots[0]);
    expect(count(again, ENCODINGS.png)).to.equal(0);
    // 5 × 3 tiles of 64 px over 300 × 150: the last column 44 wide, the last row 22 high.
    expect(count(again, ENCODINGS.cached)).to.equal(15);
    expect(again.length).to.be.lessThan(first[0] / 50);
    expect(link.device.data.equals(shots[0].data)).to.equal(true);
  });

  it('stashes no tile under a lossy region, nor draws one there', () => {
    const link = new Link(menu(0));
    link.send(menu(1));
    link.send(menu(0));
    // A JPEG over item 0's tiles: item 1's tiles are still exact, and were stashed before.
    const region = { x: 0, y: 0, w: 64, h: 150 };
    const p = link.cache.plan(menu(1), diffRects(menu(0), menu(1), 32), region);
    expect(p.cached.length).to.be.greaterThan(0);
    for (const e of [...p.stash, ...p.cached]) expect(e.rect.x, `${e.encoding} at ${e.rect.x}`).to.be.at.least(64);
    // What is left to send still covers every changed pixel under the region.
    expect(p.rects.some((r) => r.x < 64)).to.equal(true);
  });

  it('a tile met twice in one frame is stashed once and drawn from the cache the second time', () => {
    const base = blank(W, H);
    const twice = fill(fill(base, { x: 0, y: 0, w: 64, h: 64 }, 0x336699ff), { x: 128, y: 64, w: 64, h: 64 }, 0x336699ff);
    const link = new Link(base);
    const m = link.send(twice);
    expect(count(m, ENCODINGS.stash)).to.equal(1);
    expect(count(m, ENCODINGS.cached)).to.equal(1);
    expect(count(m, ENCODINGS.png)).to.equal(1);
    expect(link.device.data.equals(twice.data)).to.equal(true);
  });

  it('evicts the least recently used tile, never one the frame uses, and stashes at most half the slots a frame', () => {
    const shots = [1, 2, 3, 4].map((seed) => photo(blank(W, H), { x: 0, y: 0, w: 64, h: 64 }, seed));
    const link = new Link(blank(W, H), 2);
    link.send(shots[0]);
    link.send(shots[1]);
    // Both slots full; shots[0] used again, so shots[1] is the one to go.
    expect(count(link.send(shots[0]), ENCODINGS.cached)).to.equal(1);
    link.send(shots[2]);
    expect(count(link.send(shots[0]), ENCODINGS.cached)).to.equal(1);
    expect(count(link.send(shots[1]), ENCODINGS.cached)).to.equal(0);
    expect(link.device.data.equals(shots[1].data)).to.equal(true);
    // Fifteen new tiles in one frame with two slots: one stash.
    const big = new Link(blank(W, H), 2);
    expect(count(big.send(photo(blank(W, H), { x: 0, y: 0, w: W, h: H }, 9)), ENCODINGS.stash)).to.equal(1);
  });

  it('stashes nothing when the frame\'s own hits hold every slot', () => {
    // Five tiles in a row, the last one the layer's partial edge tile (44 px wide).
    const tiles = [0, 1, 2, 3, 4].map((i) => ({ x: i * 64, y: 0, w: Math.min(64, W - i * 64), h: 64, seed: i + 1 }));
    const base = blank(W, H);
    const upTo = (n: number): Rgba => tiles.slice(0, n).reduce((img, t) => photo(img, t, t.seed), base);
    const link = new Link(base, 4);
    link.send(upTo(2));
    link.send(upTo(4));
    // Back to blank under a JPEG (nothing stashed), then all five at once: the first four are hits
    // and hold the four slots; the fifth, met last, goes as PNG and is not stashed.
    link.send(base, { x: 0, y: 0, w: W, h: H });
    const m = link.send(upTo(5));
    expect(count(m, ENCODINGS.cached)).to.equal(4);
    expect(count(m, ENCODINGS.stash)).to.equal(0);
    expect(count(m, ENCODINGS.png)).to.equal(1);
    expect(link.cache.size).to.equal(4);
    expect(link.device.data.equals(upTo(5).data)).to.equal(true);
  });

  it('forgets everything on reset', () => {
    const link = new Link(menu(0));
    link.send(menu(1));
    link.send(menu(0));
    link.cache.reset();
    expect(link.cache.size).to.equal(0);
    expect(count(link.send(menu(1)), ENCODINGS.cached)).to.equal(0);
  });

  /** A page of 320 × 320 px over a tall one of photographs between bands of one colour, `offset` px scrolled down, `dx` across. */
  const P = 320;
  const tall = [{ y: 20, seed: 5 }, { y: 340, seed: 6 }, { y: 660, seed: 7 }].reduce(
    (img, p) => photo(img, { x: 16, y: p.y, w: P - 32, h: 290 }, p.seed),
    fill(blank(P, P * 3), { x: 0, y: 0, w: P, h: P * 3 }, 0x202020ff)
  );
  function page(offset: number, dx = 0): Rgba {
    const out = blank(P, P);
    for (let y = 0; y < P; y++) {
      for (let x = 0; x < P; x++) {
        const sx = x - dx;
        const v = sx < 0 || sx >= P ? 0x202020ff : tall.data.readUInt32BE(((y + offset) * P + sx) * 4);
        out.data.writeUInt32BE(v >>> 0, (y * P + x) * 4);
      }
    }
    return out;
  }
  const plain = (from: Rgba, to: Rgba): number => buildFrame(to, diffRects(from, to, 32), { frame: 1, inputSeq: 0, keyframe: false, pngLevel: 1 }).message.length;

  it('finds the tiles it holds where content moved to, off the grid, and draws them before the PNGs', () => {
    const link = new Link(fill(blank(P, P), { x: 0, y: 0, w: P, h: P }, 0x202020ff));
    link.send(page(0));
    link.send(page(200));
    // Back up by 37 px, then across by 11, then near where it began: nothing lies on the grid
    // as it was stashed.
    let from = page(200);
    for (const [offset, dx] of [[163, 0], [163, 11], [37, 0]]) {
      const next = page(offset, dx);
      const m = link.send(next);
      expect(link.device.data.equals(next.data), `scrolled to ${offset}, ${dx}`).to.equal(true);
      const f = parseFrame(new DataView(m.buffer, m.byteOffset, m.byteLength)) as ParsedFrame;
      const moved = f.rects.filter((r) => r.encoding === ENCODINGS.cached && (r.x % 64 !== 0 || r.y % 64 !== 0));
      expect(moved.length, `tiles found moved at ${offset}, ${dx}`).to.be.greaterThan(2);
      // Drawn first: the tiles stashed after the PNGs are saved with their pixels.
      const firstPng = f.rects.findIndex((r) => r.encoding === ENCODINGS.png);
      expect(f.rects.indexOf(moved[moved.length - 1])).to.be.below(firstPng < 0 ? Infinity : firstPng);
      // Most of what moved comes from the cache: a small part of what the PNGs would be.
      expect(m.length, `bytes at ${offset}, ${dx}`).to.be.below(plain(from, next) / 2);
      from = next;
    }
  });

  it('does not look for tiles of one colour, nor for tiles it no longer holds', () => {
    const link = new Link(fill(blank(P, P), { x: 0, y: 0, w: P, h: P }, 0x202020ff));
    // Only the photographs' whole tiles can be found moved: not the flat ones below them (two
    // rows of five).
    link.send(fill(page(0), { x: 0, y: 192, w: P, h: 128 }, 0x303030ff));
    // The ten flat tiles are one tile, stashed once.
    expect(link.cache.size).to.equal(16);
    expect(link.cache.movable).to.equal(15);
    link.cache.reset();
    expect(link.cache.movable).to.equal(0);
    const small = new Link(page(0), 2);
    small.send(page(200));
    // Two slots: what was evicted is not drawn, and the device is still exact.
    const m = small.send(page(163));
    expect(small.device.data.equals(page(163).data)).to.equal(true);
    expect(small.cache.movable).to.be.at.most(2);
    expect(count(m, ENCODINGS.cached)).to.be.at.most(2);
  });
});

describe('orchestrator/layer/window-hash', () => {
  it('rolls to the same hash as each window hashed whole, at every position', () => {
    const img = photo(blank(97, 80), { x: 0, y: 0, w: 97, h: 80 }, 3);
    const px = pixelWords(img);
    const at = { x: 3, y: 5, w: 97 - 16 - 3, h: 80 - 16 - 5 };
    // A larger search of another picture first: its arrays are used again, and must not show through.
    const other = photo(blank(97, 80), { x: 0, y: 0, w: 97, h: 80 }, 4);
    windowHashes(pixelWords(other), other.width, { x: 0, y: 0, w: 97 - 15, h: 80 - 15 }, 16);
    const all = windowHashes(px, img.width, at, 16);
    for (let y = 0; y < at.h; y++) for (let x = 0; x < at.w; x++) expect(all[y * at.w + x], `${x},${y}`).to.equal(windowHash(px, img.width, at.x + x, at.y + y, 16));
    // A window differs from its neighbour's.
    expect(new Set(all).size).to.equal(all.length);
  });
});
