import { expect } from 'chai';
import { blank } from '../../src/layer/damage';
import { LayerCopies } from '../../src/layer/layer-copies';
import { ShotReader, translucentIn } from '../../src/layer/shot';
import { encodePngRect } from '../../src/png/encode';
import type { Rgba } from '../../src/png/decode';

/** A 64x32 frame: opaque grey, with `paint` applied. */
function frame(paint: (img: Rgba) => void = () => undefined): Rgba {
  const img = blank(64, 32);
  for (let i = 0; i < img.data.length; i += 4) img.data.writeUInt32BE(0x808080ff, i);
  paint(img);
  return img;
}

function png(img: Rgba): Buffer {
  return encodePngRect(img, 0, 0, img.width, img.height, 1);
}

function pixel(img: Rgba, x: number, y: number): number {
  return img.data.readUInt32BE((y * img.width + x) * 4);
}

function put(x: number, y: number, rgba: number): (img: Rgba) => void {
  return (img) => img.data.writeUInt32BE(rgba >>> 0, (y * img.width + x) * 4);
}

describe('orchestrator/layer/shot', () => {
  it('tells translucent pixels from opaque and clear ones', () => {
    const img = frame(put(3, 3, 0x00000000));
    expect(translucentIn(img, { x: 0, y: 0, w: 64, h: 32 })).to.equal(false);
    const seeThrough = frame(put(10, 5, 0x11223380));
    expect(translucentIn(seeThrough, { x: 8, y: 4, w: 4, h: 4 })).to.equal(true);
    expect(translucentIn(seeThrough, { x: 0, y: 0, w: 8, h: 32 })).to.equal(false);
  });

  it('diffs each frame with the one before: opaque changes come from the frame, translucent ones are left to a capture', () => {
    const reader = new ShotReader(8);
    const sent = frame();
    expect(reader.read(png(frame()), 1000, sent, true), 'the first frame is only the reference').to.equal(null);
    const next = frame((img) => {
      put(2, 2, 0xff0000ff)(img);
      put(40, 20, 0x00ff0040)(img);
    });
    const change = reader.read(png(next), 1001, sent, true);
    if (!change) throw new Error('no change');
    expect(pixel(change.img, 2, 2)).to.equal(0xff0000ff);
    // The translucent pixel is not taken from the frame (its colour is premultiplied there).
    expect(pixel(change.img, 40, 20)).to.equal(0x808080ff);
    expect(change.translucent).to.deep.equal([{ x: 40, y: 20, w: 1, h: 1 }]);
    expect([change.rows[2], change.rows[20], change.rows[10]]).to.deep.equal([1, 1, 0]);
    expect(reader.translucentKeys).to.equal(true);
    expect(sent.data.readUInt32BE((2 * 64 + 2) * 4), 'the device layer itself is left alone').to.equal(0x808080ff);
  });

  it('skips what a capture begun after the frame was taken already holds', () => {
    const reader = new ShotReader(8);
    const sent = frame();
    reader.read(png(frame()), 1000, sent, true);
    reader.captured = { at: 2000, area: { x: 0, y: 0, w: 16, h: 16 } };
    const before = reader.read(png(frame(put(4, 4, 0x00ff0080))), 1500, sent, true);
    expect(before && { translucent: before.translucent, row: before.rows[4] }).to.deep.equal({ translucent: [], row: 0 });
    const after = reader.read(png(frame(put(5, 5, 0x0000ff80))), 2500, sent, true);
    expect(after && after.translucent.length).to.equal(1);
  });

  it('ignores a frame of another size, and only takes in one it may not use', () => {
    const reader = new ShotReader(8);
    const sent = frame();
    reader.read(png(frame()), 1000, sent, true);
    const small = blank(16, 8);
    expect(reader.read(encodePngRect(small, 0, 0, 16, 8, 1), 1001, sent, true)).to.equal(undefined);
    expect(reader.read(png(frame(put(1, 1, 0xff0000ff))), 1002, sent, false)).to.equal(null);
    // The frame taken in without use is the reference now: the same pixels again change nothing.
    const same = reader.read(png(frame(put(1, 1, 0xff0000ff))), 1003, sent, true);
    expect(same && same.changed).to.equal(false);
    expect(reader.translucentKeys).to.equal(false);
  });

  it('lays changes over a copy of the layer, reusing the copy the layer has replaced; no change copies nothing', () => {
    const copies = new LayerCopies();
    const reader = new ShotReader(8, copies);
    let sent = frame();
    reader.read(png(frame()), 1000, sent, true);
    const same = reader.read(png(frame()), 1001, sent, true);
    expect(same && same.img).to.equal(sent);
    const buffers = new Set<Buffer>();
    const expected = frame();
    for (let i = 0; i < 5; i++) {
      put(i * 3, i, 0x10203000 + 0xff + i * 0x100)(expected);
      const change = reader.read(png(expected), 1002 + i, sent, true);
      if (!change) throw new Error('no change');
      expect(change.img.data.equals(expected.data), `frame ${i}`).to.equal(true);
      expect(change.img.data).to.not.equal(sent.data);
      buffers.add(change.img.data);
      // The stream keeps the new layer and gives the old one back.
      copies.release(sent);
      sent = change.img;
    }
    // The first layer was not a copy; after it, two buffers take turns.
    expect(buffers.size).to.equal(2);
    const other = frame();
    copies.release(other);
    expect(copies.of(sent).data).to.not.equal(other.data);
  });

  it('throws on a frame that is not a PNG, and starts over', () => {
    const reader = new ShotReader(8);
    const sent = frame();
    const header = Buffer.alloc(24);
    header.writeUInt32BE(64, 16);
    header.writeUInt32BE(32, 20);
    expect(() => reader.read(header, 1000, sent, true)).to.throw();
    expect(reader.read(png(frame()), 1001, sent, true)).to.equal(null);
  });
});
