import { JpegBlocks } from './blocks';
import { encodeTable, EncodeTable, HuffmanSpec, optimalSpec } from './huffman';

/**
 * A rectangle of whole MCUs cut out of a JPEG without decoding it, as jpegtran's lossless crop
 * does: the same quantised coefficients, written again with the DC predictions of their new
 * neighbours. It costs one entropy coding pass, no DCT, and decodes to the source's pixels but
 * at the crop's edges, where a decoder's chroma upsampling has no neighbour to blend with (a
 * shade of colour, never of luma).
 */
export interface McuRect {
  /** In MCUs. */
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Bits out, 0xFF stuffed with 0x00, into a buffer sized for the crop (grown when short). */
class BitWriter {
  private buf: Buffer;
  private len = 0;
  private acc = 0;
  private count = 0;

  constructor(expected: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, expected));
  }

  put(code: number, size: number): void {
    if (size === 0) return;
    this.acc = (this.acc << size) | (code & ((1 << size) - 1));
    this.count += size;
    while (this.count >= 8) {
      const byte = (this.acc >> (this.count - 8)) & 0xff;
      // A byte, and its stuffing.
      if (this.len + 2 > this.buf.length) this.grow();
      this.buf[this.len++] = byte;
      if (byte === 0xff) this.buf[this.len++] = 0;
      this.count -= 8;
    }
    this.acc &= (1 << this.count) - 1;
  }

  private grow(): void {
    const bigger = Buffer.allocUnsafe(this.buf.length * 2);
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  /** Pads the last byte with ones, as annex F.1.2.3 asks. */
  finish(): Buffer {
    if (this.count > 0) this.put(0x7f, 8 - this.count);
    return this.buf.subarray(0, this.len);
  }
}

/** Magnitude category of a value (annex F.1.2.1): how many bits it takes. */
function category(v: number): number {
  let a = v < 0 ? -v : v;
  let n = 0;
  while (a > 0) {
    n++;
    a >>= 1;
  }
  return n;
}

/** The bits that follow a value's category: its low bits, ones' complement when negative. */
function magnitude(v: number, size: number): number {
  return (v < 0 ? v - 1 : v) & ((1 << size) - 1);
}

interface Sink {
  dc(table: number, symbol: number, extra: number, size: number): void;
  ac(table: number, symbol: number, extra: number, size: number): void;
}

/** Walks the crop's blocks in scan order, as symbols: counted once for the tables, then written. */
function walk(src: JpegBlocks, r: McuRect, sink: Sink): void {
  const pred = new Int32Array(src.comps.length);
  for (let my = r.y; my < r.y + r.h; my++) {
    for (let mx = r.x; mx < r.x + r.w; mx++) {
      for (let ci = 0; ci < src.comps.length; ci++) {
        const c = src.comps[ci];
        for (let v = 0; v < c.v; v++) {
          for (let h = 0; h < c.h; h++) {
            const base = ((my * c.v + v) * c.bw + mx * c.h + h) * 64;
            const coeffs = c.coeffs;
            const diff = coeffs[base] - pred[ci];
            pred[ci] = coeffs[base];
            const ds = category(diff);
            sink.dc(c.td, ds, magnitude(diff, ds), ds);
            let run = 0;
            // Past the block's last coefficient there are only zeros: the end of block says them.
            const end = c.ends[base >> 6];
            for (let k = 1; k < end; k++) {
              const a = coeffs[base + k];
              if (a === 0) {
                run++;
                continue;
              }
              while (run > 15) {
                sink.ac(c.ta, 0xf0, 0, 0);
                run -= 16;
              }
              const s = category(a);
              sink.ac(c.ta, (run << 4) | s, magnitude(a, s), s);
              run = 0;
            }
            if (end < 64) sink.ac(c.ta, 0x00, 0, 0);
          }
        }
      }
    }
  }
}

