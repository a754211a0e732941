import { DEVICE_WS_PATH, ERRORS, isErrorCode, PROTOCOL_VERSION, SchemaNode, TO_ORCHESTRATOR } from '@stratus/protocol';
import { Orchestrator } from '@stratus/orchestrator';
import { WebSocket } from 'ws';
import { until } from './wait';

/** A small, seedable PRNG (mulberry32): the same seed gives the same inputs on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const chance = (r: Rng, p: number): boolean => r() < p;

/** Values of every JSON kind, and the edges programs trip on. */
const ODD: unknown[] = [
  null, true, false, 0, -1, 1.5, -0, 2 ** 53, -(2 ** 63), 1e308, '', ' ', 'x'.repeat(300), '\u0000', '\ud800', '💥',
  '__proto__', 'constructor', [], [null], {}, { __proto__: { polluted: true } }, { constructor: { prototype: {} } }, [[[[[[]]]]]]
];

/** A value the schema accepts (most of the time), so the input reaches past the first check. */
function valid(r: Rng, s: SchemaNode, depth = 0): unknown {
  switch (s.t) {
    case 'int':
      return chance(r, 0.5) ? s.min : chance(r, 0.5) ? s.max : Math.floor(s.min + r() * Math.min(s.max - s.min, 1e6));
    case 'num':
      return s.min + r() * Math.min(s.max - s.min, 1e6);
    case 'str': {
      const len = Math.floor(r() * Math.min(s.max, 40));
      let out = '';
      for (let i = 0; i < len; i++) out += pick(r, ['a', 'Z', '0', '-', '.', '/', ':', ' ', 'é', '\u2028', '<', '"']);
      return out;
    }
    case 'enum':
      return pick(r, s.values);
    case 'bool':
      return chance(r, 0.5);
    case 'arr': {
      const n = Math.floor(r() * Math.min(s.max, 4));
      return Array.from({ length: n }, () => valid(r, s.of, depth + 1));
    }
    case 'obj': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.props)) {
        if (s.optional?.includes(k) && chance(r, 0.5)) continue;
        o[k] = depth > 4 ? null : valid(r, v, depth + 1);
      }
      return o;
    }
  }
}

/** The schema's value with one thing wrong: a type, a range, a missing or extra member. */
function mutate(r: Rng, s: SchemaNode, depth = 0): unknown {
  if (depth > 3 || chance(r, 0.3)) return pick(r, ODD);
  switch (s.t) {
    case 'int':
    case 'num':
      return pick(r, [s.min - 1, s.max + 1, s.min + 0.5, NaN, '1', null, 1e309]);
    case 'str':
      return pick(r, ['x'.repeat(s.max + 1), 5, null, ['a'], '\ud800\udfff\ud800']);
    case 'enum':
      return pick(r, [`${s.values[0]}x`, s.values[0].toUpperCase(), 0, null]);
    case 'bool':
      return pick(r, ['true', 1, null]);
    case 'arr':
      return chance(r, 0.5) ? Array.from({ length: s.max + 1 }, () => valid(r, s.of, depth + 1)) : [mutate(r, s.of, depth + 1)];
    case 'obj': {
      const o = valid(r, s, depth) as Record<string, unknown>;
      const keys = Object.keys(s.props);
      const what = Math.floor(r() * 3);
      if (what === 0 && keys.length) delete o[pick(r, keys)];
      else if (what === 1 && keys.length) o[pick(r, keys)] = mutate(r, s.props[pick(r, keys)], depth + 1);
      else o[pick(r, ['extra', '__proto__', 'constructor', 'toString'])] = pick(r, ODD);
      return o;
    }
  }
}

const METHODS = Object.keys(TO_ORCHESTRATOR) as Array<keyof typeof TO_ORCHESTRATOR>;

/** One generated input: a text message (JSON or not, valid UTF-8 or not) or a binary frame. */
export interface FuzzInput {
  data: string | Buffer;
  binary: boolean;
}

