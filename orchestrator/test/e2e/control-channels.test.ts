import { expect } from 'chai';
import { Page } from 'puppeteer-core';
import { Session } from '../../src/session/session';
import { RawDevice, sessionOf, until, useRig } from '@stratus/testkit';

/** DeviceBrowser.open gives the emulator credentials for this device id. */
const EMULATOR = 'test-device';

async function joined(rig: ReturnType<typeof useRig>, session: Session, deviceId = EMULATOR, extra: Record<string, unknown> = {}): Promise<{ c: RawDevice; result: any }> {
  const c = await RawDevice.connect(rig.orch, deviceId);
  c.send({ jsonrpc: '2.0', id: 1, method: 'session.join', params: { sessionId: session.id, token: c.token, name: 'remote app', ...extra } });
  return { c, result: await c.helloResult() };
}

function answer(c: RawDevice, id: number): any {
  return until(`the answer to ${id}`, () => c.texts.find((t) => t.id === id && ('result' in t || 'error' in t)));
}

describe('control channels: a second client on the same session', function () {
  this.timeout(120000);
  const rig = useRig({ control: { maxChannels: 2 }, sessions: { resumeGraceMs: 3000 } });
  let page: Page;
  let session: Session;

  beforeEach(async () => {
    page = await rig.device.open(rig.orch, 'w=1280&h=720&app=portal&model=Control+Test');
    session = await sessionOf(rig.orch, page);
  });
  afterEach(async () => {
    await page.evaluate(() => (window as any).stratusClient.close()).catch(() => undefined);
    await page.close();
    await until('the session to end', () => rig.orch.sessions.size === 0, 15000);
  });

  it('joins with the device credentials, sends keys the app acts on, and reads session.info', async () => {
    const { c, result } = await joined(rig, session);
    expect(result).to.include({ sessionId: session.id, role: 'control', deviceAttached: true, ack: 0 });
    expect(result.resumeToken).to.match(/^[A-Za-z0-9_-]{32}$/);
    const focus = () => session.cloudPage!.evaluate(() => (window as any).portalFocus as number);
    const before = await focus();
    c.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 39, action: 'down' } });
    c.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 39, action: 'up' } });
    await until('the app to move focus', async () => (await focus()) === before + 1);
    c.send({ jsonrpc: '2.0', id: 2, method: 'session.info', params: {} });
    const info = (await answer(c, 2)).result;
    expect(info).to.include({ sessionId: session.id, deviceId: EMULATOR, deviceAttached: true, controlChannels: 1, model: 'Control Test' });
    expect(info.layer).to.deep.equal({ width: 1280, height: 720 });
    // Answers to sequenced requests are sequenced too.
    expect((await answer(c, 2)).seq).to.be.a('number');
    // A control channel gets no UI stream: the key's frame went to the device alone.
    await until("the key's frame to go out", () => session.stats.framesSent >= 2);
    await c.roundTrip();
    expect(c.frames).to.have.length(0);
    c.close();
  });

  it('a text message that is not UTF-8 gets a coded error, and the channel is not held for a resume', async () => {
    const { c } = await joined(rig, session);
    expect(session.channels.controlCount).to.equal(1);
    c.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    expect(await c.closed).to.deep.equal({ code: 4400, reason: 'STRATUS_PARSE_ERROR' });
    await until('the channel to go', () => session.channels.controlCount === 0);
    expect(c.errorCodes()).to.include('STRATUS_PARSE_ERROR');
    // The session and its device are untouched.
    expect(rig.orch.sessions.get(session.id)).to.equal(session);
  });

  it('hears the device leave and come back, and refuses what only the device may send', async () => {
    const { c } = await joined(rig, session);
    await page.evaluate(() => (window as any).stratusClient.dropConnection());
    await until('the device to resume', () => page.evaluate(() => (window as any).stratusClient.live && (window as any).stratusClient.stats.reconnects === 1), 15000);
    const told = await until('both notifications', () => {
      const n = c.texts.filter((t) => t.method === 'session.device');
      return n.length === 2 ? n : null;
    });
    expect(told.map((t) => t.params.attached)).to.deep.equal([false, true]);
    // Sequenced, in order (the session's events, also sequenced, come between them).
    expect(told[1].seq).to.be.greaterThan(told[0].seq);
    c.send({ jsonrpc: '2.0', method: 'ui.ack', params: { frame: 1 } });
    c.send({ jsonrpc: '2.0', id: 3, method: 'media.nothing', params: {} });
    await until('the refusal', () => c.errorCodes().includes('STRATUS_METHOD_NOT_ALLOWED'));
    expect((await answer(c, 3)).error.data.code).to.equal('STRATUS_UNKNOWN_METHOD');
    expect(c.ws.readyState).to.equal(c.ws.OPEN);
    c.close();
  });

  it('resumes its own channel after a drop and gets what it missed, once', async () => {
    const { c, result } = await joined(rig, session);
    c.ws.terminate();
    await until('the orchestrator to see the drop', () => session.channels.attachedControlCount === 0);
    // The device comes and goes while the control client is away: two notifications wait for it.
    await page.evaluate(() => (window as any).stratusClient.dropConnection());
    await until('the device to resume', () => page.evaluate(() => (window as any).stratusClient.live && (window as any).stratusClient.stats.reconnects === 1), 15000);
    const back = await RawDevice.connect(rig.orch, EMULATOR);
    back.resume(session.id, result.resumeToken, 0);
    const resumed = await back.helloResult();
    expect(resumed).to.include({ role: 'control', sessionId: session.id });
    const told = await until('the replay', () => {
      const n = back.texts.filter((t) => t.method === 'session.device');
      return n.length === 2 ? n : null;
    });
    expect(told.map((t) => t.params.attached)).to.deep.equal([false, true]);
    expect(told[1].seq).to.be.greaterThan(told[0].seq);
    // The session's events it missed are replayed as well: the device leaving and coming back.
    const events = back.texts.filter((t) => t.method === 'session.event' && t.params.type === 'device.attached');
    expect(events.map((t) => t.params.data.attached)).to.deep.equal([false, true]);
    back.ackAll();
    await until('the channel to have nothing unacknowledged', () => session.info().controlChannels === 1 && back.texts.length >= 3);
    back.send({ jsonrpc: '2.0', id: 2, method: 'session.leave', params: {} });
    expect(await back.closed).to.deep.equal({ code: 1000, reason: 'left' });
    expect(session.info().controlChannels).to.equal(0);
    expect(session.channels.deviceAttached).to.equal(true);
  });

  it('refuses another device, an unknown session and one client too many; a bad client closes only itself', async () => {
    const other = await RawDevice.connect(rig.orch, 'someone-else');
    other.send({ jsonrpc: '2.0', id: 1, method: 'session.join', params: { sessionId: session.id, token: other.token } });
    expect(await other.closed).to.deep.equal({ code: 4401, reason: 'STRATUS_AUTH_INVALID' });
    const lost = await RawDevice.connect(rig.orch, EMULATOR);
    lost.send({ jsonrpc: '2.0', id: 1, method: 'session.join', params: { sessionId: '00000000-0000-4000-8000-000000000000', token: lost.token } });
    expect(await lost.closed).to.deep.equal({ code: 4404, reason: 'STRATUS_UNKNOWN_SESSION' });
    const a = await joined(rig, session);
    const b = await joined(rig, session);
    const third = await RawDevice.connect(rig.orch, EMULATOR);
    third.send({ jsonrpc: '2.0', id: 1, method: 'session.join', params: { sessionId: session.id, token: third.token } });
    expect(await third.closed).to.deep.equal({ code: 4504, reason: 'STRATUS_CHANNEL_LIMIT' });
    a.c.send('{"jsonrpc":"2.0","method":"input.ke');
    expect(await a.c.closed).to.deep.equal({ code: 4400, reason: 'STRATUS_PARSE_ERROR' });
    await until('the bad channel to go', () => session.info().controlChannels === 1);
    expect(rig.orch.sessions.has(session.id)).to.equal(true);
    expect(session.channels.deviceAttached).to.equal(true);
    // The remaining control client ends the session: the device is told why.
    b.c.send({ jsonrpc: '2.0', id: 2, method: 'session.close', params: { reason: 'operator app' } });
    expect((await answer(b.c, 2)).result).to.deep.equal({ closed: true });
    // This session: the emulator, told its session closed (4000, not final), may already be
    // starting a new one.
    await until('the session to end', () => !rig.orch.sessions.has(session.id), 15000);
    const status = await until('the device to hear', () => page.evaluate(() => (window as any).stratusClient.stats.lastError));
    expect(status.code).to.equal('STRATUS_SESSION_CLOSED');
  });
});
