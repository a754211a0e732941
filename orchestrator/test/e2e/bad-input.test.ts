import { expect } from 'chai';
import { Page } from 'puppeteer-core';
import { Orchestrator } from '../../src/orchestrator';
import { DeviceBrowser, RawDevice, startOrchestrator, until } from '@stratus/testkit';

/**
 * Every kind of bad device input gets a coded error and closes only its own connection, while a
 * real device session next to it keeps working.
 */
describe('bad input from devices', function () {
  this.timeout(120000);
  let orch: Orchestrator;
  let device: DeviceBrowser;
  let healthy: Page;

  before(async () => {
    // Long enough that a loaded machine reads every other case's message before it: a 500 ms
    // timeout closed the garbage case's connection first with two suites running side by side.
    orch = await startOrchestrator({ server: { maxMessageBytes: 2048, handshakeTimeoutMs: 4000 } });
    device = await DeviceBrowser.launch();
    healthy = await device.open(orch, 'w=1280&h=720');
  });

  after(async () => {
    await device?.close();
    await orch?.close();
  });

  async function expectHealthyStillWorks(): Promise<void> {
    const before = await healthy.evaluate(() => (window as any).stratusClient.stats.inputToPaintMs.length as number);
    const focus = await [...orch.sessions.values()][0].cloudPage!.evaluate(() => (window as any).portalFocus as number);
    await healthy.keyboard.press('ArrowRight');
    await until('the healthy device to paint its key', () =>
      healthy.evaluate((n) => (window as any).stratusClient.stats.inputToPaintMs.length > n, before)
    );
    const after = await [...orch.sessions.values()][0].cloudPage!.evaluate(() => (window as any).portalFocus as number);
    expect(after).to.equal((focus + 1) % 6 + Math.floor(focus / 6) * 6);
  }

  const closing: Array<{ name: string; code: string; close: number; act: (d: RawDevice) => void | Promise<void> }> = [
    { name: 'garbage', code: 'STRATUS_PARSE_ERROR', close: 4400, act: (d) => d.send('\u0000\u0001 definitely not json') },
    { name: 'truncated JSON', code: 'STRATUS_PARSE_ERROR', close: 4400, act: (d) => d.send('{"jsonrpc":"2.0","method":"session.he') },
    { name: 'a JSON array', code: 'STRATUS_INVALID_MESSAGE', close: 4400, act: (d) => d.send('[1,2,3]') },
    { name: 'a wrong jsonrpc version', code: 'STRATUS_INVALID_MESSAGE', close: 4400, act: (d) => d.send({ jsonrpc: '1.0', method: 'x' }) },
    { name: 'an oversized message', code: 'STRATUS_MESSAGE_TOO_LARGE', close: 4413, act: (d) => d.send({ jsonrpc: '2.0', method: 'ui.ack', params: { pad: 'x'.repeat(5000) } }) },
    { name: 'binary from a device', code: 'STRATUS_UNEXPECTED_BINARY', close: 4400, act: (d) => d.send(Buffer.from([1, 2, 3])) },
    { name: 'a key before hello', code: 'STRATUS_OUT_OF_ORDER', close: 4409, act: (d) => d.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 37, action: 'down', seq: 1 } }) },
    { name: 'hello with bad params', code: 'STRATUS_INVALID_PARAMS', close: 4400, act: (d) => d.send({ jsonrpc: '2.0', id: 1, method: 'session.hello', params: { protocol: 1, screen: { width: -5, height: 720 } } }) },
    { name: 'hello as a notification', code: 'STRATUS_INVALID_MESSAGE', close: 4400, act: (d) => d.send({ jsonrpc: '2.0', method: 'session.hello', params: {} }) },
    { name: 'an unsupported protocol version', code: 'STRATUS_UNSUPPORTED_PROTOCOL', close: 4426, act: (d) => d.hello({ protocol: 99 }) },
    { name: 'an app that is not in the catalogue', code: 'STRATUS_UNKNOWN_APP', close: 4404, act: (d) => d.hello({ app: 'not-there' }) },
    { name: 'silence instead of hello', code: 'STRATUS_HANDSHAKE_TIMEOUT', close: 4408, act: () => Promise.resolve() }
  ];

  for (const c of closing) {
    it(`closes only the offending connection on ${c.name}, with ${c.code}`, async () => {
      const bad = await RawDevice.connect(orch);
      await c.act(bad);
      const closed = await bad.closed;
      expect(closed).to.deep.equal({ code: c.close, reason: c.code });
      expect(bad.errorCodes()).to.include(c.code);
      expect(orch.sessions.size).to.equal(1);
      await expectHealthyStillWorks();
    });
  }

  it('refuses a key sent before the hello is answered, and the session being opened for it is closed', async () => {
    const early = await RawDevice.connect(orch);
    early.hello();
    early.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 37, action: 'down', seq: 1 } });
    expect(await early.closed).to.deep.equal({ code: 4409, reason: 'STRATUS_OUT_OF_ORDER' });
    // The session the early hello started is closed as soon as it has started.
    await until('no session but the healthy one', () => orch.startingSessions === 0 && orch.sessions.size === 1, 15000);
    expect(orch.sessions.size).to.equal(1);
    await expectHealthyStillWorks();
  });

  describe('within a live session', () => {
    let bad: RawDevice;
    beforeEach(async () => {
      bad = await RawDevice.connect(orch);
      bad.hello();
      await bad.helloResult();
      await until('the first frame', () => bad.frames.length > 0);
    });
    afterEach(async () => {
      bad.close();
      await until('the bad session to end', () => orch.sessions.size === 1);
    });

    for (const c of [
      { name: 'an unknown key code', code: 'STRATUS_INVALID_PARAMS', close: 4400, msg: { jsonrpc: '2.0', method: 'input.key', params: { code: 65, action: 'down', seq: 1 } } },
      { name: 'an ack for a frame never sent', code: 'STRATUS_UNKNOWN_FRAME', close: 4409, msg: { jsonrpc: '2.0', method: 'ui.ack', params: { frame: 999 } } },
      { name: 'a second hello', code: 'STRATUS_OUT_OF_ORDER', close: 4409, msg: { jsonrpc: '2.0', id: 2, method: 'session.hello', params: { protocol: 1, screen: { width: 1280, height: 720 } } } },
      { name: 'a link seq that skips ahead', code: 'STRATUS_OUT_OF_ORDER', close: 4409, msg: { jsonrpc: '2.0', method: 'input.key', params: { code: 37, action: 'down' }, seq: 7 } },
      { name: 'a sequenced method without seq', code: 'STRATUS_INVALID_MESSAGE', close: 4400, msg: { jsonrpc: '2.0', method: 'input.key', params: { code: 37, action: 'down' }, seq: undefined } },
      { name: 'a seq on a connection-scoped method', code: 'STRATUS_INVALID_MESSAGE', close: 4400, msg: { jsonrpc: '2.0', method: 'ui.keyframe', params: { reason: 'x' }, seq: 1 } },
      { name: 'an ack for messages never sent', code: 'STRATUS_INVALID_MESSAGE', close: 4400, msg: { jsonrpc: '2.0', method: 'link.ack', params: {}, ack: 1000000 } },
      { name: 'a fractional seq', code: 'STRATUS_INVALID_MESSAGE', close: 4400, msg: { jsonrpc: '2.0', method: 'input.key', params: { code: 37, action: 'down' }, seq: 1.5 } },
      {
        name: 'a media event of an unknown type',
        code: 'STRATUS_INVALID_PARAMS',
        close: 4400,
        msg: { jsonrpc: '2.0', method: 'media.event', params: { player: '1.m1', cmd: 1, type: 'explode', state: {} } }
      },
      {
        name: 'a media event with a NaN-like duration',
        code: 'STRATUS_INVALID_PARAMS',
        close: 4400,
        msg: { jsonrpc: '2.0', method: 'media.event', params: { player: '1.m1', cmd: 1, type: 'timeupdate', state: { duration: 'NaN' } } }
      }
    ]) {
      it(`closes the session on ${c.name}, with ${c.code}`, async () => {
        bad.send(c.msg);
        expect(await bad.closed).to.deep.equal({ code: c.close, reason: c.code });
        await until('the bad session to end', () => orch.sessions.size === 1);
        await expectHealthyStillWorks();
      });
    }

    it('discards replayed messages (a link seq it already has) without closing anything', async () => {
      const session = [...orch.sessions.values()].find((s) => s.deviceId === 'raw-device')!;
      const key = { jsonrpc: '2.0', method: 'input.key', params: { code: 37, action: 'down', seq: 5 } };
      bad.send(key);
      const first = bad.seq;
      bad.send({ ...key, seq: first });
      bad.send({ ...key, params: { code: 37, action: 'up', seq: 6 }, seq: first });
      await until('the duplicates to be counted', () => session.channels.device.link.stats.duplicates === 2);
      expect(session.stats.keys).to.equal(1);
      expect(bad.ws.readyState).to.equal(bad.ws.OPEN);
      await expectHealthyStillWorks();
    });

    it('ignores a well-formed media event for a player the session never made', async () => {
      const session = [...orch.sessions.values()].find((s) => s.deviceId === 'raw-device')!;
      const state = { currentTime: 1, duration: 10, paused: false, ended: false, seeking: false, readyState: 4, networkState: 2, volume: 1, muted: false, rate: 1, buffered: [], seekable: [], videoWidth: 640, videoHeight: 360 };
      bad.send({ jsonrpc: '2.0', method: 'media.event', params: { player: '99.m7', cmd: 1, type: 'playing', state } });
      await until('the event to be seen', () => session.media!.stats.events === 1);
      await bad.roundTrip();
      expect(bad.ws.readyState).to.equal(bad.ws.OPEN);
      await expectHealthyStillWorks();
    });

    it('answers an unknown method with a JSON-RPC error and keeps the connection', async () => {
      bad.send({ jsonrpc: '2.0', id: 7, method: 'no.such.method' });
      const reply = await until('the error response', () => bad.texts.find((t) => t.id === 7));
      expect(reply.error).to.deep.include({ code: -32601 });
      expect(reply.error.data).to.deep.equal({ code: 'STRATUS_UNKNOWN_METHOD' });
      bad.send({ jsonrpc: '2.0', method: 'ui.ack', params: { frame: 1 } });
      await bad.roundTrip();
      expect(bad.ws.readyState).to.equal(bad.ws.OPEN);
      expect(orch.sessions.size).to.equal(2);
    });
  });
});
