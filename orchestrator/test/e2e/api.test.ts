import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Page } from 'puppeteer-core';
import { ControlChannel, StratusApiError, StratusClient, verifyWebhook } from '@stratus/client';
import { BASELINE_MEDIA_CAPABILITIES, StratusEvent } from '@stratus/protocol';
import { capturesStopped, cloud, RawDevice, sessionOf, startOrchestrator, until, useRig } from '@stratus/testkit';
import { Orchestrator } from '../../src/orchestrator';
import { Session } from '../../src/session/session';

const OPERATOR_TOKEN = 'operator-token-of-the-api-tests-0123456789';

/** The code a call is refused with (and its HTTP status), or null when it succeeds. */
async function refusal(p: Promise<unknown>): Promise<{ code: string; status: number } | null> {
  try {
    await p;
    return null;
  } catch (err) {
    if (!(err instanceof StratusApiError)) throw err;
    return { code: err.code, status: err.status };
  }
}

/** A raw HTTP call, for what the typed client never sends. */
async function raw(orch: Orchestrator, method: string, path: string, body: string | undefined, key: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(orch.baseUrl + path, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

/** A webhook receiver on loopback: records every delivery; `answer` decides each one's status (null: never answer). */
class Receiver {
  readonly deliveries: Array<{ id: string; body: string; signature: string | undefined }> = [];
  attempts = 0;
  private readonly server: Server;
  private readonly hanging = new Set<ServerResponse>();
  constructor(private readonly answer: (attempt: number) => number | null) {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const status = this.answer(++this.attempts);
        if (status === null) {
          this.hanging.add(res);
          return;
        }
        if (status < 300) this.deliveries.push({ id: String(req.headers['stratus-event-id']), body, signature: req.headers['stratus-signature'] as string | undefined });
        res.writeHead(status).end();
      });
    });
  }
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Why `session` closes, once it has. */
function closedWith(session: Session): Promise<{ code: string; message: string } | null> {
  return new Promise((resolve) => session.once('closed', (reason) => resolve(reason)));
}

/**
 * Pre-warms the portal for `box`, device `deviceId` (the operator's API), then has the box say hello reporting video
 * up to 1280x720: less than the baseline its app was told of (1920x1080). On a node without a
 * media-bridge nothing could transcode: the reservation closes. Its id, the box's session and the
 * reservation's closing reason.
 */
async function claimUnfit(orch: Orchestrator, box: RawDevice, deviceId: string): Promise<{ reserved: string; sessionId: string; reason: { code: string; message: string } | null }> {
  const op = new StratusClient({ baseUrl: orch.baseUrl, apiKey: OPERATOR_TOKEN });
  const info = await op.prewarm({ deviceId, appId: 'portal' });
  const why = closedWith(orch.sessions.get(info.sessionId)!);
  box.hello({ media: { ...BASELINE_MEDIA_CAPABILITIES, maxVideo: { width: 1280, height: 720 } } });
  const { sessionId } = await box.helloResult();
  return { reserved: info.sessionId, sessionId, reason: await why };
}

/** Collects a client's SSE events in the background until stopped. */
function collect(client: StratusClient, opts: { lastEventId?: string } = {}): { events: StratusEvent[]; gaps: number; stop(): void } {
  const abort = new AbortController();
  const out = { events: [] as StratusEvent[], gaps: 0, stop: () => abort.abort() };
  void (async () => {
    for await (const item of client.events({ ...opts, signal: abort.signal })) {
      if (item.kind === 'gap') out.gaps++;
      else out.events.push(item.event);
    }
  })().catch(() => undefined);
  return out;
}

