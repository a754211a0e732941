import { expect } from 'chai';
import { WebSocket } from 'ws';
import { DEVICE_WS_PATH, Orchestrator, PROTOCOL_VERSION, Session } from '@stratus/orchestrator';
import type { Page } from 'puppeteer-core';
import { StratusApiError, StratusClient } from '@stratus/client';
import { issueTicket } from '@stratus/orchestrator/dist/src/cluster/ticket';
import { Balancer, cloud, cloudMismatch, layerAtRest, DeviceBrowser, NodeProcess, RawDevice, RedisServer, sessionOf, settle, startOrchestrator, until } from '@stratus/testkit';


/** One handshake on a fresh socket to `url`: the response, and how the socket closed. */
async function handshake(url: string, method: string, params: Record<string, unknown>): Promise<{ response: any; close: number | null; ws: WebSocket }> {
  const ws = new WebSocket(url);
  const texts: any[] = [];
  let close: number | null = null;
  ws.on('message', (d, binary) => {
    if (!binary) texts.push(JSON.parse(d.toString()));
  });
  ws.on('close', (code) => (close = code));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  const response = await until(`the ${method} response`, () => texts.find((t) => t.id === 1));
  if (response.error) await until('the close', () => close !== null);
  return { response, close, ws };
}

/**
 * The layer of a session that is not the page's first is at rest: `keys` keys reached it, and
 * nothing is left to capture, in flight or unpainted. (testkit's settle counts the page's keys
 * since it loaded, which a new session of the same page has not all seen.)
 */
async function layerSettled(session: Session, page: Page, keys: number): Promise<void> {
  await until('the keys to reach the new session', () => session.input.keys >= keys);
  await session.input.drained();
  await layerAtRest(session, page);
}

const OPERATOR = 'cluster-operator-token-0123456789abcdef';

const wsOf = (o: Orchestrator): string => o.baseUrl.replace('http', 'ws') + DEVICE_WS_PATH;

