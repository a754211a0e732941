import { expect } from 'chai';
import { blank, Rect } from '../../src/layer/damage';
import { LayerCopies } from '../../src/layer/layer-copies';
import { lossyRegion, markLossy, opaque, photographic, pictured } from '../../src/layer/motion';
import { Rgba } from '../../src/png/decode';
import { photo } from './photo';

/** A 200x100 opaque layer: flat grey, with noise ("photographs") where asked. */
function layer(photos: Rect[]): Rgba {
  let img = blank(200, 100);
  for (let o = 0; o < img.data.length; o += 4) img.data.writeUInt32BE(0x404040ff, o);
  photos.forEach((r, i) => (img = photo(img, r, i + 1)));
  return img;
}

/** A 256x128 opaque layer (eight 64-px tiles): flat grey, with noise where asked. */
function wide(photos: Rect[]): Rgba {
  let img = blank(256, 128);
  for (let o = 0; o < img.data.length; o += 4) img.data.writeUInt32BE(0x404040ff, o);
  photos.forEach((r, i) => (img = photo(img, r, i + 1)));
  return img;
}

describe('orchestrator/layer/motion', () => {
  it('tells photographs from flat UI, text-like runs and vertical gradients', () => {
    const img = layer([{ x: 0, y: 0, w: 100, h: 100 }]);
    expect(photographic(img, { x: 0, y: 0, w: 100, h: 100 })).to.equal(true);
    expect(photographic(img, { x: 100, y: 0, w: 100, h: 100 })).to.equal(false);
    // A vertical gradient: every row one colour.
    for (let y = 0; y < 100; y++) for (let x = 100; x < 200; x++) img.data.writeUInt32BE((((y * 2) << 24) | 0xff) >>> 0, (y * 200 + x) * 4);
    expect(photographic(img, { x: 100, y: 0, w: 100, h: 100 })).to.equal(false);
  });

  it('tells a layer of pictures (a quarter of its 64-px tiles photographic at least) from UI with a picture or two', () => {
    // Eight tiles: posters over two of them are a quarter.
    expect(pictured(wide([{ x: 0, y: 0, w: 64, h: 64 }, { x: 128, y: 64, w: 64, h: 64 }]))).to.equal(true);
    expect(pictured(wide([{ x: 0, y: 0, w: 64, h: 64 }]))).to.equal(false);
    // A poster over parts of four tiles makes none of them a picture.
    expect(pictured(wide([{ x: 32, y: 32, w: 64, h: 64 }]))).to.equal(false);
    expect(pictured(wide([]))).to.equal(false);
  });

  it('sees a single translucent pixel', () => {
    const img = layer([]);
    expect(opaque(img, { x: 0, y: 0, w: 200, h: 100 })).to.equal(true);
    img.data[(50 * 200 + 150) * 4 + 3] = 254;
    expect(opaque(img, { x: 0, y: 0, w: 200, h: 100 })).to.equal(false);
    expect(opaque(img, { x: 0, y: 0, w: 150, h: 100 })).to.equal(true);
  });

  it('takes the bounds of the changed photographs when they are opaque, else the biggest alone, and never small or flat changes', () => {
    const a = { x: 0, y: 0, w: 100, h: 100 };
    const b = { x: 104, y: 0, w: 96, h: 96 };
    const before = layer([]);
    const img = layer([a, b]);
    expect(lossyRegion(before, img, [a, b])).to.deep.equal({ x: 0, y: 0, w: 200, h: 100 });
    // A transparent gap between them: one JPEG of both would paint it black.
    for (let y = 0; y < 100; y++) img.data.writeUInt32BE(0, (y * 200 + 102) * 4);
    expect(lossyRegion(before, img, [a, b])).to.deep.equal(a);
    expect(lossyRegion(before, img, [{ x: 0, y: 0, w: 40, h: 40 }])).to.equal(null);
    expect(lossyRegion(before, layer([]), [a])).to.equal(null);
  });

  it('takes a large change of pictures and flat UI together (a menu sliding over a photograph) as one region, but not a UI with one picture', () => {
    const all = { x: 0, y: 0, w: 256, h: 128 };
    const before = wide([]);
    /** `photos` over a flat UI of another grey than `before`'s: every pixel changed. */
    const after = (photos: Rect[]): Rgba => {
      const img = wide(photos);
      for (let o = 0; o < img.data.length; o += 4) if (img.data.readUInt32BE(o) === 0x404040ff) img.data.writeUInt32BE(0x505050ff, o);
      return img;
    };
    // Eight tiles, two of them pictures: no photograph as a whole, a layer of pictures.
    const mixed = after([{ x: 0, y: 0, w: 64, h: 64 }, { x: 128, y: 64, w: 64, h: 64 }]);
    expect(photographic(mixed, all)).to.equal(false);
    expect(lossyRegion(before, mixed, [all])).to.deep.equal(all);
    expect(lossyRegion(before, after([{ x: 0, y: 0, w: 64, h: 64 }]), [all])).to.equal(null);
  });

  it('leaves a photograph whose focus ring is all that changed exact', () => {
    const a = { x: 0, y: 0, w: 100, h: 100 };
    const before = layer([a]);
    const img = layer([a]);
    // A 3-pixel white ring: the changed rectangle is the photograph's, its changed pixels a tenth.
    for (let y = 0; y < 100; y++) {
      for (let x = 0; x < 100; x++) if (x < 3 || y < 3 || x > 96 || y > 96) img.data.writeUInt32BE(0xffffffff, (y * 200 + x) * 4);
    }
    expect(photographic(img, a)).to.equal(true);
    expect(lossyRegion(before, img, [a])).to.equal(null);
    expect(lossyRegion(layer([]), img, [a])).to.deep.equal(a);
  });

  it('marks a region so that no straight-alpha capture equals it, leaving the rest and the original alone', () => {
    const img = layer([]);
    const marked = markLossy(img, { x: 10, y: 20, w: 30, h: 5 });
    expect(img.data.readUInt32BE((20 * 200 + 10) * 4)).to.equal(0x404040ff);
    expect(marked.data.readUInt32BE((20 * 200 + 10) * 4)).to.equal(0x01020300);
    expect(marked.data.readUInt32BE((24 * 200 + 39) * 4)).to.equal(0x01020300);
    expect(marked.data.readUInt32BE((25 * 200 + 10) * 4)).to.equal(0x404040ff);
    expect(marked.data.readUInt32BE((20 * 200 + 40) * 4)).to.equal(0x404040ff);
    // From a pool of layer copies: a spare buffer, reused, marked the same; the original untouched.
    const copies = new LayerCopies();
    const spare = copies.of(layer([]));
    copies.release(spare);
    const pooled = markLossy(img, { x: 10, y: 20, w: 30, h: 5 }, copies);
    expect(pooled.data).to.equal(spare.data);
    expect(pooled.data.equals(marked.data)).to.equal(true);
    expect(img.data.readUInt32BE((20 * 200 + 10) * 4)).to.equal(0x404040ff);
  });
});
