import { decodeTable, DecodeTable, HuffmanSpec, LOOKUP_BITS } from './huffman';

/**
 * A baseline JPEG read as far as its quantised DCT coefficients, without the inverse DCT: what
 * two screencast frames are compared by, and what a crop of one is written from (crop.ts).
 * Chromium's screencast JPEGs are baseline, 8-bit, one interleaved scan, no restart markers
 * (Skia's encoder, 4:2:0, optimised Huffman tables); restart markers are read too. Anything else
 * (progressive, arithmetic, 12-bit, several scans) is not read: `readJpegBlocks` says null, and
 * the frame goes out whole as before.
 *
 * An encoder is block-local, so a part of the page that did not change between two frames gives
 * the same coefficients in both, exactly: comparing coefficients finds what changed, to the MCU.
 */
export interface JpegComponent {
  id: number;
  /** Sampling factors. */
  h: number;
  v: number;
  /** Quantisation table and DC/AC Huffman table ids. */
  tq: number;
  td: number;
  ta: number;
  /** Blocks per row and per column (whole MCUs, padding included). */
  bw: number;
  bh: number;
  /** 64 coefficients per block, row-major blocks, each in zigzag order, DC undifferenced. */
  coeffs: Int16Array;
  /**
   * Per block, one past the zigzag index of its last coefficient that is not 0 (0: all are): the
   * decoder knows it for free, and most blocks of a UI end at their DC.
   */
  ends: Uint8Array;
}

export interface JpegBlocks {
  width: number;
  height: number;
  /** MCU size in pixels, and MCUs per row and column. */
  mcuW: number;
  mcuH: number;
  mcusX: number;
  mcusY: number;
  comps: JpegComponent[];
  /** The DQT segments as they came (marker included): a crop uses the same tables. */
  dqt: Buffer[];
  /** Each quantisation table by id, in zigzag order as stored (its first step is the DC's). */
  quant: Int32Array[];
  /** The JFIF APP0 segment, if any: a crop keeps it (old decoders read the colour space from it). */
  jfif: Buffer | null;
  /** Bytes of entropy-coded data (what a crop's share of it is sized from). */
  scanBytes: number;
  /** The Huffman tables as stored, by class (0: DC, 1: AC) and id: a crop may write with them. */
  specs: [(HuffmanSpec | undefined)[], (HuffmanSpec | undefined)[]];
}

function specOf(body: Buffer, pos: number): { spec: HuffmanSpec; next: number } {
  const bits = [0];
  let n = 0;
  for (let l = 1; l <= 16; l++) {
    bits.push(body[pos + l]);
    n += body[pos + l];
  }
  const values = Array.from(body.subarray(pos + 17, pos + 17 + n));
  if (values.length !== n) throw new Error('DHT truncated');
  return { spec: { bits, values }, next: pos + 17 + n };
}

/** Bits of the entropy-coded data, with 0xFF00 unstuffed; stops at a marker. */
class BitReader {
  private acc = 0;
  private count = 0;
  /** A marker was reached: only zero bits come from here on. */
  marker = -1;
  /** Zero bits made up past the marker or the end: more of them used than are left means the scan was cut short. */
  private padded = 0;

  constructor(
    private readonly buf: Buffer,
    public pos: number
  ) {}

  private fill(): void {
    while (this.count <= 24) {
      let byte = 0;
      if (this.marker >= 0 || this.pos >= this.buf.length) this.padded += 8;
      else {
        byte = this.buf[this.pos];
        if (byte === 0xff) {
          const next = this.buf[this.pos + 1];
          if (next === 0) this.pos += 2;
          else {
            this.marker = next;
            this.padded += 8;
            byte = 0;
          }
        } else this.pos++;
      }
      this.acc = ((this.acc << 8) | byte) >>> 0;
      this.count += 8;
    }
  }

  peek(n: number): number {
    if (this.count < n) this.fill();
    return (this.acc >>> (this.count - n)) & ((1 << n) - 1);
  }

  skip(n: number): void {
    this.count -= n;
  }

  bits(n: number): number {
    if (n === 0) return 0;
    const v = this.peek(n);
    this.count -= n;
    return v;
  }

  /** The data ran out before the scan did. */
  get overrun(): boolean {
    return this.padded > this.count;
  }

  /** Drops what is left of the current byte and the restart marker after it. */
  restart(): void {
    if (this.overrun) throw new Error('JPEG scan cut short');
    this.acc = 0;
    this.count = 0;
    this.padded = 0;
    if (this.marker >= 0xd0 && this.marker <= 0xd7) {
      this.pos += 2;
      this.marker = -1;
    }
  }