const HANDSHAKE = METHODS.filter((m) => (TO_ORCHESTRATOR[m].roles as string[]).includes('handshake'));
const IN_SESSION = METHODS.filter((m) => !HANDSHAKE.includes(m));

/**
 * Inputs against every method's schema, and against the envelope and the transport around them.
 * `handshake`: before any session (its methods mostly); otherwise inside one, where `nextSeq`
 * numbers the link as a real client would.
 */
export function fuzzInput(r: Rng, handshake: boolean, nextSeq: () => number): FuzzInput {
  const kind = r();
  if (kind < 0.06) {
    // Not JSON, or broken JSON, or bytes that are not UTF-8.
    const garbage = pick(r, ['', '{', '{"jsonrpc":"2.0",', 'null', '[]', '"x"', '1e999', '\u0000\u0001', '{"a":'.repeat(200)]);
    if (chance(r, 0.3)) return { data: Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d]), binary: false };
    return { data: garbage, binary: false };
  }
  if (kind < 0.09) return { data: Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256))), binary: true };
  const method = chance(r, 0.05)
    ? pick(r, ['session.nope', '', 'constructor', '__proto__', 'x'.repeat(200)])
    : pick(r, handshake ? (chance(r, 0.85) ? HANDSHAKE : IN_SESSION) : chance(r, 0.95) ? IN_SESSION : HANDSHAKE);
  const spec = Object.prototype.hasOwnProperty.call(TO_ORCHESTRATOR, method)
    ? (TO_ORCHESTRATOR as Record<string, { params: SchemaNode; request: boolean }>)[method]
    : undefined;
  const params = spec ? (chance(r, 0.35) ? valid(r, spec.params) : mutate(r, spec.params)) : pick(r, ODD);
  const msg: Record<string, unknown> = { jsonrpc: chance(r, 0.95) ? '2.0' : pick(r, ODD), method, params };
  if (spec?.request || chance(r, 0.2)) msg.id = chance(r, 0.9) ? Math.floor(r() * 1e6) : pick(r, ODD);
  const sequenced = spec ? (spec as unknown as { sequenced: boolean }).sequenced : chance(r, 0.5);
  if (sequenced ? chance(r, 0.95) : chance(r, 0.1)) msg.seq = chance(r, 0.9) ? nextSeq() : pick(r, ODD);
  if (chance(r, 0.1)) msg.ack = pick(r, ODD);
  if (chance(r, 0.05)) msg.pad = 'p'.repeat(20000);
  return { data: JSON.stringify(msg), binary: false };
}

export interface FuzzReport {
  inputs: number;
  /** Answers and closes that carry no code from the registry, or STRATUS_INTERNAL. */
  uncoded: string[];
  /** Uncaught exceptions and unhandled rejections in the orchestrator's process, and a dead orchestrator at the end. */
  crashes: number;
  /** Close reasons seen, by code. */
  closes: Record<string, number>;
}

const CLOSE_CODES = new Set(Object.values(ERRORS).map((e) => e.close).filter((c) => c > 0));

/** What is wrong with one received text message, or null when it is coded. */
function uncodedIn(text: string): string | null {
  let m: any;
  try {
    m = JSON.parse(text);
  } catch {
    return `unparseable answer ${text.slice(0, 80)}`;
  }
  const code = m?.error?.data?.code ?? (m?.method === 'session.error' ? m.params?.code : undefined);
  if (m?.error && !code) return `error without a code: ${text.slice(0, 120)}`;
  if (code !== undefined && (!isErrorCode(code) || code === 'STRATUS_INTERNAL')) return `${code}: ${text.slice(0, 160)}`;
  return null;
}

