/** The DOM's error and time-range objects, made the way a browser makes them. */
import type { Failure } from './rpc';

export function domError(f: Failure): DOMException {
  const m = /^(NotAllowedError|NotSupportedError|AbortError):/.exec(f.message);
  if (m) return new DOMException(f.message, m[1]);
  if (f.code === 'STRATUS_MEDIA_SOURCE_UNSUPPORTED' || mediaErrorCode(f.code) === 4) return new DOMException(`${f.code}: ${f.message}`, 'NotSupportedError');
  return new DOMException(`${f.code}: ${f.message}`, 'AbortError');
}

/** The wire encodes NaN as -1 and Infinity (live) as -2. */
export function decodeDuration(d: number): number {
  return d === -1 ? NaN : d === -2 ? Infinity : d;
}

export function timeRanges(list: number[][]): TimeRanges {
  const ranges = list.slice();
  const check = (i: number): number[] => {
    if (!(i >= 0 && i < ranges.length)) throw new DOMException(`index ${i} is out of range`, 'IndexSizeError');
    return ranges[i];
  };
  return Object.create(TimeRanges.prototype, {
    length: { value: ranges.length },
    start: { value: (i: number) => check(i)[0] },
    end: { value: (i: number) => check(i)[1] }
  }) as TimeRanges;
}

export function mediaError(code: number, message: string): MediaError {
  return Object.create(MediaError.prototype, { code: { value: code }, message: { value: message } }) as MediaError;
}

/** The MediaError code a refused load becomes: the source cannot play (4), a fetch (2), a decode (3). */
export function mediaErrorCode(code: string): number {
  if (/^STRATUS_(MEDIA_UNSUPPORTED|MEDIA_NOT_MEDIA|MEDIA_SOURCE_FORBIDDEN|MEDIA_VIRTUAL_OFF)$/.test(code)) return 4;
  return code === 'STRATUS_BRIDGE_FAILED' ? 3 : 2;
}
