import { WebSocket } from 'ws';
import { DEVICE_WS_PATH, Orchestrator, PROTOCOL_VERSION } from '@stratus/orchestrator';
import { Balancer, DeviceBrowser, NodeProcess, RedisServer, startOrchestrator, until } from '@stratus/testkit';
import { issueTicket } from '@stratus/orchestrator/dist/src/cluster/ticket';
import { KeyDevice, sessionsAtP95 } from './density';
import { Metric, median, round } from './report';

const FAILOVERS = 3;
const ROUTES = 15;
const DRAINED = 10;
/** The directory lease of the bench's nodes: the default. */
const LEASE_MS = 2000;

const wsOf = (baseUrl: string): string => baseUrl.replace('http', 'ws') + DEVICE_WS_PATH;

/** A device speaking the protocol by hand: enough to say hello, resume, ack frames and time them. */
class BenchDevice {
  readonly texts: any[] = [];
  firstFrameAt = 0;
  closed = false;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d, binary) => {
      if (binary) {
        if (!this.firstFrameAt) this.firstFrameAt = performance.now();
        const frame = (d as Buffer).readUInt32BE(2);
        ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'ui.ack', params: { frame, decodeMs: 1 } }));
      } else this.texts.push(JSON.parse(d.toString()));
    });
    ws.on('close', () => (this.closed = true));
  }
  static async connect(url: string): Promise<BenchDevice> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new BenchDevice(ws);
  }
  request(id: number | string, method: string, params: unknown): void {
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  }
  answer(id: number | string): Promise<any> {
    return until(`the answer to ${id}`, () => this.texts.find((t) => t.id === id));
  }
}

/**
 * Resumes the session at `url`, following one redirect: ms from connecting to the keyframe of the
 * resumed session.
 */
async function resumeTimed(url: string, sessionId: string, resumeToken: string): Promise<{ ms: number; device: BenchDevice }> {
  const began = performance.now();
  let device = await BenchDevice.connect(url);
  device.request(1, 'session.resume', { sessionId, resumeToken });
  let r = await device.answer(1);
  if (r.error?.data?.redirect) {
    device.ws.terminate();
    device = await BenchDevice.connect(r.error.data.redirect.url);
    device.request(1, 'session.resume', { sessionId, resumeToken });
    r = await device.answer(1);
  }
  if (!r.result) throw new Error(`resume refused: ${JSON.stringify(r.error)}`);
  await until('the keyframe', () => device.firstFrameAt > 0);
  return { ms: device.firstFrameAt - began, device };
}