function open(orch: Orchestrator): Promise<WebSocket> {
  const ws = new WebSocket(orch.baseUrl.replace('http', 'ws') + DEVICE_WS_PATH);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/**
 * Sends `inputs` generated inputs (seeded) to the orchestrator's device WebSocket, each on a
 * connection of its own (before any handshake, or right after a hello that opened a session, so
 * the session's handlers see it), and checks that every answer and every close carries a code
 * from the registry and that the orchestrator lives on. Runs in the orchestrator's own process,
 * so its uncaught exceptions are counted too.
 */
export async function runFuzz(orch: Orchestrator, inputs: number, seed: number, opts: { inSessionEvery?: number; app?: string } = {}): Promise<FuzzReport> {
  const r = prng(seed);
  const report: FuzzReport = { inputs: 0, uncoded: [], crashes: 0, closes: {} };
  const crash = (): void => void report.crashes++;
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  const every = opts.inSessionEvery ?? 25;
  const token = orch.issueDeviceToken('fuzz-device');
  try {
    // A few connections at a time, as many devices would send.
    const lanes = 8;
    let next = 0;
    await Promise.all(
      Array.from({ length: lanes }, async (_unused, laneNo) => {
        let lane = laneNo;
        while (next < inputs) {
          const inSession = lane++ % every === 0;
          const ws = await open(orch);
          const texts: string[] = [];
          ws.on('message', (d, isBinary) => {
            if (!isBinary) texts.push(d.toString());
          });
          const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
          let seq = 0;
          if (inSession) {
            ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'hello', method: 'session.hello', params: { protocol: PROTOCOL_VERSION, screen: { width: 640, height: 360 }, token, app: opts.app } }));
            await until('the fuzz session', () => texts.some((t) => t.includes('"id":"hello"')) || ws.readyState !== WebSocket.OPEN, 30000);
          }
          // Before a handshake one input per connection (most end it); in a session, inputs follow
          // each other until one ends it.
          for (let k = 0; k < (inSession ? 40 : 1) && next < inputs && ws.readyState === WebSocket.OPEN; k++) {
            next++;
            report.inputs++;
            const input = fuzzInput(r, !inSession, () => ++seq);
            ws.send(input.data, { binary: input.binary });
            // Something that always answers, sent after the input: once it is answered (or the
            // connection closed), the input has been dealt with.
            const probe = `probe-${k}`;
            ws.send(JSON.stringify(inSession ? { jsonrpc: '2.0', id: probe, method: 'session.info', params: {}, seq: ++seq } : { jsonrpc: '2.0', id: probe, method: 'session.hello', params: { protocol: 0 } }));
            await until('the input to be dealt with', () => ws.readyState !== WebSocket.OPEN || texts.some((t) => t.includes(`"id":"${probe}"`)), 30000);
          }
          if (ws.readyState === WebSocket.OPEN) ws.close(1000);
          const c = await closed;
          for (const t of texts) {
            const bad = uncodedIn(t);
            if (bad) report.uncoded.push(bad);
          }
          report.closes[c.reason || String(c.code)] = (report.closes[c.reason || String(c.code)] ?? 0) + 1;
          const ours = c.code === 1000 || c.code === 1005;
          if (!ours && (!CLOSE_CODES.has(c.code) || !isErrorCode(c.reason) || c.reason === 'STRATUS_INTERNAL')) report.uncoded.push(`close ${c.code} ${c.reason}`);
        }
      })
    );
    await until('the fuzz sessions to end', () => orch.sessions.size === 0, 60000);
    // Alive: still admits a device.
    const ws = await open(orch);
    const answered = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.hello', params: { protocol: PROTOCOL_VERSION, screen: { width: 640, height: 360 }, token, app: opts.app } }));
    const hello = JSON.parse(await answered);
    if (!hello.result?.sessionId) report.crashes++;
    ws.close(1000);
    await until('the last session to end', () => orch.sessions.size === 0, 60000);
  } finally {
    process.off('uncaughtException', crash);
    process.off('unhandledRejection', crash);
  }
  return report;
}