describe('integration API: keys, scopes, sessions, events', function () {
  this.timeout(180000);
  const rig = useRig({ auth: { operatorToken: OPERATOR_TOKEN }, api: { webhookAllowPrivate: '127.0.0.1', webhookRetryMs: 20, webhookRetryMaxMs: 200, appErrorsPerMin: 3 } });
  let op: StratusClient;
  let newsroom: StratusClient;
  let rival: StratusClient;
  let newsroomKey = '';
  const pages: Page[] = [];

  before(async () => {
    op = new StratusClient({ baseUrl: rig.orch.baseUrl, apiKey: OPERATOR_TOKEN });
    newsroomKey = (await op.createKey('broadcaster:newsroom', 'newsroom backend')).key;
    newsroom = new StratusClient({ baseUrl: rig.orch.baseUrl, apiKey: newsroomKey });
    rival = new StratusClient({ baseUrl: rig.orch.baseUrl, apiKey: (await op.createKey('broadcaster:rival')).key });
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close().catch(() => undefined);
    for (const s of [...rig.orch.sessions.values()]) await s.close();
  });

  /** A device running `app`; its session. */
  async function device(app: string, deviceId = 'test-device'): Promise<{ page: Page; session: Session }> {
    const page = await rig.device.open(rig.orch, `w=1280&h=720&app=${app}`, undefined, false, undefined, deviceId);
    pages.push(page);
    return { page, session: await sessionOf(rig.orch, page) };
  }

  it('authenticates every call and authorises it by the key\'s scope', async () => {
    const anonymous = await raw(rig.orch, 'GET', '/api/apps', undefined, '');
    expect(anonymous.status).to.equal(401);
    expect(anonymous.json.error.code).to.equal('STRATUS_AUTH_REQUIRED');
    const madeUp = new StratusClient({ baseUrl: rig.orch.baseUrl, apiKey: `sk_${'0'.repeat(16)}.${'A'.repeat(43)}` });
    expect(await refusal(madeUp.listApps())).to.deep.equal({ code: 'STRATUS_AUTH_INVALID', status: 401 });

    // A broadcaster sees its own apps only; an operator sees them all.
    expect((await newsroom.listApps()).map((a) => a.id)).to.deep.equal(['newsroom']);
    expect(await rival.listApps()).to.deep.equal([]);
    expect((await op.listApps()).map((a) => a.id)).to.include.members(['portal', 'newsroom']);
    expect(await refusal(rival.getApp('newsroom'))).to.deep.equal({ code: 'STRATUS_UNKNOWN_APP', status: 404 });
    expect(await refusal(rival.updateApp('newsroom', { url: '/apps/portal/', width: 1280, height: 720 }))).to.deep.equal({ code: 'STRATUS_UNKNOWN_APP', status: 404 });
    // Its entries are its own: another owner is refused, none means itself.
    expect(await refusal(rival.createApp({ id: 'rival-stolen', url: '/apps/portal/', width: 1280, height: 720, owner: 'newsroom' }))).to.deep.equal({ code: 'STRATUS_FORBIDDEN', status: 403 });
    const created = await rival.createApp({ id: 'rival-news', url: '/apps/portal/', width: 1280, height: 720 });
    expect(created.owner).to.equal('rival');
    expect(await refusal(newsroom.getApp('rival-news'))).to.deep.equal({ code: 'STRATUS_UNKNOWN_APP', status: 404 });
    await rival.deleteApp('rival-news');
    expect(await refusal(op.getApp('rival-news'))).to.deep.equal({ code: 'STRATUS_UNKNOWN_APP', status: 404 });
    // Keys and device credentials are for operators.
    expect(await refusal(newsroom.listKeys())).to.deep.equal({ code: 'STRATUS_FORBIDDEN', status: 403 });
    expect(await refusal(newsroom.createDeviceToken('box-1'))).to.deep.equal({ code: 'STRATUS_FORBIDDEN', status: 403 });
    // A revoked key is told apart from a made-up one, and nothing it asks is done.
    const temp = await op.createKey('broadcaster:rival', 'temporary');
    const tempClient = new StratusClient({ baseUrl: rig.orch.baseUrl, apiKey: temp.key });
    await op.revokeKey(temp.id);
    expect(await refusal(tempClient.createApp({ id: 'rival-late', url: '/apps/portal/', width: 1280, height: 720 }))).to.deep.equal({ code: 'STRATUS_AUTH_REVOKED', status: 403 });
    expect(await refusal(op.getApp('rival-late'))).to.deep.equal({ code: 'STRATUS_UNKNOWN_APP', status: 404 });
    // Secrets are never listed.
    const listed = await op.listKeys();
    expect(JSON.stringify(listed)).to.not.include(temp.key.split('.')[1]);
    expect(listed.find((k) => k.id === temp.id)).to.include({ revoked: true, scope: 'broadcaster:rival' });
  });

  it("drives a broadcaster's app on a device: messages both ways, keys, and the viewer's media controls", async () => {
    const { page, session } = await device('newsroom');
    expect((await newsroom.listSessions()).map((s) => s.sessionId)).to.deep.equal([session.id]);
    expect(await rival.listSessions()).to.deep.equal([]);
    expect(await refusal(rival.getSession(session.id))).to.deep.equal({ code: 'STRATUS_FORBIDDEN', status: 403 });
    expect(await refusal(rival.rpc(session.id, 'app.message', { data: 'spoof' }))).to.deep.equal({ code: 'STRATUS_FORBIDDEN', status: 403 });
    expect(await refusal(rival.join(session.id))).to.include({ code: 'STRATUS_FORBIDDEN' });

    const channel: ControlChannel = await newsroom.join(session.id, 'newsroom desk');
    const heard: StratusEvent[] = [];
    channel.on('event', (e) => heard.push(e));
    try {
      // The backend pushes a breaking headline; the app shows it and confirms.
      expect(await channel.call('app.message', { data: { id: 7, breaking: 'Flood warning for the coast' } })).to.deep.equal({ delivered: true });
      const answer = await until('the app to confirm', () => heard.find((e) => e.type === 'app.message'));
      expect(answer.data).to.deep.equal({ data: { ack: 7, shown: true } });
      expect(answer.sessionId).to.equal(session.id);
      expect(await cloud(session, () => document.getElementById('ticker-text')!.textContent)).to.equal('Flood warning for the coast');

      // Keys over HTTP reach the app like the remote's.
      await newsroom.press(session.id, 40);
      await until('the app to move its focus', () => cloud(session, () => (window as any).newsroom.focus === 1));

      // A clip pushed to the app plays on the device; the viewer's controls act on the app's player.
      await newsroom.message(session.id, { clip: '/media/vod/h264/index.m3u8' });
      const player = await until('the app to play the clip', async () => {
        const info = await newsroom.getSession(session.id);
        return info.players.find((p) => p.kind === 'media' && p.state && !p.state.paused);
      });
      expect(await newsroom.media(session.id, 'media.pause')).to.deep.equal({ player: player.id });
      await until("the app's video to pause", () => cloud(session, () => (window as any).newsroom.videoEvents.some((e: any) => e.type === 'pause' && e.paused)));
      await until('media.state pause on the control channel', () => heard.find((e) => e.type === 'media.state' && (e.data as any).type === 'pause'));
      await newsroom.rpc(session.id, 'media.volume', { volume: 0.5 });
      await until('the volume change in the app', () => cloud(session, () => (window as any).newsroom.videoEvents.some((e: any) => e.type === 'volumechange' && e.volume === 0.5)));
      expect(await refusal(newsroom.rpc(session.id, 'media.seek', { player: '999.nothing', time: 1 }))).to.deep.include({ code: 'STRATUS_MEDIA_UNKNOWN_PLAYER' });

      // session.info tells the broadcaster what runs and on what.
      const info = await channel.call('session.info', {});
      expect(info.app).to.include({ id: 'newsroom', owner: 'newsroom' });
      expect(info.device.screen).to.deep.equal({ width: 1280, height: 720 });
      expect(info.deviceAttached).to.equal(true);
      expect(info.uiBytes).to.be.greaterThan(0);
    } finally {
      channel.close();
    }
    expect(await page.evaluate(() => (window as any).stratusClient.stats.framesPainted)).to.be.greaterThan(0);
  });

  it('launches another app of the scope into the running session, and refuses one outside it', async () => {
    await op.createApp({ id: 'newsroom-menu', url: '/apps/portal/', width: 1280, height: 720, owner: 'newsroom' });
    await op.createApp({ id: 'newsroom-square', url: '/apps/portal/', width: 1080, height: 1080, owner: 'newsroom' });
    try {
      const { page, session } = await device('newsroom');
      expect(await refusal(newsroom.launch(session.id, 'portal'))).to.deep.include({ code: 'STRATUS_FORBIDDEN' });
      expect(await refusal(newsroom.launch(session.id, 'newsroom-square'))).to.deep.include({ code: 'STRATUS_APP_LAYER_MISMATCH' });
      const painted = await page.evaluate(() => (window as any).stratusClient.stats.framesPainted as number);
      const { app } = await newsroom.launch(session.id, 'newsroom-menu');
      expect(app).to.deep.equal({ id: 'newsroom-menu', width: 1280, height: 720, scale: 1 });
      expect(await cloud(session, () => location.pathname)).to.equal('/apps/portal/');
      // The device heard of it and paints the new app.
      await until('the device to note the reload', () => page.evaluate(() => (window as any).stratusClient.stats.appReloads === 1));
      await until('a frame of the new app', () => page.evaluate((n) => (window as any).stratusClient.stats.framesPainted > n, painted));
      const info = await newsroom.getSession(session.id);
      expect(info.app).to.include({ id: 'newsroom-menu', owner: 'newsroom' });
      expect(info.reloads).to.equal(1);
      // The scope follows the app: once an operator runs another owner's app there, the newsroom
      // may no longer drive the session, over HTTP or on the control channel it had joined.
      const channel = await newsroom.join(session.id);
      try {
        await op.launch(session.id, 'portal');
        expect(await refusal(newsroom.getSession(session.id))).to.deep.equal({ code: 'STRATUS_FORBIDDEN', status: 403 });
        expect(await refusal(channel.call('app.message', { data: 'still mine?' }))).to.deep.include({ code: 'STRATUS_FORBIDDEN' });
      } finally {
        channel.close();
      }
    } finally {
      await op.deleteApp('newsroom-menu');
      await op.deleteApp('newsroom-square');
    }
  });

  it("tunes the app's broadcast object, reports script errors at a bounded rate, and an app that fails to load", async () => {
    const live = collect(newsroom);
    const { page, session } = await device('newsroom', 'box-faults');
    try {
      // The app bound its video/broadcast object at start: the viewer's channel change reaches it.
      await until('the broadcast player', async () => (await newsroom.getSession(session.id)).players.some((p) => p.kind === 'broadcast'));
      const tuned = await newsroom.rpc(session.id, 'media.tune', { lcn: 2 });
      await until('ChannelChangeSucceeded in the app', () => cloud(session, () => (window as any).newsroom.tvEvents.some((e: any) => e.type === 'ChannelChangeSucceeded' && e.ccid === 'ccid:2')));
      const state = await until('media.state tuned', () => live.events.find((e) => e.type === 'media.state' && (e.data as any).type === 'tuned' && (e.data as any).channel === 'ccid:2'));
      expect((state.data as any).player).to.equal(tuned.player);
      expect(await refusal(newsroom.rpc(session.id, 'media.tune', { lcn: 999 }))).to.deep.include({ code: 'STRATUS_UNKNOWN_CHANNEL' });
      expect(await refusal(newsroom.rpc(session.id, 'media.pause', { player: tuned.player }))).to.deep.include({ code: 'STRATUS_MEDIA_CONTROL_UNSUPPORTED' });

      // Thirty uncaught errors: operators hear of them, at most api.appErrorsPerMin (3) a minute.
      for (let i = 0; i < 30; i++) await newsroom.message(session.id, { fail: `broken ${i}` });
      await until('the app to take all thirty', () => cloud(session, () => (window as any).newsroom.messages.length >= 30));
      const errors = await until('three app.error events', () => {
        const list = live.events.filter((e) => e.type === 'app.error' && e.sessionId === session.id);
        return list.length >= 3 ? list : null;
      });
      expect(errors[0].data).to.include({ code: 'SCRIPT_ERROR', source: 'script', suppressed: 0 });
      expect(String(errors[0].data.message)).to.include('broken 0');
      expect(errors.length).to.be.lessThan(30);
      // The session is untouched by its app's errors.
      expect((await newsroom.getSession(session.id)).deviceAttached).to.equal(true);

      // An app whose page does not load: the launch fails with the code, app.failed says why, and the session ends.
      await op.createApp({ id: 'newsroom-missing', url: '/apps/no-such-app/', width: 1280, height: 720, owner: 'newsroom' });
      expect(await refusal(newsroom.launch(session.id, 'newsroom-missing'))).to.deep.include({ code: 'STRATUS_APP_LOAD_FAILED' });
      const failed = await until('app.failed', () => live.events.find((e) => e.type === 'app.failed' && e.sessionId === session.id));
      expect(failed.data).to.include({ code: 'STRATUS_APP_LOAD_FAILED' });
      expect(String(failed.data.url)).to.include('/apps/no-such-app/');
      const ended = await until('session.ended', () => live.events.find((e) => e.type === 'session.ended' && e.sessionId === session.id));
      expect(ended.data).to.include({ code: 'STRATUS_APP_LOAD_FAILED' });
      await until('the device to hear it', () => page.evaluate(() => (window as any).stratusClient.stats.lastError?.code === 'STRATUS_APP_LOAD_FAILED'));
    } finally {
      live.stop();
      await op.deleteApp('newsroom-missing').catch(() => undefined);
    }
  });

  it('streams scoped events over SSE, resumes after Last-Event-ID, and delivers signed webhooks at least once', async () => {
    // The receiver fails every other attempt: each event must still arrive, signed.
    const flaky = new Receiver((n) => (n % 2 === 0 ? 503 : 204));
    const other = new Receiver(() => 204);
    try {
      const hook = await newsroom.createWebhook(await flaky.start());
      const rivalHook = await rival.createWebhook(await other.start());
      expect(hook.secret).to.have.length.greaterThan(15);
      const live = collect(newsroom);
      const rivalLive = collect(rival);
      const { page, session } = await device('newsroom', 'box-events');
      await newsroom.message(session.id, { id: 1, breaking: 'Election results' });
      await until('the app to answer', () => live.events.find((e) => e.type === 'app.message'));
      await page.close();
      await newsroom.closeSession(session.id);
      const ended = await until('session.ended', () => live.events.find((e) => e.type === 'session.ended'));
      expect(ended.data).to.include({ code: 'STRATUS_OPERATOR_CLOSED' });
      expect((ended.data as any).uiBytes).to.be.greaterThan(0);
      const types = live.events.filter((e) => e.sessionId === session.id).map((e) => e.type);
      expect(types).to.include.members(['session.started', 'app.loaded', 'device.attached', 'app.message', 'session.ended']);
      expect(types[0]).to.equal('session.started');

      // A client that reconnects with the id of the second event gets exactly what followed.
      const mine = live.events.filter((e) => e.sessionId === session.id);
      const resumed = collect(newsroom, { lastEventId: mine[1].id });
      await until('the replay', () => resumed.events.some((e) => e.id === ended.id));
      expect(resumed.gaps).to.equal(0);
      expect(resumed.events.filter((e) => e.sessionId === session.id).map((e) => e.id)).to.deep.equal(mine.slice(2).map((e) => e.id));
      // An id from another run (or too old) is a gap, then everything kept.
      const stale = collect(newsroom, { lastEventId: 'zzzz-1' });
      await until('the gap and the replay', () => stale.gaps === 1 && stale.events.some((e) => e.id === ended.id));
      for (const c of [live, resumed, stale]) c.stop();

      // Webhooks: every event of the session, despite the failures, each signed; duplicates only by id.
      await until('every event at the webhook', () => mine.every((e) => flaky.deliveries.some((d) => d.id === e.id)), 30000);
      for (const d of flaky.deliveries) {
        expect(verifyWebhook(hook.secret, d.signature, d.body), `signature of ${d.id}`).to.equal(true);
        expect(verifyWebhook('wrong-secret-0123456789', d.signature, d.body)).to.equal(false);
        expect(JSON.parse(d.body).id).to.equal(d.id);
      }
      expect(flaky.attempts).to.be.greaterThan(flaky.deliveries.length);
      const counters = await newsroom.getWebhook(hook.id);
      expect(counters.failures).to.be.greaterThan(0);
      expect(counters.dropped).to.equal(0);
      // The rival heard nothing of the newsroom's session, by either path.
      rivalLive.stop();
      expect(rivalLive.events.filter((e) => e.sessionId === session.id)).to.deep.equal([]);
      expect(other.deliveries.filter((d) => JSON.parse(d.body).sessionId === session.id)).to.deep.equal([]);
      expect(await refusal(rival.getWebhook(hook.id))).to.deep.include({ code: 'STRATUS_NOT_FOUND' });
      await newsroom.deleteWebhook(hook.id);
      await rival.deleteWebhook(rivalHook.id);
    } finally {
      await flaky.close();
      await other.close();
    }
  });

  it('refuses webhooks to private addresses, and one that hangs slows nothing down', async () => {
    expect(await refusal(newsroom.createWebhook('http://10.1.2.3/hook'))).to.deep.equal({ code: 'STRATUS_DESTINATION_FORBIDDEN', status: 400 });
    expect(await refusal(newsroom.createWebhook('http://169.254.169.254/latest'))).to.deep.equal({ code: 'STRATUS_DESTINATION_FORBIDDEN', status: 400 });
    expect(await refusal(newsroom.createWebhook('http://localhost:9/hook'))).to.deep.equal({ code: 'STRATUS_DESTINATION_FORBIDDEN', status: 400 });
    expect(await refusal(newsroom.createWebhook('http://user:pw@example.test/hook'))).to.deep.equal({ code: 'STRATUS_DESTINATION_FORBIDDEN', status: 400 });
    const hanging = new Receiver(() => null);
    try {
      const hook = await newsroom.createWebhook(await hanging.start());
      const live = collect(newsroom);
      const { session } = await device('newsroom', 'box-hang');
      await until('an attempt at the hanging receiver', () => hanging.attempts > 0);
      // The session and the API carry on while the receiver holds the delivery.
      expect((await newsroom.message(session.id, { breaking: 'still here' })).delivered).to.equal(true);
      await until('the event over SSE', () => live.events.find((e) => e.type === 'app.message' && e.sessionId === session.id));
      expect((await newsroom.getWebhook(hook.id)).delivered).to.equal(0);
      live.stop();
      await newsroom.deleteWebhook(hook.id);
    } finally {
      await hanging.close();
    }
  });

  it('pre-warms a session that the device claims when it connects', async () => {
    const info = await newsroom.prewarm({ deviceId: 'box-red', appId: 'newsroom' });
    expect(info).to.include({ prewarmed: true, deviceAttached: false, deviceId: 'box-red' });
    expect(await refusal(newsroom.prewarm({ deviceId: 'box-red', appId: 'newsroom' }))).to.deep.include({ code: 'STRATUS_CONFLICT' });
    expect(await refusal(newsroom.prewarm({ deviceId: 'box-blue', appId: 'portal' }))).to.deep.include({ code: 'STRATUS_FORBIDDEN' });
    // The app is loaded, and its first frame built, before anyone presses red.
    const prewarmed = rig.orch.sessions.get(info.sessionId)!;
    expect(await cloud(prewarmed, () => typeof (window as any).newsroom)).to.equal('object');
    await until('the first frame to be built', () => prewarmed.layer.stats.readyKeyframes > 0);
    // The page may still change as it finishes loading, and each change builds the frame again:
    // red is pressed once it is still.
    await capturesStopped(prewarmed, 1000, 30000, false);
    const frames: Array<{ keyframe: boolean; capturedAt: number }> = [];
    prewarmed.layer.on('frame', (f) => frames.push(f));
    const pressedRed = performance.now();
    const { page, session } = await device('newsroom', 'box-red');
    expect(session.id).to.equal(info.sessionId);
    // Its first frame is the one built before the device came: nothing had to be captured.
    expect(frames[0].keyframe).to.equal(true);
    expect(frames[0].capturedAt).to.be.lessThan(pressedRed);
    expect(await page.evaluate(() => (window as any).stratusClient.stats.framesPainted)).to.be.greaterThan(0);
    expect((await newsroom.getSession(info.sessionId)).deviceAttached).to.equal(true);
  });

  it("a pre-warmed session's device that lacks media its app was told of: transcodes make up for a size, not for a DRM system", async () => {
    // Told of video larger than any emulator shows: the device takes the session over, and its
    // loads follow its own report (a larger video goes through the bridge).
    const big = await newsroom.prewarm({ deviceId: 'box-small', appId: 'newsroom', media: { ...BASELINE_MEDIA_CAPABILITIES, maxVideo: { width: 7680, height: 4320 } } });
    const small = await device('newsroom', 'box-small');
    expect(small.session.id).to.equal(big.sessionId);
    const shown = (await newsroom.getSession(big.sessionId)).device.media as { maxVideo: { width: number } };
    expect(shown.maxVideo.width).to.be.below(7680);
    // Told of a DRM system no emulator has: the app may have picked content for it.
    const info = await newsroom.prewarm({ deviceId: 'box-plain', appId: 'newsroom', media: { ...BASELINE_MEDIA_CAPABILITIES, drm: ['urn:dvb:casystemid:19219'] } });
    const reserved = rig.orch.sessions.get(info.sessionId)!;
    const why = closedWith(reserved);
    await until('the first frame to be built', () => reserved.layer.stats.readyKeyframes > 0);
    const { page, session } = await device('newsroom', 'box-plain');
    expect(session.id).to.not.equal(info.sessionId);
    const reason = await why;
    expect(reason?.code).to.equal('STRATUS_PREWARM_UNFIT');
    expect(reason?.message).to.include('(the device has no urn:dvb:casystemid:19219 DRM agent)');
    // The new session is the device's own, and runs.
    expect((await newsroom.getSession(session.id)).deviceAttached).to.equal(true);
    await until('a frame painted', () => page.evaluate(() => (window as any).stratusClient.stats.framesPainted > 0));
  });

  it('without a media-bridge, any media a pre-warmed app was told of that its device lacks closes the reservation', async () => {
    const orch = await startOrchestrator({ auth: { operatorToken: OPERATOR_TOKEN }, bridge: { mode: 'off' } });
    const box = await RawDevice.connect(orch, 'box-hd');
    try {
      const { reserved, sessionId, reason } = await claimUnfit(orch, box, 'box-hd');
      expect(sessionId).to.not.equal(reserved);
      expect(reason?.code).to.equal('STRATUS_PREWARM_UNFIT');
      expect(reason?.message).to.include('(the device shows video up to 1280x720, not 1920x1080)');
      expect(orch.sessions.get(sessionId)?.isClosing).to.equal(false);
    } finally {
      box.close();
      await orch.close();
    }
  });

  it('a reservation closed as unfit at the node\'s session limit leaves its place to its device', async () => {
    // One session at most: the reservation holds it until its device's hello replaces it.
    const orch = await startOrchestrator({ auth: { operatorToken: OPERATOR_TOKEN }, bridge: { mode: 'off' }, sessions: { max: 1 } });
    const box = await RawDevice.connect(orch, 'box-full');
    const other = await RawDevice.connect(orch, 'box-other');
    try {
      const { sessionId, reason } = await claimUnfit(orch, box, 'box-full');
      expect(reason?.code).to.equal('STRATUS_PREWARM_UNFIT');
      expect(orch.sessions.get(sessionId)?.isClosing).to.equal(false);
      // The limit still holds for everyone else.
      other.hello();
      expect(await other.helloResult().then(() => 'ok', (e: { code?: string }) => e.code)).to.equal('STRATUS_SESSION_LIMIT');
    } finally {
      box.close();
      other.close();
      await orch.close();
    }
  });

  it('answers bad input with coded errors and changes nothing', async () => {
    const { session } = await device('newsroom');
    const before = (await op.listApps()).length;
    const big = await raw(rig.orch, 'POST', '/api/apps', JSON.stringify({ id: 'big', url: '/x' + 'x'.repeat(70000), width: 1280, height: 720 }), OPERATOR_TOKEN);
    expect([big.status, big.json.error.code]).to.deep.equal([413, 'STRATUS_MESSAGE_TOO_LARGE']);
    const broken = await raw(rig.orch, 'POST', '/api/apps', '{"id": "broken", ', OPERATOR_TOKEN);
    expect([broken.status, broken.json.error.code]).to.deep.equal([400, 'STRATUS_PARSE_ERROR']);
    const wrong = await raw(rig.orch, 'POST', '/api/apps', JSON.stringify({ id: 'tiny', url: '/apps/portal/', width: 5, height: 720 }), OPERATOR_TOKEN);
    expect([wrong.status, wrong.json.error.code]).to.deep.equal([400, 'STRATUS_INVALID_PARAMS']);
    const extra = await raw(rig.orch, 'POST', '/api/apps', JSON.stringify({ id: 'extra', url: '/apps/portal/', width: 1280, height: 720, admin: true }), OPERATOR_TOKEN);
    expect(extra.json.error.code).to.equal('STRATUS_INVALID_PARAMS');
    const badId = await raw(rig.orch, 'GET', '/api/sessions/not-a-session', undefined, OPERATOR_TOKEN);
    expect([badId.status, badId.json.error.code]).to.deep.equal([400, 'STRATUS_INVALID_PARAMS']);
    const nowhere = await raw(rig.orch, 'GET', '/api/nowhere', undefined, OPERATOR_TOKEN);
    expect([nowhere.status, nowhere.json.error.code]).to.deep.equal([404, 'STRATUS_NOT_FOUND']);
    const gone = await raw(rig.orch, 'GET', '/api/sessions/00000000-0000-4000-8000-000000000000', undefined, OPERATOR_TOKEN);
    expect([gone.status, gone.json.error.code]).to.deep.equal([404, 'STRATUS_UNKNOWN_SESSION']);
    expect((await op.listApps()).length).to.equal(before);

    // JSON-RPC over HTTP: method errors come back as JSON-RPC errors.
    const rpc = (body: unknown) => raw(rig.orch, 'POST', `/api/sessions/${session.id}/rpc`, JSON.stringify(body), newsroomKey);
    expect((await rpc({ jsonrpc: '2.0', id: 1, method: 'app.explode' })).json.error.data.code).to.equal('STRATUS_UNKNOWN_METHOD');
    expect((await rpc({ jsonrpc: '2.0', id: 2, method: 'ui.ack', params: { frame: 1 } })).json.error.data.code).to.equal('STRATUS_METHOD_NOT_ALLOWED');
    expect((await rpc({ jsonrpc: '2.0', id: 3, method: 'media.volume', params: { volume: 7 } })).json.error.data.code).to.equal('STRATUS_INVALID_PARAMS');
    expect((await rpc({ jsonrpc: '2.0', id: 4, method: 'app.message', params: { data: 'x'.repeat(9000) } })).json.error.data.code).to.equal('STRATUS_INVALID_PARAMS');
    const notRpc = await rpc({ method: 'session.info' });
    expect([notRpc.status, notRpc.json.error.code]).to.deep.equal([400, 'STRATUS_INVALID_MESSAGE']);

    // A retried POST with the same Idempotency-Key is answered again, not run again.
    const keysBefore = (await op.listKeys()).length;
    const first = await raw(rig.orch, 'POST', '/api/keys', JSON.stringify({ scope: 'broadcaster:retry' }), OPERATOR_TOKEN, { 'idempotency-key': 'create-retry-1' });
    const again = await raw(rig.orch, 'POST', '/api/keys', JSON.stringify({ scope: 'broadcaster:retry' }), OPERATOR_TOKEN, { 'idempotency-key': 'create-retry-1' });
    expect(first.status).to.equal(201);
    expect(again.json).to.deep.equal(first.json);
    expect(again.headers.get('idempotent-replayed')).to.equal('true');
    expect((await op.listKeys()).length).to.equal(keysBefore + 1);

    // A control channel with a made-up key is refused and closed; the session is untouched.
    const c = await RawDevice.connect(rig.orch);
    c.send({ jsonrpc: '2.0', id: 1, method: 'session.join', params: { sessionId: session.id, key: 'sk_0123456789abcdef.nope' } });
    expect((await c.closed).reason).to.equal('STRATUS_AUTH_INVALID');
    expect(rig.orch.sessions.get(session.id)?.isClosing).to.equal(false);
    expect((await op.getSession(session.id)).deviceAttached).to.equal(true);
  });
});