/** Many nodes (issue 19): fail-over, the cost of reaching the wrong node, and what a drain loses. */
export async function benchCluster(): Promise<Metric[]> {
  const redis = await RedisServer.start();
  const balancer = await Balancer.start([]);
  const nodes: Orchestrator[] = [];
  const device = await DeviceBrowser.launch();
  const out: Metric[] = [];
  try {
    for (const id of ['bench-a', 'bench-b']) {
      nodes.push(
        await startOrchestrator({
          ops: { nodeId: id, logLevel: 'fatal', drainIdleMs: 500 },
          cluster: { redisUrl: redis.url, leaseMs: LEASE_MS },
          server: { allowedOrigins: balancer.origin },
          sessions: { max: 40, resumeGraceMs: 30000 }
        })
      );
    }
    const [a, b] = nodes;

    // Fail-over: a node in its own process is killed; its device, behind the balancer, reconnects
    // and paints the first frame of the app re-created on b.
    const failovers: number[] = [];
    for (let i = 0; i < FAILOVERS; i++) {
      const x = await NodeProcess.start([`--cluster.redisUrl=${redis.url}`, `--cluster.leaseMs=${LEASE_MS}`, `--ops.nodeId=bench-x${i}`, `--server.allowedOrigins=${balancer.origin}`, '--ops.logLevel=fatal']);
      try {
        balancer.setNodes([x.url, b.baseUrl]);
        const page = await device.open(b, 'w=1280&h=720&app=portal', undefined, false, balancer, `failover-${i}`);
        // In the page: the moment the first frame of a session other than this one is painted.
        await page.evaluate(() => {
          const c = (window as any).stratusClient;
          const first = c.session.sessionId;
          let paintedAtSwitch = -1;
          const t = setInterval(() => {
            if (!c.session || c.session.sessionId === first || !c.live) return;
            if (paintedAtSwitch < 0) paintedAtSwitch = c.stats.framesPainted;
            if (c.stats.framesPainted > paintedAtSwitch || (c.stats.framesPainted > 0 && c.framesPending === 0)) {
              (window as any).__failoverAt = Date.now();
              clearInterval(t);
            }
          }, 4);
        });
        const killedAt = Date.now();
        x.kill();
        await page.waitForFunction(() => (window as any).__failoverAt > 0, { timeout: 60000, polling: 50 });
        failovers.push((await page.evaluate(() => (window as any).__failoverAt as number)) - killedAt);
        await page.close();
        for (const s of [...b.sessions.values()]) await s.close();
      } finally {
        await x.stop();
      }
    }
    out.push({ metric: 'cluster_failover_to_frame_ms_p50', value: round(median(failovers)), unit: 'ms', note: `kill -9 to the new app's first frame, median of ${FAILOVERS} (${failovers.map((v) => round(v, 0)).join(', ')}); lease ${LEASE_MS} ms` });

    // Reaching the wrong node: a session on b resumed at b, and at a (redirected), alternately.
    const start = await BenchDevice.connect(wsOf(b.baseUrl));
    start.request(1, 'session.hello', { protocol: PROTOCOL_VERSION, screen: { width: 1280, height: 720 }, token: b.issueDeviceToken('route-box'), app: 'portal' });
    const hello = (await start.answer(1)).result;
    if (!hello || !b.sessions.has(hello.sessionId)) throw new Error('the route bench session is not on b');
    let current = start;
    const direct: number[] = [];
    const routed: number[] = [];
    for (let i = 0; i < ROUTES * 2; i++) {
      current.ws.terminate();
      const session = b.sessions.get(hello.sessionId)!;
      await until('b to see the drop', () => !session.deviceAttached);
      const r = await resumeTimed(wsOf((i % 2 === 0 ? b : a).baseUrl), hello.sessionId, hello.resumeToken);
      (i % 2 === 0 ? direct : routed).push(r.ms);
      current = r.device;
    }
    current.ws.terminate();
    for (const s of [...b.sessions.values()]) await s.close();
    out.push({
      metric: 'cluster_route_extra_ms',
      value: round(median(routed) - median(direct)),
      unit: 'ms',
      note: `resume to keyframe through another node (redirect) ${round(median(routed))} ms vs at the owner ${round(median(direct))} ms, medians of ${ROUTES}`
    });

    // Drain: 10 sessions on a, each with a control client asking session.info every 20 ms until
    // it hears its session ended; a drains. Lost: a request sent that got no answer at all.
    balancer.setNodes([a.baseUrl, b.baseUrl]);
    const controls: Array<{ sent: Set<number>; answered: Set<number>; ws: BenchDevice; timer: NodeJS.Timeout | null; heardEnd: boolean }> = [];
    const devices: BenchDevice[] = [];
    for (let i = 0; i < DRAINED; i++) {
      const d = await BenchDevice.connect(wsOf(a.baseUrl));
      const token = a.issueDeviceToken(`drain-${i}`);
      // Each with a ticket for a, as if placed there: all ten are on the node that drains.
      const ticket = issueTicket(a.config.auth.secret, { node: a.nodeId, dev: `drain-${i}`, exp: Date.now() + 60000 });
      d.request(1, 'session.hello', { protocol: PROTOCOL_VERSION, screen: { width: 1280, height: 720 }, token, app: 'portal', ticket });
      const hello = await d.answer(1);
      if (!hello.result) throw new Error(`hello refused: ${JSON.stringify(hello.error)}`);
      devices.push(d);
      const c = await BenchDevice.connect(wsOf(a.baseUrl));
      c.request(1, 'session.join', { sessionId: hello.result.sessionId, token });
      if (!(await c.answer(1)).result) throw new Error('join refused');
      const entry = { sent: new Set<number>(), answered: new Set<number>(), ws: c, timer: null as NodeJS.Timeout | null, heardEnd: false };
      c.ws.on('message', (m, binary) => {
        if (binary) return;
        const msg = JSON.parse(m.toString());
        // A client stops asking once it hears its session has ended.
        if (msg.method === 'session.error') entry.heardEnd = true;
        if (typeof msg.id === 'number' && msg.id >= 100) entry.answered.add(msg.id);
      });
      let seq = 1;
      let id = 100;
      entry.timer = setInterval(() => {
        if (c.ws.readyState !== WebSocket.OPEN || entry.heardEnd) return;
        const n = id++;
        entry.sent.add(n);
        c.ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method: 'session.info', params: {}, seq: seq++ }));
      }, 20);
      controls.push(entry);
    }
    await a.drain();
    await until('every control client to be closed', () => controls.every((c) => c.ws.closed));
    let lost = 0;
    let sent = 0;
    for (const c of controls) {
      if (c.timer) clearInterval(c.timer);
      sent += c.sent.size;
      for (const n of c.sent) if (!c.answered.has(n)) lost++;
    }
    for (const d of devices) d.ws.terminate();
    // What one node of a cluster holds (a drains, so b is the only node that takes sessions).
    const keyDevices: KeyDevice[] = [];
    try {
      const held = await sessionsAtP95(b, keyDevices, 'cluster');
      out.push({ metric: 'cluster_sessions_per_node_at_p95_150ms', value: held.held, unit: 'sessions', note: `one node with the directory on; ${held.note}` });
    } finally {
      for (const d of keyDevices) d.close();
      await until('the sessions to end', () => b.sessions.size === 0, 60000);
    }
    out.push({
      metric: 'cluster_drain_lost_messages',
      value: lost,
      unit: 'count',
      note: `${controls.length} sessions moved off a draining node; ${sent} session.info requests from their control clients, ${lost} unanswered`
    });
  } finally {
    await device.close();
    await balancer.close();
    for (const n of nodes) await n.close();
    await redis.stop();
  }
  return out;
}