function segment(marker: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

function dht(tc: number, th: number, spec: HuffmanSpec): Buffer {
  return segment(0xc4, Buffer.from([(tc << 4) | th, ...spec.bits.slice(1, 17), ...spec.values]));
}

/** The source's own tables, made once per frame: what most crops are written with. */
const sourceTables = new WeakMap<JpegBlocks, { dc: EncodeTable[]; ac: EncodeTable[]; dht: Buffer[] }>();

function tablesOf(src: JpegBlocks): { dc: EncodeTable[]; ac: EncodeTable[]; dht: Buffer[] } {
  let t = sourceTables.get(src);
  if (t) return t;
  t = { dc: [], ac: [], dht: [] };
  for (const c of src.comps) {
    for (const [tc, id, into] of [[0, c.td, t.dc], [1, c.ta, t.ac]] as const) {
      if (into[id]) continue;
      const spec = src.specs[tc][id] as HuffmanSpec;
      into[id] = encodeTable(spec);
      t.dht.push(dht(tc, id, spec));
    }
  }
  sourceTables.set(src, t);
  return t;
}

/** A symbol the source's table has no code for: a DC difference only a crop makes (at its edges). */
const NO_CODE = new Error('no code for a symbol');

/**
 * The JPEG of `r` (in MCUs, inside the frame) of `src`. Written in one pass with the source's own
 * Huffman tables: they code every AC symbol of the crop (the same blocks, coded alike), and its DC
 * differences but where the crop's edges make new ones; when one has no code, or with `optimal`,
 * with tables made for the crop (annex K.2, two passes). Those save 2-3 % of a large crop and
 * ~100 bytes of a small one, at twice the time on the live frames of the rows and the menu
 * (docs/benchmarks.md): a live frame's time is its key's latency, its bytes are JPEG anyway.
 */
export function cropJpeg(src: JpegBlocks, r: McuRect, optimal = false): Buffer {
  if (r.w <= 0 || r.h <= 0 || r.x < 0 || r.y < 0 || r.x + r.w > src.mcusX || r.y + r.h > src.mcusY) {
    throw new RangeError(`crop ${r.x},${r.y} ${r.w}x${r.h} outside ${src.mcusX}x${src.mcusY} MCUs`);
  }
  if (optimal) return cropOptimal(src, r);
  const own = tablesOf(src);
  try {
    return assemble(src, r, own.dht, scanOf(src, r, own.dc, own.ac));
  } catch (err) {
    if (err !== NO_CODE) throw err;
  }
  return cropOptimal(src, r);
}

/** The crop's entropy-coded data, with these tables by id; throws NO_CODE when one lacks a symbol. */
function scanOf(src: JpegBlocks, r: McuRect, dcTables: EncodeTable[], acTables: EncodeTable[]): Buffer {
  // The crop's share of the source's bytes, and some: most crops fit at once.
  const bits = new BitWriter(Math.ceil(((src.scanBytes * r.w * r.h) / (src.mcusX * src.mcusY)) * 1.25));
  const put = (table: EncodeTable, symbol: number, extra: number, size: number): void => {
    const length = table.size[symbol];
    if (length === 0) throw NO_CODE;
    bits.put(table.code[symbol], length);
    bits.put(extra, size);
  };
  walk(src, r, {
    dc: (t, s, extra, size) => put(dcTables[t], s, extra, size),
    ac: (t, s, extra, size) => put(acTables[t], s, extra, size)
  });
  return bits.finish();
}

/** The crop with Huffman tables made for it: what jpegtran's -optimize writes. */
function cropOptimal(src: JpegBlocks, r: McuRect): Buffer {
  const dcFreq = new Map<number, Float64Array>();
  const acFreq = new Map<number, Float64Array>();
  const count = (m: Map<number, Float64Array>, t: number, s: number): void => {
    let f = m.get(t);
    if (!f) m.set(t, (f = new Float64Array(256)));
    f[s]++;
  };
  walk(src, r, { dc: (t, s) => count(dcFreq, t, s), ac: (t, s) => count(acFreq, t, s) });
  const specs: Buffer[] = [];
  const dcTables: EncodeTable[] = [];
  const acTables: EncodeTable[] = [];
  for (const [t, f] of dcFreq) {
    const spec = optimalSpec(f);
    specs.push(dht(0, t, spec));
    dcTables[t] = encodeTable(spec);
  }
  for (const [t, f] of acFreq) {
    const spec = optimalSpec(f);
    specs.push(dht(1, t, spec));
    acTables[t] = encodeTable(spec);
  }
  return assemble(src, r, specs, scanOf(src, r, dcTables, acTables));
}

/** A baseline JPEG of the crop: the source's quantisation tables, these Huffman tables, this scan. */
function assemble(src: JpegBlocks, r: McuRect, tables: Buffer[], scan: Buffer): Buffer {
  const width = Math.min(r.w * src.mcuW, src.width - r.x * src.mcuW);
  const height = Math.min(r.h * src.mcuH, src.height - r.y * src.mcuH);
  const sof = Buffer.alloc(6 + 3 * src.comps.length);
  sof[0] = 8;
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  sof[5] = src.comps.length;
  src.comps.forEach((c, i) => {
    sof[6 + 3 * i] = c.id;
    sof[7 + 3 * i] = (c.h << 4) | c.v;
    sof[8 + 3 * i] = c.tq;
  });
  const sos = Buffer.alloc(4 + 2 * src.comps.length);
  sos[0] = src.comps.length;
  src.comps.forEach((c, i) => {
    sos[1 + 2 * i] = c.id;
    sos[2 + 2 * i] = (c.td << 4) | c.ta;
  });
  // Spectral selection 0..63, no successive approximation: baseline.
  sos[1 + 2 * src.comps.length] = 0;
  sos[2 + 2 * src.comps.length] = 63;
  sos[3 + 2 * src.comps.length] = 0;
  return Buffer.concat([Buffer.from([0xff, 0xd8]), ...(src.jfif ? [src.jfif] : []), ...src.dqt, segment(0xc0, sof), ...tables, segment(0xda, sos), scan, Buffer.from([0xff, 0xd9])]);
}
