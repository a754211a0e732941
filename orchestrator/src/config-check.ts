import { APP_ENTRY_SCHEMA, APP_ID_PATTERN, arr, check, DEVICE_PROFILE_SCHEMA, DeviceProfile, int, obj, str, STREAM_EVENT_SCRIPT_SCHEMA, StratusError } from '@stratus/protocol';
import type { AppEntry } from './config';
import type { LineupChannel } from './media/media-proxy';

/**
 * What a configuration value may be: the bounds of numbers, the choices of strings, and the
 * checks of the JSON settings (catalogue, line-up, device profiles). config.ts merges; this
 * refuses, always with STRATUS_CONFIG_INVALID naming the setting.
 */

/** Inclusive bounds of each numeric setting; mergeConfig rejects values outside them. */
const BOUNDS: Record<string, [number, number]> = {
  'server.port': [0, 65535],
  'server.maxMessageBytes': [256, 1 << 20],
  'server.handshakeTimeoutMs': [100, 600000],
  'chromium.launchTimeoutMs': [1000, 600000],
  'chromium.protocolTimeoutMs': [1000, 600000],
  'chromium.hangTimeoutMs': [500, 600000],
  'chromium.relaunchWaitMs': [0, 600000],
  'chromium.browsers': [1, 16],
  'sessions.maxCrashes': [1, 100],
  'sessions.crashWindowMs': [1000, 86400000],
  'server.shutdownDeadlineMs': [100, 600000],
  'sessions.max': [1, 1000],
  'sessions.maxPerDevice': [1, 1000],
  'sessions.maxScreenWidth': [160, 7680],
  'sessions.maxScreenHeight': [120, 4320],
  'sessions.idleTimeoutMs': [1000, 86400000],
  'sessions.unloadGraceMs': [0, 10000],
  'sessions.resumeGraceMs': [0, 600000],
  'auth.devTokenTtlS': [60, 31536000],
  'control.rpcTimeoutMs': [10, 600000],
  'control.ratePerS': [1, 100000],
  'control.rateBurst': [1, 100000],
  'control.maxChannels': [0, 64],
  'sessions.appLoadTimeoutMs': [500, 600000],
  'ui.tileSize': [8, 256],
  'ui.window': [1, 16],
  'ui.pngLevel': [0, 9],
  'ui.maxCaptureFailures': [1, 100],
  'ui.damageHintMaxPercent': [0, 100],
  'ui.motionQuality': [1, 100],
  'ui.motionSettleMs': [10, 5000],
  'ui.motionMaxMs': [50, 60000],
  'ui.motionMaxFps': [1, 120],
  'ui.keyPaintWaitMs': [10, 10000],
  'ui.quietVerifyMs': [10, 60000],
  'media.playTimeoutMs': [100, 600000],
  'media.inspectTimeoutMs': [100, 60000],
  'bridge.port': [0, 65535],
  'bridge.segmentSeconds': [1, 10],
  'bridge.maxTranscodes': [1, 256],
  'bridge.idleMs': [0, 3600000],
  'bridge.segmentWaitMs': [1000, 600000],
  'bridge.maxAheadSegments': [1, 10000],
  'hbbtv.parentalThreshold': [0, 255],
  'api.ratePerS': [1, 100000],
  'api.rateBurst': [1, 100000],
  'api.maxBodyBytes': [1024, 16777216],
  'api.eventBuffer': [10, 1000000],
  'api.appErrorsPerMin': [1, 100000],
  'api.webhookTimeoutMs': [100, 600000],
  'api.webhookQueue': [1, 1000000],
  'api.webhookRetryMs': [10, 600000],
  'api.webhookRetryMaxMs': [10, 3600000],
  'api.prewarmTtlMs': [1000, 86400000]
};

/** String settings that only take one of a few values. */
const CHOICES: Record<string, string[]> = {
  'auth.mode': ['development', 'production'],
  'media.fixtureOrigin': ['on', 'off'],
  'ui.damageHints': ['on', 'off'],
  'ui.motion': ['lossy', 'lossless'],
  'ui.copyRects': ['on', 'off'],
  'ui.tileCache': ['on', 'off'],
  'ui.motionLive': ['on', 'off'],
  'ui.motionCrop': ['on', 'off'],
  'ui.screencastPixels': ['on', 'off'],
  'ui.quietScreencast': ['on', 'off'],
  'media.virtualAnswer': ['virtually', 'maybe'],
  'bridge.mode': ['embedded', 'remote', 'off'],
  'bridge.preset': ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium']
};

export function illegal(path: string, why: string): StratusError {
  return new StratusError('STRATUS_CONFIG_INVALID', `${path}: ${why}`);
}