describe('integration API: rate limits and stores that outlive a restart', function () {
  this.timeout(120000);
  let orch: Orchestrator | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'stratus-api-'));
  after(async () => {
    await orch?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('limits each key to its rate with a coded 429, and keeps keys, apps and webhooks across a restart', async () => {
    orch = await startOrchestrator({ auth: { operatorToken: OPERATOR_TOKEN }, api: { dataDir: dir, ratePerS: 1, rateBurst: 3, webhookAllowPrivate: '127.0.0.1' } });
    const op = new StratusClient({ baseUrl: orch.baseUrl, apiKey: OPERATOR_TOKEN });
    const created = await op.createKey('broadcaster:newsroom', 'kept');
    const newsroom = new StratusClient({ baseUrl: orch.baseUrl, apiKey: created.key });
    const codes: Array<string | null> = [];
    for (let i = 0; i < 8; i++) codes.push((await refusal(newsroom.listApps()))?.code ?? null);
    expect(codes).to.include('STRATUS_RATE_LIMITED');
    expect(codes[0]).to.equal(null);
    // Another key has its own budget.
    await until('the operator budget', async () => (await refusal(op.createApp({ id: 'kept-app', url: '/apps/portal/', width: 1280, height: 720, owner: 'newsroom' }))) === null);
    await until('the operator budget', async () => (await refusal(op.deleteApp('menu'))) === null);
    await until('the operator budget', async () => (await refusal(op.createWebhook('http://127.0.0.1:9/hook'))) === null);
    await orch.close();

    orch = await startOrchestrator({ auth: { operatorToken: OPERATOR_TOKEN }, api: { dataDir: dir } });
    const again = new StratusClient({ baseUrl: orch.baseUrl, apiKey: created.key });
    const op2 = new StratusClient({ baseUrl: orch.baseUrl, apiKey: OPERATOR_TOKEN });
    expect((await again.listApps()).map((a) => a.id)).to.include('kept-app');
    const ids = (await op2.listApps()).map((a) => a.id);
    expect(ids).to.not.include('menu');
    expect(ids).to.include('menu-720');
    expect((await op2.listWebhooks()).map((w) => w.url)).to.deep.equal(['http://127.0.0.1:9/hook']);
    expect((await op2.listKeys()).map((k) => k.id)).to.include(created.id);
  });
});
