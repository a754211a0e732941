import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Page } from 'puppeteer-core';
import { MediaOrigin, Orchestrator, Overrides, startMediaOrigin } from '@stratus/orchestrator';
import { Balancer, cloud, DeviceBrowser, keysDelivered, lineupFor, MEDIA_ROOT, RawDevice, sessionOf, settle, startOrchestrator, until } from '@stratus/testkit';

/** A log destination that keeps every line, parsed. */
function logSink(): { stream: Writable; lines: Array<Record<string, any>>; raw: string[] } {
  const lines: Array<Record<string, any>> = [];
  const raw: string[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) {
        raw.push(p);
        lines.push(JSON.parse(p));
      }
      done();
    }
  });
  return { stream, lines, raw };
}

async function get(orch: Orchestrator, path: string, token?: string): Promise<{ status: number; text: string; type: string }> {
  const res = await fetch(`${orch.baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

/** One sample's value from Prometheus text, or null when absent. */
function sample(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : null;
}

const OPERATOR = 'ops-test-operator-token-0123456789';

/** Waits for the device's first player to play, and keeps its element as window.playingVideo (across sessions). */
async function rememberPlayingVideo(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const media = (window as any).stratusClient.media;
      const p = media.ids.length ? media.player(media.ids[0]) : null;
      if (!p || p.video.currentTime < 0.5 || p.video.paused) return false;
      (window as any).playingVideo = p.video;
      return true;
    },
    { timeout: 30000 }
  );
}
const ROOT = join(__dirname, '..', '..', '..', '..');

describe('operating a node: metrics, logs, probes', function () {
  this.timeout(120000);
  const sink = logSink();
  let orch: Orchestrator;
  let device: DeviceBrowser;
  before(async () => {
    orch = await startOrchestrator({ ops: { logLevel: 'info', metricsToken: 'scrape-me' }, auth: { operatorToken: OPERATOR } }, sink.stream);
    device = await DeviceBrowser.launch();
  });
  after(async () => {
    await device?.close();
    await orch?.close();
  });

  it('counts sessions, starts, frames and the key-to-paint devices report, with no per-session label, behind its token', async () => {
    const page = await device.open(orch, 'w=1280&h=720&app=portal', undefined, false, undefined, 'metrics-box');
    const session = await sessionOf(orch, page);
    await page.keyboard.press('ArrowRight');
    await settle(orch, page);
    await until('the device to report a key-to-paint', () => page.evaluate(() => (window as any).stratusClient.stats.inputToPaintMs.length > 0));
    // A hello for an app that is not there is counted by its code.
    const raw = await RawDevice.connect(orch, 'metrics-raw');
    raw.hello({ app: 'no-such-app' });
    await raw.closed;

    expect((await get(orch, '/metrics')).status).to.equal(401);
    expect((await get(orch, '/metrics', 'wrong')).status).to.equal(401);
    // The key's ack reaches the orchestrator after the paint the device measured.
    const m = await until('the key-to-paint to be counted', async () => {
      const r = await get(orch, '/metrics', 'scrape-me');
      return (sample(r.text, 'stratus_key_to_paint_seconds_count') ?? 0) >= 1 ? r : null;
    });
    expect(m.status).to.equal(200);
    expect(m.type).to.match(/^text\/plain/);
    expect(sample(m.text, 'stratus_sessions{state="attached"}')).to.equal(1);
    expect(sample(m.text, 'stratus_session_starts_total{result="ok"}')).to.equal(1);
    expect(sample(m.text, 'stratus_session_starts_total{result="STRATUS_UNKNOWN_APP"}')).to.equal(1);
    expect(sample(m.text, 'stratus_ui_frames_total{kind="keyframe"}')).to.be.greaterThan(0);
    expect(sample(m.text, 'stratus_ui_bytes_total')).to.equal(session.layer.counters.bytesSent);
    expect(sample(m.text, 'stratus_capture_seconds_count')).to.be.greaterThan(0);
    expect(sample(m.text, 'stratus_ready')).to.equal(1);
    expect(sample(m.text, 'stratus_draining')).to.equal(0);
    expect(sample(m.text, 'stratus_chromium_crashes_total')).to.equal(0);
    expect(sample(m.text, 'stratus_transcodes_total')).to.equal(0);
    // The process's own metrics come along.
    expect(sample(m.text, 'process_cpu_user_seconds_total')).to.be.greaterThan(0);
    expect(m.text).to.include('nodejs_eventloop_lag_seconds');
    // Nothing names a session or a device.
    expect(m.text).to.not.include(session.id);
    expect(m.text).to.not.include('metrics-box');
    await page.close();
    await until('the session to end', () => orch.sessions.size === 0);
  });

  it('logs JSON lines bound to the node, the session and the device, and never a credential', async () => {
    const page = await device.open(orch, 'w=1280&h=720&app=portal', undefined, false, undefined, 'log-box');
    const session = await sessionOf(orch, page);
    const token = await page.evaluate(() => new URLSearchParams(location.search).get('token'));
    await page.close();
    await until('the session to end', () => orch.sessions.size === 0);
    const mine = await until('the end of the session in the log', () => {
      const lines = sink.lines.filter((l) => l.session === session.id);
      return lines.some((l) => l.msg === 'session ended') ? lines : null;
    });
    expect(mine.map((l) => l.msg)).to.include.members(['session starting', 'session ended']);
    for (const l of mine) expect(l).to.include({ node: orch.nodeId, device: 'log-box' });
    // The page closed: its socket dropped, and no resume came.
    expect(mine.find((l) => l.msg === 'session ended')).to.include({ app: 'portal', code: 'STRATUS_TRANSPORT_LOST' });
    for (const l of sink.lines) expect(l).to.have.property('node', orch.nodeId);
    expect(sink.raw.join('\n')).to.not.include(token);
    expect(sink.raw.join('\n')).to.not.include(OPERATOR);
  });

  it('is alive and ready; draining, it is alive, not ready, refuses new sessions with a coded error, and moves an idle one', async () => {
    const node = await startOrchestrator({ ops: { drainIdleMs: 200, logLevel: 'info' }, auth: { operatorToken: OPERATOR } }, sink.stream);
    try {
      expect((await get(node, '/livez')).status).to.equal(200);
      const ready = await get(node, '/readyz');
      expect([ready.status, JSON.parse(ready.text).draining]).to.deep.equal([200, false]);
      const idle = await RawDevice.connect(node, 'drain-idle');
      idle.hello({ app: 'portal' });
      await idle.helloResult();
      idle.ackFrames();
      await until('its first frame', () => idle.frames.length > 0);

      // The operator API answers at once; the drain goes on.
      const answer = await fetch(`${node.baseUrl}/api/node/drain`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}` } });
      expect(answer.status).to.equal(200);
      expect(await answer.json()).to.deep.include({ node: node.nodeId, ready: false, draining: true });
      const notReady = await get(node, '/readyz');
      expect([notReady.status, JSON.parse(notReady.text).draining]).to.deep.equal([503, true]);
      expect((await get(node, '/livez')).status).to.equal(200);

      const late = await RawDevice.connect(node, 'drain-late');
      late.hello({ app: 'portal' });
      const refused = await late.helloResult().catch((e: { code: string }) => e.code);
      expect(refused).to.equal('STRATUS_NODE_DRAINING');
      expect((await late.closed).code).to.equal(4006);
      const prewarm = await fetch(`${node.baseUrl}/api/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
        body: JSON.stringify({ deviceId: 'drain-prewarm', appId: 'portal' })
      });
      expect([prewarm.status, ((await prewarm.json()) as any).error.code]).to.deep.equal([503, 'STRATUS_NODE_DRAINING']);

      // The idle session is moved: its device hears the code that makes it say hello elsewhere.
      expect((await idle.closed).code).to.equal(4006);
      await node.drain();
      expect(node.sessions.size).to.equal(0);
      const moved = sink.lines.find((l) => l.node === node.nodeId && l.msg === 'moving a session off the draining node');
      expect(moved).to.include({ device: 'drain-idle', why: 'idle' });
      const m = await get(node, '/metrics');
      expect(sample(m.text, 'stratus_sessions_moved_total{reason="drain"}')).to.equal(1);
      expect(sample(m.text, 'stratus_session_starts_total{result="STRATUS_NODE_DRAINING"}')).to.equal(2);
      expect(sample(m.text, 'stratus_draining')).to.equal(1);
      expect(sample(m.text, 'stratus_ready')).to.equal(0);
    } finally {
      await node.close();
    }
  });

  it('scripts/drain.js (the preStop hook) drains the node and returns once it holds no session', async () => {
    const node = await startOrchestrator({ ops: { drainIdleMs: 200 }, auth: { operatorToken: OPERATOR } });
    try {
      const d = await RawDevice.connect(node, 'drain-hook');
      d.hello({ app: 'portal' });
      await d.helloResult();
      d.ackFrames();
      const env = { ...process.env, STRATUS_AUTH_OPERATOR_TOKEN: OPERATOR };
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [join(ROOT, 'scripts', 'drain.js'), node.baseUrl], { env });
        let stderr = '';
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(run).to.deep.equal({ code: 0, stderr: '' });
      expect(node.sessions.size).to.equal(0);
      expect((await d.closed).code).to.equal(4006);
      // Without the operator token it cannot ask, and says so.
      const refused = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [join(ROOT, 'scripts', 'drain.js'), node.baseUrl], { env: { ...process.env, STRATUS_AUTH_OPERATOR_TOKEN: 'wrong-token' } });
        child.on('close', resolve);
      });
      expect(refused).to.equal(1);
    } finally {
      await node.close();
    }
  });

  it('moves a session whose viewer keeps using it at the drain deadline', async () => {
    const node = await startOrchestrator({ ops: { drainIdleMs: 600000, drainDeadlineMs: 1500, logLevel: 'info' } }, sink.stream);
    try {
      const busy = await RawDevice.connect(node, 'drain-busy');
      busy.hello({ app: 'portal' });
      await busy.helloResult();
      await node.drain();
      expect((await busy.closed).code).to.equal(4006);
      const moved = sink.lines.find((l) => l.node === node.nodeId && l.msg === 'moving a session off the draining node');
      expect(moved).to.include({ device: 'drain-busy', why: 'deadline' });
    } finally {
      await node.close();
    }
  });
});

describe('draining a node behind a load balancer (two nodes, real device)', function () {
  this.timeout(180000);
  let origin: MediaOrigin;
  let a: Orchestrator;
  let b: Orchestrator;
  let balancer: Balancer;
  let device: DeviceBrowser;
  const node = (): Overrides => ({
    ops: { drainIdleMs: 300 },
    media: { channels: lineupFor(origin), allowPrivate: '127.0.0.1' },
    apps: { default: 'media', catalog: JSON.stringify({ media: { url: `/apps/media/?origin=${encodeURIComponent(origin.baseUrl)}`, width: 1280, height: 720 } }) }
  });
  before(async () => {
    origin = await startMediaOrigin(MEDIA_ROOT);
    a = await startOrchestrator(node());
    b = await startOrchestrator(node());
    // Node A first while it is ready, as a balancer that happened to pick it.
    balancer = await Balancer.start([a.baseUrl, b.baseUrl]);
    device = await DeviceBrowser.launch();
  });
  after(async () => {
    await device?.close();
    await balancer?.close();
    await a?.close();
    await b?.close();
    await origin?.close();
  });

  it('moves the device to the other node: a new session there, and its video never stops', async () => {
    const page = await device.open(a, 'w=1280&h=720', undefined, false, balancer, 'moving-box');
    try {
      const first = await sessionOf(a, page);
      await cloud(first, () => (window as any).mediaApp.playVod());
      await rememberPlayingVideo(page);
      const video = () => page.evaluate(() => {
        const v = (window as any).playingVideo as HTMLVideoElement;
        return { time: v.currentTime, paused: v.paused, attached: v.isConnected, carried: (window as any).stratusClient.media.carriedCount as number };
      });
      await a.drain();
      expect(a.sessions.size).to.equal(0);
      const second = await until('a session on the other node', () => [...b.sessions.values()][0]);
      expect(second.deviceId).to.equal('moving-box');
      await settle(b, page);
      expect(await page.evaluate(() => (window as any).stratusClient.stats.moves)).to.equal(1);
      // The video went on playing through the move, on the same element.
      const after = await video();
      expect(after).to.include({ paused: false, attached: true, carried: 1 });
      // The new app is told what the device plays, to rebuild its UI around it.
      const carried = await cloud(second, () => (window as any).stratus.media.carried);
      expect(carried).to.have.length(1);
      expect(carried[0]).to.include({ kind: 'video', url: `${origin.baseUrl}/vod/h264/index.m3u8`, paused: false });
      expect(carried[0].currentTime).to.be.greaterThan(0.4);
      await until('the video to advance after the move', async () => (await video()).time > after.time + 0.2);
      // The new app plays media of its own: the carried player gives way to it.
      await page.keyboard.press('Enter');
      await keysDelivered(b, page);
      await until('the new app to play', async () => (await cloud(second, () => ((window as any).mediaLog as Array<{ type: string }>).some((e) => e.type === 'playing'))) === true);
      expect(await video()).to.include({ attached: false, carried: 0 });
    } finally {
      await page.close();
      await until('the sessions to end', () => a.sessions.size === 0 && b.sessions.size === 0);
    }
  });

  it('a device whose session is gone when it comes back starts a new one, its video playing on and told to the new app', async () => {
    // A grace shorter than the device's first retry: its session is gone when it resumes.
    const short = await startOrchestrator({ ...node(), sessions: { resumeGraceMs: 50 } });
    try {
      const page = await device.open(short, 'w=1280&h=720', undefined, false, undefined, 'lost-box');
      const first = await sessionOf(short, page);
      await cloud(first, () => (window as any).mediaApp.playVod());
      await rememberPlayingVideo(page);
      await page.evaluate(() => (window as any).stratusClient.dropConnection());
      const second = await until('a new session', () => [...short.sessions.values()].find((s) => s.id !== first.id && !s.isClosing), 60000);
      await until('the device to be live on it', () => page.evaluate((id) => (window as any).stratusClient.live && (window as any).stratusClient.session.sessionId === id, second.id));
      const v = await page.evaluate(() => ({ paused: (window as any).playingVideo.paused, attached: (window as any).playingVideo.isConnected }));
      expect(v).to.deep.equal({ paused: false, attached: true });
      const carried = await cloud(second, () => (window as any).stratus.media.carried);
      expect(carried.map((c: { kind: string }) => c.kind)).to.deep.equal(['video']);
      await page.close();
    } finally {
      await short.close();
    }
  });
});
