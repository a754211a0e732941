/** What the client has measured; the emulator's overlay and the tests read it. */
export interface ClientStats {
  framesPainted: number;
  framesDropped: number;
  uiBytes: number;
  keysSent: number;
  /** Keys the cloud app's keyset left out: kept on the device, never sent. */
  keysKeptForTv: number;
  keyframeRequests: number;
  reconnects: number;
  /** Times a draining node moved the session away: a new one started elsewhere, the video playing on. */
  moves: number;
  /** Times the cloud reloaded the app in this session (session.reloaded: its page crashed or hung, or the browser was relaunched). */
  appReloads: number;
  /** Key-to-paint samples, in ms, for keys whose effect has been painted. */
  inputToPaintMs: number[];
  decodeMs: number[];
  /** From starting a reconnect attempt to painting the keyframe of the resumed session. */
  resumeToKeyframeMs: number[];
  /** Cloud requests handled, by method: each exactly once, however often the link drops. */
  requestsHandled: { [method: string]: number };
  lastError: { code: string; message: string } | null;
}

var MAX_SAMPLES = 1000;

export function newClientStats(): ClientStats {
  return {
    framesPainted: 0,
    framesDropped: 0,
    uiBytes: 0,
    keysSent: 0,
    keysKeptForTv: 0,
    keyframeRequests: 0,
    reconnects: 0,
    moves: 0,
    appReloads: 0,
    inputToPaintMs: [],
    decodeMs: [],
    resumeToKeyframeMs: [],
    requestsHandled: {},
    lastError: null
  };
}

/** Keeps the latest MAX_SAMPLES of a series, so a session of days holds no more than that. */
export function pushSample(list: number[], v: number): void {
  list.push(v);
  if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
}
