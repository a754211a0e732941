/**
 * Huffman tables as a baseline JPEG stores them (ITU T.81 annex C): `bits[l]` codes of length l
 * (l = 1..16, index 0 unused) for the symbols `values`, in order. Shared by the reader, which
 * decodes with them, and the cropper, which builds the optimal table for what it writes.
 */
export interface HuffmanSpec {
  bits: number[];
  values: number[];
}

/** What a decoder walks, one bit at a time, per code length (annex F.2.2.3). */
export interface DecodeTable {
  /** Largest code of each length, -1 when there is none. */
  maxCode: Int32Array;
  /** For each length: index into `values` of its first code, minus that code. */
  offset: Int32Array;
  values: Uint8Array;
  /**
   * Codes of up to LOOKUP_BITS bits, looked up at once: for a window of the next LOOKUP_BITS
   * bits, (length << 8) | symbol, or 0 when the code is longer.
   */
  fast: Uint16Array;
  /**
   * As an AC table (annex F.2.2.2: a run of zeros and the size of the value that follows), for a
   * window whose code and value bits both fit in it: (value << 8) | (run << 4) | bits used, or 0.
   * Most coefficients of a photograph decode with one lookup instead of two reads.
   */
  fastAc: Int32Array;
}

export const LOOKUP_BITS = 9;

/** Canonical codes of a table (annex C): code[i] and size[i] for values[i]. */
function canonical(spec: HuffmanSpec): { codes: number[]; sizes: number[] } {
  const codes: number[] = [];
  const sizes: number[] = [];
  let code = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < spec.bits[len]; i++) {
      codes.push(code++);
      sizes.push(len);
    }
    code <<= 1;
  }
  return { codes, sizes };
}

export function decodeTable(spec: HuffmanSpec): DecodeTable {
  const { codes, sizes } = canonical(spec);
  const maxCode = new Int32Array(18).fill(-1);
  const offset = new Int32Array(18);
  const fast = new Uint16Array(1 << LOOKUP_BITS);
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = spec.bits[len];
    if (n > 0) {
      offset[len] = k - codes[k];
      maxCode[len] = codes[k + n - 1];
    }
    k += n;
  }
  // Past the longest length, nothing matches: the reader stops there with an error.
  maxCode[17] = 0x7fffffff;
  for (let i = 0; i < codes.length; i++) {
    if (sizes[i] > LOOKUP_BITS) continue;
    const shift = LOOKUP_BITS - sizes[i];
    const first = codes[i] << shift;
    for (let j = 0; j < 1 << shift; j++) fast[first + j] = (sizes[i] << 8) | spec.values[i];
  }
  const fastAc = new Int32Array(1 << LOOKUP_BITS);
  for (let look = 0; look < 1 << LOOKUP_BITS; look++) {
    const hit = fast[look];
    if (hit === 0) continue;
    const len = hit >> 8;
    const run = (hit >> 4) & 15;
    const size = hit & 15;
    // End of block and runs of sixteen zeros carry no value: the reader's own path.
    if (size === 0 || len + size > LOOKUP_BITS) continue;
    const raw = (look >> (LOOKUP_BITS - len - size)) & ((1 << size) - 1);
    // EXTEND (annex F.2.2.1): the value's sign is in its top bit.
    const value = raw < 1 << (size - 1) ? raw - (1 << size) + 1 : raw;
    fastAc[look] = (value << 8) | (run << 4) | (len + size);
  }
  return { maxCode, offset, values: Uint8Array.from(spec.values), fast, fastAc };
}

/** Code and length of every symbol 0..255 (length 0: the table has no code for it). */
export interface EncodeTable {
  code: Uint16Array;
  size: Uint8Array;
}

export function encodeTable(spec: HuffmanSpec): EncodeTable {
  const { codes, sizes } = canonical(spec);
  const code = new Uint16Array(256);
  const size = new Uint8Array(256);
  for (let i = 0; i < codes.length; i++) {
    code[spec.values[i]] = codes[i];
    size[spec.values[i]] = sizes[i];
  }
  return { code, size };
}

/**
 * The optimal table for symbol frequencies `freq` (256 entries), codes at most 16 bits long and
 * none all ones (annex K.2 and K.3): what jpegtran's -optimize writes.
 */
export function optimalSpec(freq: ArrayLike<number>): HuffmanSpec {
  const bits0 = new Array<number>(17).fill(0);
  let any = false;
  for (let i = 0; i < 256; i++) any ||= freq[i] > 0;
  if (!any) return { bits: bits0, values: [] };
  // A 257th symbol with frequency 1 takes the all-ones code, so no real code is all ones.
  const f = Float64Array.from({ length: 257 }, (_, i) => (i < 256 ? freq[i] : 1));
  const codeSize = new Int32Array(257);
  const others = new Int32Array(257).fill(-1);
  for (;;) {
    // The two least frequent live symbols (ties: the larger index, as annex K does).
    let v1 = -1;
    let v2 = -1;
    for (let i = 0; i < 257; i++) {
      if (f[i] === 0) continue;
      if (v1 < 0 || f[i] <= f[v1]) {
        v2 = v1;
        v1 = i;
      } else if (v2 < 0 || f[i] <= f[v2]) {
        v2 = i;
      }
    }
    if (v2 < 0) break;
    f[v1] += f[v2];
    f[v2] = 0;
    for (let i = v1; ; i = others[i]) {
      codeSize[i]++;
      if (others[i] < 0) {
        others[i] = v2;
        break;
      }
    }
    for (let i = v2; i >= 0; i = others[i]) codeSize[i]++;
  }
  const bits = new Array<number>(33).fill(0);
  for (let i = 0; i < 257; i++) if (codeSize[i] > 0) bits[codeSize[i]]++;
  // Lengths over 16: move pairs up the tree (annex K.3).
  for (let i = 32; i > 16; i--) {
    while (bits[i] > 0) {
      let j = i - 2;
      while (bits[j] === 0) j--;
      bits[i] -= 2;
      bits[i - 1]++;
      bits[j + 1] += 2;
      bits[j]--;
    }
  }
  // The reserved symbol's code is the longest one: drop it.
  let longest = 16;
  while (bits[longest] === 0) longest--;
  bits[longest]--;
  const values: number[] = [];
  for (let len = 1; len <= 32; len++) for (let s = 0; s < 256; s++) if (codeSize[s] === len) values.push(s);
  return { bits: bits.slice(0, 17), values };
}