describe('many nodes: a Redis session directory, placement and redirects (real Redis, three nodes)', function () {
  this.timeout(180000);
  let redis: RedisServer;
  let balancer: Balancer;
  const nodes: Orchestrator[] = [];
  let device: DeviceBrowser;
  before(async () => {
    redis = await RedisServer.start();
    // Devices load their page through the balancer, so every node accepts that origin.
    balancer = await Balancer.start([]);
    for (const id of ['node-a', 'node-b', 'node-c']) {
      nodes.push(
        await startOrchestrator({
          ops: { nodeId: id, logLevel: 'fatal' },
          auth: { operatorToken: OPERATOR },
          cluster: { redisUrl: redis.url, leaseMs: 1000 },
          server: { allowedOrigins: balancer.origin },
          sessions: { resumeGraceMs: 30000 }
        })
      );
    }
    device = await DeviceBrowser.launch();
  });
  after(async () => {
    await device?.close();
    await balancer?.close();
    for (const n of nodes) await n.close();
    await redis?.stop();
  });
  afterEach(async () => {
    for (const n of nodes) for (const s of [...n.sessions.values()]) await s.close();
  });

  it('places new sessions on the least-loaded node: a hello elsewhere is redirected there with a ticket', async () => {
    const [a, b, c] = nodes;
    const token = (dev: string) => a.issueDeviceToken(dev);
    const hello = (dev: string, extra: Record<string, unknown> = {}) => ({ protocol: PROTOCOL_VERSION, screen: { width: 1280, height: 720 }, token: token(dev), ...extra });
    // Everyone at 0: the node asked keeps it.
    const first = await handshake(wsOf(a), 'session.hello', hello('box-1'));
    expect(first.response.result.sessionId).to.be.a('string');
    expect(a.sessions.size).to.equal(1);
    // Now a holds one: the next goes to b (the first by id of the least loaded), by redirect.
    const second = await handshake(wsOf(a), 'session.hello', hello('box-2'));
    expect(second.response.error.data.code).to.equal('STRATUS_REDIRECT');
    expect(second.close).to.equal(4007);
    const to = second.response.error.data.redirect;
    expect(to.url).to.equal(wsOf(b));
    expect(a.sessions.size).to.equal(1);
    // The ticket is for b and this device only.
    const stolen = await handshake(wsOf(c), 'session.hello', hello('box-2', { ticket: to.ticket }));
    expect(stolen.response.error.data.code).to.equal('STRATUS_AUTH_INVALID');
    const other = await handshake(to.url, 'session.hello', hello('box-9', { ticket: to.ticket }));
    expect(other.response.error.data.code).to.equal('STRATUS_AUTH_INVALID');
    const followed = await handshake(to.url, 'session.hello', hello('box-2', { ticket: to.ticket }));
    expect(followed.response.result.sessionId).to.be.a('string');
    expect(b.sessions.has(followed.response.result.sessionId)).to.equal(true);
    // And the third to c.
    const third = await handshake(wsOf(b), 'session.hello', hello('box-3'));
    expect(third.response.error.data.redirect.url).to.equal(wsOf(c));

    // A resume that reaches the wrong node is sent to the owner (no ticket needed there).
    second.ws.terminate();
    followed.ws.terminate();
    const { sessionId, resumeToken } = followed.response.result;
    await until('b to see the drop', () => !b.sessions.get(sessionId)!.deviceAttached);
    const wrong = await handshake(wsOf(c), 'session.resume', { sessionId, resumeToken });
    expect(wrong.response.error.data).to.deep.equal({ code: 'STRATUS_REDIRECT', redirect: { url: wsOf(b) } });
    const resumed = await handshake(wrong.response.error.data.redirect.url, 'session.resume', { sessionId, resumeToken });
    expect(resumed.response.result.sessionId).to.equal(sessionId);
    // A session nobody has is unknown everywhere.
    const none = await handshake(wsOf(a), 'session.resume', { sessionId: '00000000-0000-4000-8000-000000000000', resumeToken });
    expect(none.response.error.data.code).to.equal('STRATUS_UNKNOWN_SESSION');
    // A control client that joins at the wrong node is sent to the owner too.
    const join = await handshake(wsOf(a), 'session.join', { sessionId, token: token('box-2') });
    expect(join.response.error.data.redirect.url).to.equal(wsOf(b));
    const joined = await handshake(join.response.error.data.redirect.url, 'session.join', { sessionId, token: token('box-2') });
    expect(joined.response.result.role).to.equal('control');
    for (const h of [first, resumed, joined]) h.ws.terminate();
  });

  it('a draining node moves its idle session with no control request unanswered, and sends the new hello of that device on to another node', async () => {
    const d = await startOrchestrator({ ops: { nodeId: 'node-d', drainIdleMs: 200, logLevel: 'fatal' }, cluster: { redisUrl: redis.url, leaseMs: 1000 } });
    try {
      const box = await RawDevice.connect(d, 'drained-box');
      // With a ticket for node-d, as if placed there: d serves it whatever the loads are.
      box.hello({ app: 'portal', ticket: issueTicket(d.config.auth.secret, { node: 'node-d', dev: 'drained-box', exp: Date.now() + 30000 }) });
      const { sessionId } = await box.helloResult();
      box.ackFrames();
      // A control client keeps asking while the session is moved: every request gets its answer.
      const control = await handshake(wsOf(d), 'session.join', { sessionId, token: d.issueDeviceToken('drained-box') });
      const answered = new Set<number>();
      const sent: number[] = [];
      // As a client does, it stops asking once it hears its session has ended.
      let heardEnd = false;
      control.ws.on('message', (m, binary) => {
        const msg = binary ? null : JSON.parse(m.toString());
        if (msg?.method === 'session.error') heardEnd = true;
        if (typeof msg?.id === 'number' && msg.id >= 100) answered.add(msg.id);
      });
      let seq = 0;
      const asking = setInterval(() => {
        if (control.ws.readyState !== WebSocket.OPEN || heardEnd) return;
        const id = 100 + sent.length;
        sent.push(id);
        control.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'session.info', params: {}, seq: ++seq }));
      }, 20);
      try {
        await until('a few answers', () => answered.size >= 3);
        await d.drain();
        expect((await box.closed).code).to.equal(4006);
        await until('the control channel to close', () => control.ws.readyState === WebSocket.CLOSED);
      } finally {
        clearInterval(asking);
      }
      expect(sent.filter((id) => !answered.has(id))).to.deep.equal([]);
      // The device says hello again, and the load balancer still sends it to d: d places it elsewhere.
      const again = await handshake(wsOf(d), 'session.hello', { protocol: PROTOCOL_VERSION, screen: { width: 1280, height: 720 }, token: d.issueDeviceToken('drained-box') });
      expect(again.response.error.data.code).to.equal('STRATUS_REDIRECT');
      expect(nodes.map(wsOf)).to.include(again.response.error.data.redirect.url);
    } finally {
      await d.close();
    }
  });

  it('the integration API answers the same on every node: keys and catalogue shared, sessions listed and driven through any node', async () => {
    const [a, b, c] = nodes;
    const op = (o: Orchestrator) => new StratusClient({ baseUrl: o.baseUrl, apiKey: OPERATOR });
    // A key made on a works on c at once; an app added on b is in a's catalogue.
    const { key, id: keyId } = await op(a).createKey('broadcaster:newsroom', 'cluster test');
    const newsroom = (o: Orchestrator) => new StratusClient({ baseUrl: o.baseUrl, apiKey: key });
    await until('the key on c', async () => (await newsroom(c).listApps().catch(() => null)) !== null);
    await newsroom(b).createApp({ id: 'nightly', url: '/apps/newsroom/', width: 1280, height: 720 });
    await until('the app on a', async () => (await newsroom(a).listApps()).some((x) => x.id === 'nightly'));
    // A session on b, seen and driven from a.
    const box = await RawDevice.connect(b, 'api-box');
    box.hello({ app: 'newsroom', ticket: issueTicket(b.config.auth.secret, { node: 'node-b', dev: 'api-box', exp: Date.now() + 30000 }) });
    const { sessionId } = await box.helloResult();
    box.ackFrames();
    expect(b.sessions.has(sessionId)).to.equal(true);
    await until('a to list it', async () => (await newsroom(a).listSessions()).some((x) => x.sessionId === sessionId));
    expect((await newsroom(a).getSession(sessionId)).deviceId).to.equal('api-box');
    await b.sessions.get(sessionId)!.cloudPage!.evaluate(() => {
      (window as any).heard = [];
      (window as any).stratus.onmessage = (e: { data: unknown }) => (window as any).heard.push(e.data);
    });
    expect(await newsroom(a).message(sessionId, { headline: 'from a' })).to.deep.equal({ delivered: true });
    // The app hears it from a task of its own, as a postMessage.
    const heard = await until('the app to hear it', async () => {
      const h = (await b.sessions.get(sessionId)!.cloudPage!.evaluate(() => (window as any).heard)) as unknown[];
      return h.length ? h : null;
    });
    expect(heard).to.deep.equal([{ headline: 'from a' }]);
    // A control channel opened through c lands on b.
    const channel = await newsroom(c).join(sessionId);
    expect(channel.joined?.sessionId).to.equal(sessionId);
    expect((await channel.call('session.info', {})).deviceId).to.equal('api-box');
    channel.close();
    // Revoked on c: refused on a.
    await op(c).revokeKey(keyId);
    await until('the revocation on a', async () => (await newsroom(a).listApps().catch((e: StratusApiError) => e.code)) === 'STRATUS_AUTH_REVOKED');
    await op(a).deleteApp('nightly');
    box.close();
  });

  it('a real device follows the redirect, and after a drop comes back through any node to its session, pixel-exact', async () => {
    const [a, b] = nodes;
    // a is busy (one session), so a device the balancer sends to a is placed on b.
    const busy = await RawDevice.connect(a, 'busy-box');
    busy.hello({ app: 'portal' });
    await busy.helloResult();
    balancer.setNodes([a.baseUrl]);
    const page = await device.open(a, 'w=1280&h=720&app=portal', undefined, false, balancer, 'roaming-box');
    try {
      const session = await sessionOf(b, page);
      expect(a.sessions.size).to.equal(1);
      await page.keyboard.press('ArrowRight');
      await settle(b, page);
      // The cable is pulled; the device reconnects through the balancer (to a), which sends it on.
      expect(await page.evaluate(() => (window as any).stratusClient.dropConnection())).to.equal(true);
      await until('the device to be live again', () => page.evaluate(() => (window as any).stratusClient.stats.reconnects > 0 && (window as any).stratusClient.live === true));
      expect(await page.evaluate(() => (window as any).stratusClient.session.sessionId)).to.equal(session.id);
      await page.keyboard.press('ArrowDown');
      await settle(b, page);
      expect(await cloudMismatch(session, page)).to.equal(null);
    } finally {
      await page.close();
      busy.close();
    }
  });

  it('a killed node: its device gets a new session on a live node with the app signed in as before, and Redis coming back empty is survived', async () => {
    const [, b] = nodes;
    // The app comes from one origin whichever node runs it (b serves it here), as a real app does:
    // its kept localStorage belongs to that origin.
    const catalog = JSON.stringify({ login: { url: `${b.baseUrl}/apps/login/`, width: 1280, height: 720, storage: 'device' } });
    // A node in its own process, so that it can be killed as a machine dies (kill -9).
    const x = await NodeProcess.start([`--cluster.redisUrl=${redis.url}`, '--cluster.leaseMs=1000', '--ops.nodeId=node-x', '--storage.saveIntervalMs=300', '--apps.default=login', `--apps.catalog=${catalog}`, `--server.allowedOrigins=${balancer.origin}`]);
    try {
      balancer.setNodes([x.url, b.baseUrl]);
      const page = await device.open(b, 'w=1280&h=720&app=login', undefined, false, balancer, 'orphan-box');
      try {
        const first = await page.evaluate(() => (window as any).stratusClient.session.sessionId as string);
        expect(b.sessions.has(first)).to.equal(false);
        // The viewer signs in on node-x, which saves the app's state to the directory as it runs.
        await page.keyboard.press('Enter');
        await until('the signed-in state to be saved', async () => (await b.deviceStates!.load('orphan-box', 'login'))?.local?.items.some(([k]) => k === 'profile'));
        x.kill();
        // Its lease runs out; the device's resume, through the balancer to b, finds no live owner
        // and the device starts a new session there.
        const second = await until('a new session on b', () => [...b.sessions.values()].find((s) => s.deviceId === 'orphan-box'), 60000);
        await until('its first frame on the device', () => page.evaluate((id) => (window as any).stratusClient.session?.sessionId === id && (window as any).stratusClient.live, second.id));
        expect(second.id).to.not.equal(first);
        // The app on the new node is signed in as before.
        expect(await cloud(second, () => (window as any).account.state().profile)).to.equal('Alice');
        await layerSettled(second, page, 0);
        expect(await cloudMismatch(second, page)).to.equal(null);

        // Redis restarts with nothing: the nodes register again, and keep serving.
        await redis.restart();
        await until('b to be registered again', async () => {
          const r = await fetch(`${b.baseUrl}/readyz`);
          return r.status === 200;
        });
        await page.keyboard.press('ArrowRight');
        await layerSettled(second, page, 1);
        expect(await cloudMismatch(second, page)).to.equal(null);
      } finally {
        await page.close();
      }
    } finally {
      await x.stop();
    }
  });
});
