import { expect } from 'chai';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { Orchestrator } from '../../src/orchestrator';
import { issueDeviceToken } from '../../src/auth/device-token';
import { AppServer, RawDevice, startOrchestrator, until } from '@stratus/testkit';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('sessions: credentials, close paths, lifecycle and isolation', function () {
  this.timeout(120000);
  let orch: Orchestrator;
  let apps: AppServer;
  const OPERATOR = 'operator-test-token-0123456789';

  before(async () => {
    apps = await AppServer.start();
    orch = await startOrchestrator({
      auth: { revokedDevices: 'stolen-box', operatorToken: OPERATOR },
      sessions: { idleTimeoutMs: 60000, unloadGraceMs: 600 },
      apps: { catalog: JSON.stringify({ probe: { url: `${apps.baseUrl}/probe/`, width: 1280, height: 720 }, portal: { url: '/apps/portal/', width: 1280, height: 720 } }) }
    });
  });
  after(async () => {
    await orch?.close();
    await apps?.close();
  });

  async function open(deviceId = 'box-1', app = 'probe'): Promise<{ dev: RawDevice; id: string }> {
    const dev = await RawDevice.connect(orch, deviceId);
    dev.hello({ app });
    const hello = await dev.helloResult();
    return { dev, id: hello.sessionId };
  }

  async function refusedWith(extra: Record<string, unknown>, deviceId = 'box-1'): Promise<{ code: number; reason: string }> {
    const dev = await RawDevice.connect(orch, deviceId);
    dev.hello(extra);
    return dev.closed;
  }

  describe('credentials', () => {
    it('refuses a hello without a token: STRATUS_AUTH_REQUIRED, 4401', async () => {
      expect(await refusedWith({ token: undefined })).to.deep.equal({ code: 4401, reason: 'STRATUS_AUTH_REQUIRED' });
    });
    it('refuses a forged token: STRATUS_AUTH_INVALID, 4401', async () => {
      const forged = issueDeviceToken('not-the-orchestrators-secret-0123456789', 'box-1', 60);
      expect(await refusedWith({ token: forged })).to.deep.equal({ code: 4401, reason: 'STRATUS_AUTH_INVALID' });
    });
    it('refuses an expired token: STRATUS_AUTH_EXPIRED, 4401', async () => {
      const expired = issueDeviceToken(orch.config.auth.secret, 'box-1', 60, Date.now() - 120000);
      expect(await refusedWith({ token: expired })).to.deep.equal({ code: 4401, reason: 'STRATUS_AUTH_EXPIRED' });
    });
    it('refuses a device revoked in the configuration: STRATUS_AUTH_REVOKED, 4403', async () => {
      expect(await refusedWith({}, 'stolen-box')).to.deep.equal({ code: 4403, reason: 'STRATUS_AUTH_REVOKED' });
    });
    it('gives each session a unique UUID v4', async () => {
      const a = await open('box-a', 'portal');
      const b = await open('box-b', 'portal');
      expect(a.id).to.match(UUID_V4);
      expect(b.id).to.match(UUID_V4);
      expect(a.id).to.not.equal(b.id);
      a.dev.close();
      b.dev.close();
      await until('both sessions to end', () => orch.sessions.size === 0);
    });
  });

  describe('close paths release everything and say why', () => {
    afterEach(async () => {
      await until('no sessions left', () => orch.sessions.size === 0);
      // Only each browser's default context remains: every session's incognito context is gone.
      expect(orch.chromiumContexts).to.equal(orch.chromiumPids.length);
    });

    it('the device closes with session.close', async () => {
      const { dev } = await open();
      dev.send({ jsonrpc: '2.0', id: 2, method: 'session.close', params: { reason: 'user left' } });
      expect(await dev.closed).to.deep.equal({ code: 1000, reason: 'closed by device' });
      expect(dev.texts.find((t) => t.id === 2)?.result).to.deep.equal({ closed: true });
    });

    it('the device disappears', async () => {
      const { dev } = await open();
      dev.close();
    });

    it('an operator closes it: STRATUS_OPERATOR_CLOSED, 4003', async () => {
      const { dev, id } = await open();
      const list = await (await fetch(`${orch.baseUrl}/operator/sessions`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json();
      expect(list.sessions).to.deep.include({ id, deviceId: 'box-1', appId: 'probe' });
      const res = await fetch(`${orch.baseUrl}/operator/sessions/${id}/close`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}` } });
      expect(res.status).to.equal(200);
      expect(await dev.closed).to.deep.equal({ code: 4003, reason: 'STRATUS_OPERATOR_CLOSED' });
    });

    it('the operator API takes only "Bearer <token>", answers any other credential 401 with a code, and never a stack trace', async () => {
      const url = `${orch.baseUrl}/operator/sessions`;
      // The same length as the token, in non-ASCII characters (more bytes); the bare token; a wrong one.
      for (const authorization of [`Bearer ${'é'.repeat(OPERATOR.length)}`, OPERATOR, `Bearer ${OPERATOR}x`, 'Basic x', '']) {
        const res = await fetch(url, { headers: { authorization } });
        expect(res.status, authorization).to.equal(401);
        expect(await res.json()).to.deep.equal({ error: { code: 'STRATUS_AUTH_INVALID' } });
      }
      // A path express cannot decode: a coded JSON error, no HTML, no path of ours.
      const bad = await fetch(`${orch.baseUrl}/operator/sessions/%E0%A4%A/close`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}` } });
      const body = await bad.text();
      expect(bad.status).to.equal(400);
      expect(JSON.parse(body)).to.deep.equal({ error: { code: 'STRATUS_INVALID_MESSAGE' } });
      expect(body).to.not.match(/node_modules|\/work\/|at /);
    });

    it('an operator revokes the device: live session closes with 4403, and it cannot come back', async () => {
      const { dev } = await open('box-to-revoke');
      const res = await fetch(`${orch.baseUrl}/operator/devices/box-to-revoke/revoke`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}` } });
      expect(await res.json()).to.deep.equal({ revoked: 'box-to-revoke', sessionsClosed: 1 });
      expect(await dev.closed).to.deep.equal({ code: 4403, reason: 'STRATUS_AUTH_REVOKED' });
      expect(await refusedWith({}, 'box-to-revoke')).to.deep.equal({ code: 4403, reason: 'STRATUS_AUTH_REVOKED' });
    });

    it('the operator API refuses a wrong bearer token', async () => {
      const res = await fetch(`${orch.baseUrl}/operator/sessions`, { headers: { authorization: 'Bearer nope' } });
      expect(res.status).to.equal(401);
      expect((await res.json()).error.code).to.equal('STRATUS_AUTH_INVALID');
    });
  });

  // How keys push the timeout back is unit-tested with fake timers (idle-timer.test.ts).
  it('an idle session closes with STRATUS_IDLE_TIMEOUT, 4002, no sooner than the timeout after its last key', async () => {
    const idle = await startOrchestrator({ sessions: { idleTimeoutMs: 1500 } });
    try {
      const dev = await RawDevice.connect(idle);
      dev.hello();
      await dev.helloResult();
      const keyAt = Date.now();
      dev.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 13, action: 'down', seq: 1 } });
      await dev.roundTrip();
      expect(idle.sessions.size).to.equal(1);
      expect(await dev.closed).to.deep.equal({ code: 4002, reason: 'STRATUS_IDLE_TIMEOUT' });
      expect(Date.now() - keyAt).to.be.at.least(1500);
    } finally {
      await idle.close();
    }
  });

  it('before teardown the app sees pagehide and visibilitychange (hidden), and its beacons arrive', async () => {
    const { dev } = await open('box-beacon');
    const pageId = await [...orch.sessions.values()][0].cloudPage!.evaluate(() => (window as any).probe.id as string);
    dev.send({ jsonrpc: '2.0', id: 2, method: 'session.close' });
    await dev.closed;
    const beacons = await until('both beacons', () => {
      const got = apps.seen.filter((r) => r.path === '/beacon' && r.query.page === pageId);
      return got.length >= 2 ? got : null;
    });
    // The spec's order when a document is unloaded: pagehide, then visibilitychange to hidden.
    expect(beacons.map((b) => b.query.event)).to.deep.equal(['pagehide', 'hidden']);
    expect(beacons[1].query.visibility).to.equal('hidden');
    await until('the session to end', () => orch.sessions.size === 0);
  });

  it("cookies, storage and cache are the session's own and are gone after close", async () => {
    const a = await open('box-a');
    const b = await open('box-b');
    const pageOf = (id: string) => orch.sessions.get(id)!.cloudPage!;
    await pageOf(a.id).evaluate(() => (window as any).probe.write('secret-of-a'));
    expect(await pageOf(a.id).evaluate(() => (window as any).probe.read())).to.deep.equal({
      cookie: 'probe=secret-of-a',
      local: 'secret-of-a',
      session: 'secret-of-a',
      cache: true
    });
    const empty = { cookie: '', local: null, session: null, cache: false };
    expect(await pageOf(b.id).evaluate(() => (window as any).probe.read())).to.deep.equal(empty);
    a.dev.send({ jsonrpc: '2.0', id: 2, method: 'session.close' });
    await a.dev.closed;
    const again = await open('box-a');
    expect(await pageOf(again.id).evaluate(() => (window as any).probe.read())).to.deep.equal(empty);
    b.dev.close();
    again.dev.close();
    await until('the sessions to end', () => orch.sessions.size === 0);
  });

  it('admission counts each session once: with room for 3, 50 concurrent hellos give exactly 3 sessions and 47 STRATUS_SESSION_LIMIT', async () => {
    const small = await startOrchestrator({
      sessions: { max: 4 },
      apps: { catalog: JSON.stringify({ probe: { url: `${apps.baseUrl}/probe/`, width: 1280, height: 720 } }), default: 'probe' }
    });
    const devs: RawDevice[] = [];
    try {
      const first = await RawDevice.connect(small, 'first-box');
      devs.push(first);
      first.hello();
      await first.helloResult();
      const more = await Promise.all(Array.from({ length: 50 }, (_v, i) => RawDevice.connect(small, `box-${i}`)));
      devs.push(...more);
      for (const d of more) d.hello();
      const outcomes = await Promise.all(more.map((d) => d.helloResult().then(() => 'ok', (e: { code?: string }) => e.code ?? 'error')));
      expect(outcomes.filter((o) => o === 'ok').length).to.equal(3);
      expect(outcomes.filter((o) => o === 'STRATUS_SESSION_LIMIT').length).to.equal(47);
      expect(small.sessions.size).to.equal(4);
    } finally {
      for (const d of devs) d.close();
      await small.close();
    }
  });

  it('admission counts a session that is still starting once: hellos that arrive while others load fill exactly the room', async () => {
    // An app server that holds every page until told: the sessions stay starting meanwhile.
    const held: Array<() => void> = [];
    const slow = createServer((_req, res) => held.push(() => res.end('<!DOCTYPE html><title>slow</title>')));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = (slow.address() as AddressInfo).port;
    const small = await startOrchestrator({
      sessions: { max: 3 },
      apps: { catalog: JSON.stringify({ slow: { url: `http://127.0.0.1:${port}/`, width: 1280, height: 720 } }), default: 'slow' }
    });
    const devs: RawDevice[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const d = await RawDevice.connect(small, `slow-${i}`);
        devs.push(d);
        d.hello();
        await until(`session ${i + 1} to be starting`, () => small.sessions.size === i + 1 && held.length === i + 1);
      }
      const extra = await RawDevice.connect(small, 'one-too-many');
      devs.push(extra);
      extra.hello();
      const refused = await extra.helloResult().then(() => 'ok', (e: { code?: string }) => e.code);
      expect(refused).to.equal('STRATUS_SESSION_LIMIT');
      for (const release of held) release();
      for (const d of devs.slice(0, 3)) expect((await d.helloResult()).sessionId).to.be.a('string');
    } finally {
      for (const release of held) release();
      for (const d of devs) d.close();
      await small.close();
      await new Promise((r) => slow.close(r));
    }
  });

  it('bounds the screen a hello may ask for, and the sessions one device may hold, each with a code', async () => {
    const small = await startOrchestrator({
      sessions: { maxPerDevice: 2 },
      apps: { catalog: JSON.stringify({ probe: { url: `${apps.baseUrl}/probe/`, width: 1280, height: 720 } }), default: 'probe' }
    });
    const devs: RawDevice[] = [];
    try {
      const huge = await RawDevice.connect(small, 'big-box');
      devs.push(huge);
      huge.hello({ screen: { width: 7680, height: 4320 } });
      expect(await huge.closed).to.deep.equal({ code: 4413, reason: 'STRATUS_SCREEN_TOO_LARGE' });
      expect(small.sessionsOpened).to.equal(0);
      for (let i = 0; i < 2; i++) {
        const d = await RawDevice.connect(small, 'one-box');
        devs.push(d);
        d.hello();
        await d.helloResult();
      }
      const third = await RawDevice.connect(small, 'one-box');
      devs.push(third);
      third.hello();
      expect(await third.closed).to.deep.equal({ code: 4503, reason: 'STRATUS_DEVICE_SESSION_LIMIT' });
      // Another device is not held back.
      const other = await RawDevice.connect(small, 'other-box');
      devs.push(other);
      other.hello();
      expect((await other.helloResult()).sessionId).to.be.a('string');
    } finally {
      for (const d of devs) d.close();
      await small.close();
    }
  });
});
