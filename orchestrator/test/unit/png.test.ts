import { expect } from 'chai';
import { crc32, deflateSync } from 'node:zlib';
import { decodePng, FrameDecoder, Rgba } from '../../src/png/decode';
import { diffRects } from '../../src/layer/damage';
import { encodeBestPngRect, encodePngRect, photoWins } from '../../src/png/encode';
import { execFileSync } from 'node:child_process';
import { inflateSync } from 'node:zlib';

function randomImage(w: number, h: number, seed: number): Rgba {
  const data = Buffer.alloc(w * h * 4);
  let x = seed;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    data[i] = x >> 16;
  }
  return { width: w, height: h, data };
}

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** A PNG whose rows use the given filters in turn, built independently of the encoder under test. */
function filteredPng(img: Rgba, filters: number[], colorType: 2 | 6): Buffer {
  const bpp = colorType === 6 ? 4 : 3;
  const stride = img.width * bpp;
  const rows: Buffer[] = [];
  const px = (y: number) => {
    const r = Buffer.alloc(stride);
    for (let x = 0; x < img.width; x++) for (let c = 0; c < bpp; c++) r[x * bpp + c] = img.data[(y * img.width + x) * 4 + c];
    return r;
  };
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < img.height; y++) {
    const cur = px(y);
    const f = filters[y % filters.length];
    const out = Buffer.alloc(stride + 1);
    out[0] = f;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[1 + i] = (cur[i] - pred) & 255;
    }
    rows.push(out);
    prev = cur;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

