/**
 * What the cloud page's canPlayType answers before the device reports its own capabilities: the
 * baseline every Stratus device meets (H.264/AAC in MP4, TS, HLS, and DASH through its MSE player
 * or natively). "maybe" because a container alone says nothing of the codecs inside.
 */
export const BASELINE_CAN_PLAY: Record<string, string> = {
  'video/mp4': 'maybe',
  'audio/mp4': 'maybe',
  'audio/mpeg': 'maybe',
  'video/mp2t': 'maybe',
  'application/vnd.apple.mpegurl': 'maybe',
  'application/x-mpegurl': 'maybe',
  'audio/mpegurl': 'maybe',
  'application/dash+xml': 'maybe'
};

/** Codecs (RFC 6381 prefixes) a type may list and still be "probably". */
export const BASELINE_CODECS = ['avc1', 'avc3', 'mp4a'];