  decode(t: DecodeTable): number {
    const look = this.peek(LOOKUP_BITS);
    const hit = t.fast[look];
    if (hit !== 0) {
      this.count -= hit >> 8;
      return hit & 0xff;
    }
    let code = this.bits(LOOKUP_BITS);
    let len = LOOKUP_BITS;
    while (code > t.maxCode[len]) {
      code = (code << 1) | this.bits(1);
      len++;
      if (len > 16) throw new Error('bad Huffman code');
    }
    return t.values[code + t.offset[len]];
  }
}

/** `b`'s coefficient arrays, which it no longer has: anything that still read it would read nothing, not another frame. */
function takeArrays(b: JpegBlocks): { coeffs: Int16Array; ends: Uint8Array }[] {
  return b.comps.map((c) => {
    const arrays = { coeffs: c.coeffs, ends: c.ends };
    c.coeffs = new Int16Array(0);
    c.ends = new Uint8Array(0);
    return arrays;
  });
}

/** The value of `s` magnitude bits `v` (annex F.2.2.1, EXTEND). */
function extend(v: number, s: number): number {
  return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
}

/**
 * Reads `jpeg` to its coefficients; null when it is not a JPEG this reads (see above). Throws on a
 * broken one. `reuse`: a frame read before that nothing reads any more; its coefficient arrays are
 * taken over when they fit (and it is left empty either way). A 720p frame's are 2.8 MB: allocated
 * anew for each of a motion's 30 frames a second, they made V8 collect its old space every 100–200
 * ms, 5–30 ms each, in the middle of live frames (benchmarks.md, session 45).
 */
export function readJpegBlocks(jpeg: Buffer, reuse: JpegBlocks | null = null): JpegBlocks | null {
  const spare = reuse ? takeArrays(reuse) : null;
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return null;
  const dc: (DecodeTable | undefined)[] = [];
  const ac: (DecodeTable | undefined)[] = [];
  const specs: JpegBlocks['specs'] = [[], []];
  const dqt: Buffer[] = [];
  let jfif: Buffer | null = null;
  const quant: Int32Array[] = [];
  let frame: { width: number; height: number; comps: JpegComponent[] } | null = null;
  let restartInterval = 0;
  let pos = 2;
  while (pos + 4 <= jpeg.length) {
    if (jpeg[pos] !== 0xff) throw new Error('JPEG marker expected');
    const marker = jpeg[pos + 1];
    if (marker === 0xff) {
      pos++;
      continue;
    }
    const len = jpeg.readUInt16BE(pos + 2);
    const body = jpeg.subarray(pos + 4, pos + 2 + len);
    if (body.length !== len - 2) throw new Error('JPEG segment truncated');
    if (marker === 0xe0 && !jfif) jfif = jpeg.subarray(pos, pos + 2 + len);
    else if (marker === 0xdb) {
      dqt.push(jpeg.subarray(pos, pos + 2 + len));
      for (let p = 0; p < body.length; ) {
        const wide = body[p] >> 4;
        quant[body[p] & 15] = Int32Array.from({ length: 64 }, (_, k) => (wide ? body.readUInt16BE(p + 1 + 2 * k) : body[p + 1 + k]));
        p += 1 + 64 * (wide ? 2 : 1);
      }
    }
    else if (marker === 0xc4) {
      let p = 0;
      while (p < body.length) {
        const tc = body[p] >> 4;
        const th = body[p] & 15;
        const { spec, next } = specOf(body, p);
        (tc === 0 ? dc : ac)[th] = decodeTable(spec);
        specs[tc === 0 ? 0 : 1][th] = spec;
        p = next;
      }
    } else if (marker === 0xdd) restartInterval = body.readUInt16BE(0);
    else if (marker === 0xc0 || marker === 0xc1) {
      if (body[0] !== 8) return null;
      const comps: JpegComponent[] = [];
      for (let i = 0; i < body[5]; i++) {
        const o = 6 + 3 * i;
        comps.push({ id: body[o], h: body[o + 1] >> 4, v: body[o + 1] & 15, tq: body[o + 2], td: 0, ta: 0, bw: 0, bh: 0, coeffs: new Int16Array(0), ends: new Uint8Array(0) });
      }
      frame = { height: body.readUInt16BE(1), width: body.readUInt16BE(3), comps };
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      // Progressive, lossless, hierarchical or arithmetic coding.
      return null;
    } else if (marker === 0xda) {
      if (!frame) throw new Error('JPEG scan before its frame header');
      // One interleaved scan of every component: what a baseline encoder writes.
      if (body[0] !== frame.comps.length) return null;
      for (let i = 0; i < body[0]; i++) {
        const comp = frame.comps.find((c) => c.id === body[1 + 2 * i]);
        if (!comp || frame.comps[i] !== comp) return null;
        comp.td = body[2 + 2 * i] >> 4;
        comp.ta = body[2 + 2 * i] & 15;
      }
      return readScan(jpeg, pos + 2 + len, frame, dc, ac, { dqt, quant, jfif, specs }, restartInterval, spare);
    }
    pos += 2 + len;
  }
  throw new Error('JPEG without a scan');
}