describe('orchestrator/png', () => {
  it('round-trips a rectangle through encode and decode', () => {
    const img = randomImage(40, 30, 1);
    const png = encodePngRect(img, 5, 7, 20, 10, 1);
    const back = decodePng(png);
    expect([back.width, back.height]).to.deep.equal([20, 10]);
    for (let y = 0; y < 10; y++) {
      const want = img.data.subarray(((7 + y) * 40 + 5) * 4, ((7 + y) * 40 + 25) * 4);
      expect(back.data.subarray(y * 80, (y + 1) * 80).equals(want), `row ${y}`).to.equal(true);
    }
  });

  for (const filters of [[0], [1], [2], [3], [4], [2, 4, 1, 3, 0]]) {
    it(`decodes RGBA rows filtered with ${filters.join(',')}`, () => {
      const img = randomImage(33, 9, filters.length * 7 + filters[0]);
      expect(decodePng(filteredPng(img, filters, 6)).data.equals(img.data)).to.equal(true);
    });
  }

  it('decodes RGB as opaque RGBA', () => {
    const img = randomImage(17, 5, 3);
    for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
    expect(decodePng(filteredPng(img, [2, 4, 1], 2)).data.equals(img.data)).to.equal(true);
  });

  /** A photograph-like image: smooth shading plus grain, every pixel different from its neighbours. */
  function photoLike(w: number, h: number, alpha = 255): Rgba {
    const noise = randomImage(w, h, 5);
    const data = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 4;
        data[o] = (x * 255) / w + (noise.data[o] & 7);
        data[o + 1] = (y * 255) / h + (noise.data[o + 1] & 7);
        data[o + 2] = ((x + y) * 127) / (w + h) + (noise.data[o + 2] & 7);
        data[o + 3] = alpha;
      }
    }
    return { width: w, height: h, data };
  }

  /** The IHDR colour type and every row's filter byte of an encoder's PNG (one IDAT). */
  function layout(png: Buffer, bpp: number): { colorType: number; filters: Set<number> } {
    const w = png.readUInt32BE(16);
    const raw = inflateSync(png.subarray(41, 41 + png.readUInt32BE(33)));
    const filters = new Set<number>();
    for (let o = 0; o < raw.length; o += w * bpp + 1) filters.add(raw[o]);
    return { colorType: png[25], filters };
  }

  it('encodes a photograph as Paeth-filtered rows, RGB when opaque, exactly and smaller', () => {
    const img = photoLike(300, 200);
    const ui = encodePngRect(img, 10, 20, 256, 160, 6);
    const photo = encodePngRect(img, 10, 20, 256, 160, 6, true);
    expect(layout(ui, 4)).to.deep.equal({ colorType: 6, filters: new Set([0]) });
    expect(layout(photo, 3)).to.deep.equal({ colorType: 2, filters: new Set([4]) });
    expect(photo.length).to.be.below(0.8 * ui.length);
    const want = decodePng(ui).data;
    expect(decodePng(photo).data.equals(want)).to.equal(true);
    // Another decoder reads it the same: Debian's ffmpeg.
    const ffmpeg = execFileSync('ffmpeg', ['-v', 'error', '-f', 'png_pipe', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], { input: photo, maxBuffer: 1 << 24 });
    expect(ffmpeg.equals(want)).to.equal(true);
    // With any pixel not opaque the alpha stays.
    const translucent = photoLike(300, 200, 200);
    const t = encodePngRect(translucent, 0, 0, 300, 200, 6, true);
    expect(layout(t, 4)).to.deep.equal({ colorType: 6, filters: new Set([4]) });
    expect(decodePng(t).data.equals(translucent.data)).to.equal(true);
    // Level 0 (stored) stays plain.
    expect(layout(encodePngRect(img, 0, 0, 300, 200, 0, true), 4).colorType).to.equal(6);
  });

  it('tries both encodings on a large rectangle: photographs filtered, rows that repeat as they are', () => {
    expect(photoWins(photoLike(400, 300), 0, 0, 400, 300, 6)).to.equal(true);
    // Busy rows that repeat every other row (a patterned, translucent bar): deflate matches them
    // whole, which the filtered run-length encoding cannot.
    const pattern = randomImage(400, 300, 9);
    const stride = 400 * 4;
    for (let y = 2; y < 300; y++) pattern.data.copy(pattern.data, y * stride, (y % 2) * stride, (y % 2 + 1) * stride);
    expect(photoWins(pattern, 0, 0, 400, 300, 6)).to.equal(false);
    expect(encodePngRect(pattern, 0, 0, 400, 300, 6).length).to.be.below(encodePngRect(pattern, 0, 0, 400, 300, 6, true).length);
    // Small rectangles are not worth a trial.
    expect(photoWins(photoLike(100, 100), 0, 0, 100, 100, 6)).to.equal(false);
    // What frames are built with: the encoding the trial picks, byte for byte.
    const photo = photoLike(400, 300);
    expect(encodeBestPngRect(photo, 0, 0, 400, 300, 6).equals(encodePngRect(photo, 0, 0, 400, 300, 6, true))).to.equal(true);
    expect(encodeBestPngRect(pattern, 0, 0, 400, 300, 6).equals(encodePngRect(pattern, 0, 0, 400, 300, 6))).to.equal(true);
  });

  it('rejects what is not a PNG it can read', () => {
    expect(() => decodePng(Buffer.from('not a png at all'))).to.throw(/not a PNG/);
    const sixteen = filteredPng(randomImage(2, 2, 1), [0], 6);
    sixteen[24] = 16; // bit depth in IHDR
    expect(() => decodePng(sixteen)).to.throw(/unsupported PNG/);
  });

  describe('FrameDecoder', () => {
    /** `base` with rows [y0, y1) given new random pixels, and one pixel in row `dot` nudged. */
    function changed(base: Rgba, y0: number, y1: number, dot: number, seed: number): Rgba {
      const next = { ...base, data: Buffer.from(base.data) };
      const noise = randomImage(base.width, y1 - y0, seed);
      noise.data.copy(next.data, y0 * base.width * 4);
      next.data[(dot * base.width + 5) * 4 + 3] ^= 1;
      return next;
    }

    function rowsThatDiffer(a: Rgba, b: Rgba): number[] {
      const out: number[] = [];
      const stride = a.width * 4;
      for (let y = 0; y < a.height; y++) if (!a.data.subarray(y * stride, (y + 1) * stride).equals(b.data.subarray(y * stride, (y + 1) * stride))) out.push(y);
      return out;
    }

    for (const filters of [[2], [0], [1], [3], [4], [2, 4, 1, 3, 0]]) {
      it(`decodes a stream of frames filtered with ${filters.join(',')} exactly, marking the rows that changed`, () => {
        const decoder = new FrameDecoder();
        let img = randomImage(37, 40, 11);
        const first = decoder.decode(filteredPng(img, filters, 6));
        expect(first.changedRows).to.equal(null);
        expect(first.image.data.equals(img.data)).to.equal(true);
        for (const [y0, y1, dot, seed] of [[3, 9, 30, 1], [0, 1, 39, 2], [20, 40, 0, 3], [10, 10, 12, 4]]) {
          const next = changed(img, y0, y1, dot, seed);
          const out = decoder.decode(filteredPng(next, filters, 6));
          expect(out.image.data.equals(next.data), `rows ${y0}-${y1}`).to.equal(true);
          expect(out.previous!.data.equals(img.data)).to.equal(true);
          const marked = [...out.changedRows!.keys()].filter((y) => out.changedRows![y]);
          expect(marked).to.deep.equal(rowsThatDiffer(img, next));
          expect(diffRects(img, next, 8, out.changedRows)).to.deep.equal(diffRects(img, next, 8));
          img = next;
        }
      });
    }

    it('unfilters a row whose filtered bytes repeat when the row above changed', () => {
      // A solid block that changes colour: under "up", every row but its first filters to the same
      // zeros before and after, yet all of them changed.
      const solid = (rgba: number[]) => {
        const img = randomImage(16, 24, 9);
        for (let y = 5; y < 15; y++) for (let x = 0; x < 16; x++) img.data.set(rgba, (y * 16 + x) * 4);
        return img;
      };
      const decoder = new FrameDecoder();
      const before = solid([10, 20, 30, 128]);
      const after = solid([200, 20, 30, 129]);
      decoder.decode(filteredPng(before, [2], 6));
      const out = decoder.decode(filteredPng(after, [2], 6));
      expect(out.image.data.equals(after.data)).to.equal(true);
      expect([...out.changedRows!.keys()].filter((y) => out.changedRows![y])).to.deep.equal([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    });

    it('marks no rows for an identical frame and leaves the previous frame untouched', () => {
      const decoder = new FrameDecoder();
      const img = randomImage(20, 12, 5);
      const png = filteredPng(img, [2], 6);
      const a = decoder.decode(png);
      const b = decoder.decode(png);
      expect(b.previous).to.equal(a.image);
      expect(b.image).to.not.equal(a.image);
      expect([...b.changedRows!].every((v) => v === 0)).to.equal(true);
      expect(b.image.data.equals(img.data)).to.equal(true);
    });

    it('reusing buffers, decodes every frame exactly and keeps the one before intact', () => {
      const decoder = new FrameDecoder(true);
      let img = randomImage(37, 40, 21);
      let before = decoder.decode(filteredPng(img, [2], 6)).image;
      const buffers = new Set<ArrayBufferLike>([before.data.buffer]);
      for (let i = 0; i < 6; i++) {
        const next = changed(img, i * 5, i * 5 + 3, 39 - i, 30 + i);
        const out = decoder.decode(filteredPng(next, [2], 6));
        expect(out.image.data.equals(next.data), `frame ${i}`).to.equal(true);
        // The caller diffs with the frame before: it must still hold that frame's pixels.
        expect(out.previous).to.equal(before);
        expect(before.data.equals(img.data), `frame ${i - 1} kept`).to.equal(true);
        buffers.add(out.image.data.buffer);
        before = out.image;
        img = next;
      }
      // Seven frames in two buffers: each frame's goes to the frame two on.
      expect(buffers.size).to.equal(2);
    });

    it('starts over without hints after a size change, an RGB frame or a reset', () => {
      const decoder = new FrameDecoder();
      decoder.decode(filteredPng(randomImage(20, 12, 5), [2], 6));
      expect(decoder.decode(filteredPng(randomImage(21, 12, 6), [2], 6)).changedRows).to.equal(null);
      const opaque = randomImage(21, 12, 7);
      for (let i = 3; i < opaque.data.length; i += 4) opaque.data[i] = 255;
      const rgb = decoder.decode(filteredPng(opaque, [2], 2));
      expect(rgb.changedRows).to.equal(null);
      expect(rgb.image.data.equals(opaque.data)).to.equal(true);
      expect(decoder.decode(filteredPng(randomImage(21, 12, 8), [2], 6)).changedRows).to.equal(null);
      decoder.reset();
      expect(decoder.decode(filteredPng(randomImage(21, 12, 8), [2], 6)).changedRows).to.equal(null);
    });
  });
});
