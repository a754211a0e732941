import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Page } from 'puppeteer-core';
import { StratusClient } from '@stratus/client';
import { StratusEvent } from '@stratus/protocol';
import { DeviceBrowser, startOrchestrator, until } from '@stratus/testkit';
import { Metric, median, round } from './report';

const OPERATOR_TOKEN = 'bench-operator-token-0123456789abcdef';
const RPC_CALLS = 200;
const EVENTS = 60;
const FLAKY_S = Number(process.env.STRATUS_BENCH_WEBHOOK_S ?? 60);

/**
 * In the emulator page, before its code: when its WebSocket opens and when its first frame, and
 * the first frame after each app reload, is painted (polled every 4 ms, the measuring error).
 */
function watchDevice(): void {
  const w = window as any;
  const marks = { connect: 0, firstFrame: 0, reloads: [] as number[] };
  w.__benchMarks = marks;
  const Ws = w.WebSocket;
  w.WebSocket = function (url: string, p?: string) {
    if (!marks.connect) marks.connect = performance.now();
    return p === undefined ? new Ws(url) : new Ws(url, p);
  };
  w.WebSocket.prototype = Ws.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) w.WebSocket[k] = Ws[k];
  let reloads = 0;
  let paintedAtReload = 0;
  setInterval(() => {
    const s = w.stratusClient?.stats;
    if (!s) return;
    if (!marks.firstFrame && s.framesPainted > 0) marks.firstFrame = performance.now();
    if (s.appReloads > reloads) {
      reloads = s.appReloads;
      paintedAtReload = s.framesPainted;
    }
    if (reloads > marks.reloads.length && s.framesPainted > paintedAtReload) marks.reloads.push(Date.now());
  }, 4);
}

async function openWatched(device: DeviceBrowser, baseUrl: string, token: string, app: string): Promise<Page> {
  const page = await device.browser.newPage();
  await page.evaluateOnNewDocument(watchDevice);
  await page.goto(`${baseUrl}/?w=1280&h=720&app=${app}&token=${encodeURIComponent(token)}`);
  await page.waitForFunction(() => (window as any).__benchMarks?.firstFrame > 0, { timeout: 30000 });
  return page;
}

/** Connect to first frame painted, on the device's clock. */
function redToFrame(page: Page): Promise<number> {
  return page.evaluate(() => {
    const m = (window as any).__benchMarks;
    return m.firstFrame - m.connect;
  });
}

