import { expect } from 'chai';
import { failure, RawDevice, sessionOf, until, useRig } from '@stratus/testkit';

describe('control channel: cloud-to-device requests and rate limits', function () {
  this.timeout(90000);
  const rig = useRig({ control: { rpcTimeoutMs: 300, ratePerS: 50, rateBurst: 100 } });

  it('the emulator answers device.info; unknown methods come back coded', async () => {
    const page = await rig.device.open(rig.orch, 'w=1280&h=720&model=Test+Box');
    try {
      const session = await sessionOf(rig.orch, page);
      const info = await session.channels.device.request('device.info', {}, 5000);
      expect(info.screen).to.deep.equal({ width: 1280, height: 720 });
      expect(info.model).to.equal('Test Box');
      expect(info.framesPainted).to.be.greaterThan(0);
      const err = await failure(session.channels.device.request('device.nothing' as never, {} as never, 5000));
      expect(err.code).to.equal('STRATUS_UNKNOWN_METHOD');
    } finally {
      await page.close();
      await until('the session to end', () => rig.orch.sessions.size === 0);
    }
  });

  it('a device that never answers: STRATUS_RPC_TIMEOUT; late and unknown responses are ignored', async () => {
    const dev = await RawDevice.connect(rig.orch);
    try {
      dev.hello();
      const { sessionId } = await dev.helloResult();
      const session = rig.orch.sessions.get(sessionId)!;
      const err = await failure(session.channels.device.request('device.info', {}, rig.orch.config.control.rpcTimeoutMs));
      expect(err.code).to.equal('STRATUS_RPC_TIMEOUT');
      const request = dev.texts.find((t) => t.method === 'device.info');
      // Frame 1 must be in flight for its ack to be a plain one (on a loaded machine the keyframe can come late).
      await until('the keyframe', () => dev.frames.length > 0);
      dev.send({ jsonrpc: '2.0', id: request.id, result: { late: true } });
      dev.send({ jsonrpc: '2.0', id: 9999, result: {} });
      dev.send({ jsonrpc: '2.0', method: 'ui.ack', params: { frame: 1 } });
      await dev.roundTrip();
      expect(rig.orch.sessions.has(sessionId)).to.equal(true);
    } finally {
      dev.close();
      await until('the session to end', () => rig.orch.sessions.size === 0);
    }
  });

  it('a pending request waits through a drop, and fails with the reason when the session closes', async () => {
    const dev = await RawDevice.connect(rig.orch);
    dev.hello();
    const { sessionId } = await dev.helloResult();
    const pending = rig.orch.sessions.get(sessionId)!.channels.device.request('device.info', {}, 10000).catch((e) => e.code);
    await until('the request to reach the device', () => dev.texts.some((t) => t.method === 'device.info'));
    dev.close();
    expect(await pending).to.equal('STRATUS_TRANSPORT_LOST');
    await until('the session to end', () => rig.orch.sessions.size === 0);
  });

  it('a malformed response (result and error) closes the connection: STRATUS_INVALID_MESSAGE', async () => {
    const dev = await RawDevice.connect(rig.orch);
    dev.hello();
    await dev.helloResult();
    dev.send({ jsonrpc: '2.0', id: 1, result: {}, error: { code: 1, message: 'x' } });
    expect(await dev.closed).to.deep.equal({ code: 4400, reason: 'STRATUS_INVALID_MESSAGE' });
    await until('the session to end', () => rig.orch.sessions.size === 0);
  });

  it('a flooding device is cut off with STRATUS_RATE_LIMITED, and only that one', async () => {
    const calm = await RawDevice.connect(rig.orch, 'calm');
    calm.hello();
    const { sessionId } = await calm.helloResult();
    const flood = await RawDevice.connect(rig.orch, 'flood');
    flood.hello();
    await flood.helloResult();
    for (let seq = 1; seq <= 300; seq++) flood.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 37, action: seq % 2 ? 'down' : 'up', seq } });
    expect(await flood.closed).to.deep.equal({ code: 4429, reason: 'STRATUS_RATE_LIMITED' });
    for (let seq = 1; seq <= 20; seq++) calm.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 39, action: seq % 2 ? 'down' : 'up', seq } });
    const info = rig.orch.sessions.get(sessionId)!;
    await until('the calm keys to arrive', () => info.stats.keys === 20);
    expect(calm.ws.readyState).to.equal(calm.ws.OPEN);
    calm.close();
    await until('the sessions to end', () => rig.orch.sessions.size === 0);
  });
});