export function coerce(path: string, def: unknown, raw: unknown): unknown {
  if (typeof def === 'number') {
    const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw illegal(path, `expected an integer, got ${JSON.stringify(raw)}`);
    const b = BOUNDS[path];
    if (b && (n < b[0] || n > b[1])) throw illegal(path, `${n} is outside ${b[0]}..${b[1]}`);
    return n;
  }
  if (typeof def === 'string') {
    if (typeof raw !== 'string') throw illegal(path, 'expected a string');
    const choices = CHOICES[path];
    if (choices && !choices.includes(raw)) throw illegal(path, `expected one of ${choices.join(', ')}`);
    return raw;
  }
  if (path === 'apps.catalog') {
    const parsed = typeof raw === 'string' ? safeJson(path, raw) : raw;
    return checkCatalog(path, parsed);
  }
  if (path === 'media.channels') {
    const parsed = typeof raw === 'string' ? safeJson(path, raw) : raw;
    return checkChannels(path, parsed);
  }
  if (path === 'devices.profiles') {
    const parsed = typeof raw === 'string' ? safeJson(path, raw) : raw;
    return checkProfiles(path, parsed);
  }
  throw illegal(path, 'cannot be overridden');
}

function safeJson(path: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw illegal(path, 'is not valid JSON');
  }
}

function checkCatalog(path: string, v: unknown): Record<string, AppEntry> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw illegal(path, 'expected an object of apps');
  const out: Record<string, AppEntry> = {};
  for (const [id, e] of Object.entries(v as Record<string, unknown>)) {
    if (!APP_ID_PATTERN.test(id) || id.length > 64) throw illegal(`${path}.${id}`, 'illegal app id');
    // The same rules as the API's app entries (protocol/src/api.ts).
    const why = check(APP_ENTRY_SCHEMA, e, `${path}.${id}`);
    if (why) throw illegal(`${path}.${id}`, why);
    out[id] = structuredClone(e) as AppEntry;
  }
  return out;
}

/** A programme of a channel's schedule (the page's `programmes`). */
const PROGRAMME_SCHEMA = obj({ name: str(256), description: str(1024), durationS: int(60, 86400) }, ['description']);

function checkChannels(path: string, v: unknown): LineupChannel[] {
  if (!Array.isArray(v) || v.length > 1000) throw illegal(path, 'expected an array of at most 1000 channels');
  const seen = new Set<string>();
  return v.map((e: Partial<LineupChannel>, i) => {
    const at = `${path}[${i}]`;
    if (typeof e?.ccid !== 'string' || !e.ccid || e.ccid.length > 64 || seen.has(e.ccid)) throw illegal(`${at}.ccid`, 'expected a unique id of 1..64 characters');
    seen.add(e.ccid);
    if (typeof e.name !== 'string' || e.name.length > 128) throw illegal(`${at}.name`, 'expected a name of at most 128 characters');
    if (typeof e.url !== 'string' || !/^(https?:\/\/|\/)/.test(e.url)) throw illegal(`${at}.url`, 'expected an http(s) URL or a path');
    for (const k of ['lcn', 'onid', 'tsid', 'sid'] as const) {
      const n = e[k];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) throw illegal(`${at}.${k}`, 'expected 0..65535');
    }
    const ch: LineupChannel = { ccid: e.ccid, lcn: e.lcn as number, name: e.name, onid: e.onid as number, tsid: e.tsid as number, sid: e.sid as number, url: e.url };
    if (e.programmes !== undefined) {
      const why = check(arr(PROGRAMME_SCHEMA, 100), e.programmes, 'programmes');
      if (why) throw illegal(at, why);
      ch.programmes = e.programmes;
    }
    if (e.streamEvents !== undefined) {
      const why = check(arr(STREAM_EVENT_SCRIPT_SCHEMA, 32), e.streamEvents, 'streamEvents');
      if (why) throw illegal(at, why);
      ch.streamEvents = e.streamEvents;
    }
    return ch;
  });
}

function checkProfiles(path: string, v: unknown): Record<string, DeviceProfile> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw illegal(path, 'expected an object of profiles');
  const out: Record<string, DeviceProfile> = {};
  for (const [id, raw] of Object.entries(v as Record<string, unknown>)) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(id) || id.length > 32 || id === 'host') throw illegal(`${path}.${id}`, 'illegal profile id');
    const why = check(DEVICE_PROFILE_SCHEMA, raw, 'profile');
    if (why) throw illegal(`${path}.${id}`, why);
    out[id] = raw as DeviceProfile;
  }
  return out;
}