/** The integration API's figures (issue 18), each beside its baseline from the same run. */
export async function benchApi(): Promise<Metric[]> {
  const orch = await startOrchestrator({ auth: { operatorToken: OPERATOR_TOKEN }, api: { webhookAllowPrivate: '127.0.0.1', ratePerS: 100000, rateBurst: 100000 } });
  const device = await DeviceBrowser.launch();
  const servers: Server[] = [];
  try {
    const op = new StratusClient({ baseUrl: orch.baseUrl, apiKey: OPERATOR_TOKEN });
    const key = (await op.createKey('broadcaster:newsroom', 'bench')).key;
    const api = new StratusClient({ baseUrl: orch.baseUrl, apiKey: key });
    await op.createApp({ id: 'newsroom-portal', url: '/apps/portal/', width: 1280, height: 720, owner: 'newsroom' });

    // Red button to first frame: a cold session, then a pre-warmed one, same device, same app.
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await openWatched(device, orch.baseUrl, orch.issueDeviceToken(`bench-cold-${i}`), 'newsroom');
      cold.push(await redToFrame(c));
      await c.close();
      const reserved = await api.prewarm({ deviceId: `bench-warm-${i}`, appId: 'newsroom' });
      // Pre-warmed means ready: the app loaded and its first frame built (the viewer presses red later).
      await until('the pre-warmed keyframe', () => (orch.sessions.get(reserved.sessionId)?.layer.stats.readyKeyframes ?? 0) > 0, 30000);
      const w = await openWatched(device, orch.baseUrl, orch.issueDeviceToken(`bench-warm-${i}`), 'newsroom');
      if (!(await api.listSessions()).some((s) => s.deviceId === `bench-warm-${i}` && s.prewarmed && s.deviceAttached)) throw new Error('the device did not claim its pre-warmed session');
      warm.push(await redToFrame(w));
      await w.close();
    }
    for (const s of [...orch.sessions.values()]) await s.close();

    // One session for the rest.
    const page = await openWatched(device, orch.baseUrl, orch.issueDeviceToken('bench-box'), 'newsroom');
    const session = (await api.listSessions())[0];

    // RPC round trip over HTTP, beside the HTTP floor (/healthz) on the same connection pool.
    const rpc: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < RPC_CALLS; i++) {
      let t = performance.now();
      await fetch(`${orch.baseUrl}/healthz`).then((r) => r.text());
      floor.push(performance.now() - t);
      t = performance.now();
      await api.rpc(session.sessionId, 'session.info', {});
      rpc.push(performance.now() - t);
    }

    // app.launch to the device painting the new app, and back.
    const launch: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = Date.now();
      await api.launch(session.sessionId, i % 2 === 0 ? 'newsroom-portal' : 'newsroom');
      await page.waitForFunction((n) => (window as any).__benchMarks.reloads.length >= n, { timeout: 30000 }, i + 1);
      launch.push((await page.evaluate((n) => (window as any).__benchMarks.reloads[n], i)) - t);
    }

    // Event latency: the app's answers (app.message events) at an SSE client and at a webhook.
    const hookSeen = new Map<string, number>();
    const hookServer = createServer((req, res) => {
      const at = Date.now();
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const e = JSON.parse(body) as StratusEvent;
        if (!hookSeen.has(e.id)) hookSeen.set(e.id, at - Date.parse(e.time));
        res.writeHead(204).end();
      });
    });
    servers.push(hookServer);
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
    const hook = await api.createWebhook(`http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/`, { types: ['app.message'] });
    const sse: number[] = [];
    const abort = new AbortController();
    const reading = (async () => {
      for await (const item of api.events({ types: ['app.message'], signal: abort.signal })) {
        if (item.kind === 'event') sse.push(Date.now() - Date.parse(item.event.time));
      }
    })().catch(() => undefined);
    await until('the SSE stream to open', async () => (await fetch(`${orch.baseUrl}/healthz`)).ok);
    for (let i = 0; i < EVENTS; i++) {
      await api.message(session.sessionId, { id: i, breaking: `bench ${i}` });
      await until('the answer at both', () => sse.length > i && hookSeen.size > i, 10000);
    }
    abort.abort();
    await reading;
    await api.deleteWebhook(hook.id);
    const hookLatency = [...hookSeen.values()];

    // At-least-once: a receiver that fails 30 % of deliveries for FLAKY_S seconds.
    const delivered = new Set<string>();
    let attempts = 0;
    let refused = 0;
    const flaky = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        attempts++;
        if (Math.random() < 0.3) {
          refused++;
          res.writeHead(503).end();
          return;
        }
        delivered.add((JSON.parse(body) as StratusEvent).id);
        res.writeHead(204).end();
      });
    });
    servers.push(flaky);
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', () => r()));
    const flakyHook = await api.createWebhook(`http://127.0.0.1:${(flaky.address() as AddressInfo).port}/`);
    const published: string[] = [];
    const mine = (e: { event: StratusEvent; owner: string | undefined }): void => {
      if (e.owner === 'newsroom') published.push(e.event.id);
    };
    orch.api.events.on('event', mine);
    const end = Date.now() + FLAKY_S * 1000;
    let n = 0;
    while (Date.now() < end) {
      await api.message(session.sessionId, { id: n++, breaking: 'flaky' });
      await new Promise((r) => setTimeout(r, 100));
    }
    await until('the flaky webhook to drain', async () => (await api.getWebhook(flakyHook.id)).queued === 0 && published.every((id) => delivered.has(id)), 120000).catch(() => undefined);
    orch.api.events.off('event', mine);
    const lost = published.filter((id) => !delivered.has(id)).length;
    const counters = await api.getWebhook(flakyHook.id);

    return [
      { metric: 'api_rpc_roundtrip_ms_p50', value: round(median(rpc), 2), unit: 'ms', note: `${RPC_CALLS} POST /api/sessions/{id}/rpc session.info; baseline GET /healthz ${round(median(floor), 2)} ms` },
      { metric: 'api_launch_to_first_frame_ms', value: round(median(launch)), unit: 'ms', note: `median of ${launch.length} app.launch calls, to the device painting the new app` },
      { metric: 'api_prewarmed_red_to_frame_ms', value: round(median(warm)), unit: 'ms', note: `device connect to first frame, pre-warmed (its keyframe built); cold session in the same run ${round(median(cold))} ms (medians of ${warm.length})` },
      { metric: 'api_event_latency_ms_p50', value: round(median([...sse, ...hookLatency]), 1), unit: 'ms', note: `event time to receipt: SSE ${round(median(sse), 1)} ms, webhook ${round(median(hookLatency), 1)} ms (${EVENTS} app.message events each)` },
      { metric: 'api_webhook_events_lost', value: lost, unit: 'count', note: `${published.length} events over ${FLAKY_S} s to a receiver refusing 30 %: ${attempts} attempts, ${refused} refused, ${counters.dropped} dropped` }
    ];
  } finally {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    await device.close();
    await orch.close();
  }
}