function readScan(
  jpeg: Buffer,
  start: number,
  frame: { width: number; height: number; comps: JpegComponent[] },
  dc: (DecodeTable | undefined)[],
  ac: (DecodeTable | undefined)[],
  segments: Pick<JpegBlocks, 'dqt' | 'quant' | 'jfif' | 'specs'>,
  restartInterval: number,
  spare: { coeffs: Int16Array; ends: Uint8Array }[] | null
): JpegBlocks {
  const { width, height, comps } = frame;
  const hMax = Math.max(...comps.map((c) => c.h));
  const vMax = Math.max(...comps.map((c) => c.v));
  const mcuW = 8 * hMax;
  const mcuH = 8 * vMax;
  const mcusX = Math.ceil(width / mcuW);
  const mcusY = Math.ceil(height / mcuH);
  if (width === 0 || height === 0 || comps.length === 0) throw new Error('empty JPEG');
  const tables = comps.map((c, i) => {
    const d = dc[c.td];
    const a = ac[c.ta];
    if (!d || !a) throw new Error('JPEG scan uses a missing Huffman table');
    c.bw = mcusX * c.h;
    c.bh = mcusY * c.v;
    const old = spare && spare.length === comps.length ? spare[i] : null;
    if (old && old.coeffs.length === c.bw * c.bh * 64 && old.ends.length === c.bw * c.bh) {
      // Only the coefficients that are not 0 are written below; every block's end is.
      c.coeffs = old.coeffs.fill(0);
      c.ends = old.ends;
    } else {
      c.coeffs = new Int16Array(c.bw * c.bh * 64);
      c.ends = new Uint8Array(c.bw * c.bh);
    }
    return { d, a };
  });
  const bits = new BitReader(jpeg, start);
  const pred = new Int32Array(comps.length);
  const total = mcusX * mcusY;
  for (let m = 0; m < total; m++) {
    if (restartInterval > 0 && m > 0 && m % restartInterval === 0) {
      bits.restart();
      pred.fill(0);
    }
    const mx = m % mcusX;
    const my = (m - mx) / mcusX;
    for (let ci = 0; ci < comps.length; ci++) {
      const c = comps[ci];
      const { d, a } = tables[ci];
      for (let v = 0; v < c.v; v++) {
        for (let h = 0; h < c.h; h++) {
          const base = ((my * c.v + v) * c.bw + mx * c.h + h) * 64;
          const s = bits.decode(d);
          if (s > 11) throw new Error('bad JPEG DC');
          pred[ci] += s === 0 ? 0 : extend(bits.bits(s), s);
          c.coeffs[base] = pred[ci];
          let end = pred[ci] === 0 ? 0 : 1;
          for (let k = 1; k < 64; ) {
            const f = a.fastAc[bits.peek(LOOKUP_BITS)];
            if (f !== 0) {
              bits.skip(f & 15);
              k += (f >> 4) & 15;
              if (k > 63) throw new Error('bad JPEG AC run');
              c.coeffs[base + k] = f >> 8;
              end = ++k;
              continue;
            }
            const rs = bits.decode(a);
            const r = rs >> 4;
            const size = rs & 15;
            if (size === 0) {
              if (r !== 15) break;
              k += 16;
              continue;
            }
            k += r;
            if (k > 63) throw new Error('bad JPEG AC run');
            c.coeffs[base + k] = extend(bits.bits(size), size);
            end = ++k;
          }
          c.ends[base >> 6] = end;
        }
      }
    }
  }
  if (bits.overrun || (bits.marker >= 0 && bits.marker !== 0xd9)) throw new Error('JPEG scan cut short');
  return { width, height, mcuW, mcuH, mcusX, mcusY, comps, ...segments, scanBytes: bits.pos - start };
}
