/**
 * The codecs of an MPEG-TS segment, from its PAT and PMT (ISO/IEC 13818-1), without spawning
 * ffprobe: the common HLS case costs one small fetch instead of a process. Returns null when the
 * bytes do not hold a whole PMT, and the caller falls back to ffprobe.
 */
const STREAM_TYPES: Record<number, string> = {
  0x01: 'mpeg1video', 0x02: 'mpeg2video', 0x03: 'mp3', 0x04: 'mp3', 0x0f: 'aac', 0x11: 'aac',
  0x1b: 'avc', 0x24: 'hevc', 0x81: 'ac3', 0x87: 'eac3'
};
/** Descriptors that name the codec of a private (0x06) stream. */
const DESCRIPTOR_CODECS: Record<number, string> = { 0x6a: 'ac3', 0x7a: 'eac3' };

function section(pkt: Buffer): Buffer | null {
  if (pkt[0] !== 0x47 || !(pkt[1] & 0x40)) return null;
  let off = 4;
  const afc = (pkt[3] >> 4) & 3;
  if (afc === 2) return null;
  if (afc === 3) off += 1 + pkt[4];
  if (off >= 188) return null;
  off += 1 + pkt[off];
  return off < 188 ? pkt.subarray(off, 188) : null;
}

export function tsCodecs(data: Buffer): string[] | null {
  let pmtPid = -1;
  for (let p = 0; p + 188 <= data.length; p += 188) {
    const pkt = data.subarray(p, p + 188);
    if (pkt[0] !== 0x47) return null;
    const pid = ((pkt[1] & 0x1f) << 8) | pkt[2];
    const s = section(pkt);
    if (!s) continue;
    if (pid === 0 && pmtPid < 0 && s[0] === 0x00) {
      const end = Math.min(s.length, 3 + (((s[1] & 0x0f) << 8) | s[2]) - 4);
      for (let i = 8; i + 4 <= end; i += 4) {
        if (((s[i] << 8) | s[i + 1]) !== 0) {
          pmtPid = ((s[i + 2] & 0x1f) << 8) | s[i + 3];
          break;
        }
      }
    } else if (pid === pmtPid && s[0] === 0x02) {
      const end = 3 + (((s[1] & 0x0f) << 8) | s[2]) - 4;
      if (end > s.length) return null;
      const codecs: string[] = [];
      for (let i = 12 + (((s[10] & 0x0f) << 8) | s[11]); i + 5 <= end; ) {
        const type = s[i];
        const infoLen = ((s[i + 3] & 0x0f) << 8) | s[i + 4];
        let codec = STREAM_TYPES[type];
        if (!codec && type === 0x06) {
          for (let d = i + 5; d + 2 <= i + 5 + infoLen; d += 2 + s[d + 1]) codec ??= DESCRIPTOR_CODECS[s[d]];
        }
        if (codec && !codecs.includes(codec)) codecs.push(codec);
        i += 5 + infoLen;
      }
      return codecs.length ? codecs : null;
    }
  }
  return null;
}
