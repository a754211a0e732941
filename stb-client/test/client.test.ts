import { expect } from 'chai';
import FakeTimers from '@sinonjs/fake-timers';
import { PROTOCOL_VERSION } from '@stratus/protocol';
import { StratusClient } from '../src/client';
import { Display } from '../src/display';
import { ReconnectPolicy } from '../src/reconnect';
import { FakeCanvas, FakeTransport, ManualDecoders } from './fakes';

const HELLO_RESULT = {
  sessionId: '3f0e8a52-1c1e-4c39-9a3e-2f1d7c3b9a10',
  protocol: PROTOCOL_VERSION,
  layer: { width: 64, height: 32 },
  app: { id: 'portal', width: 64, height: 32, scale: 1 },
  window: 2,
  resumeToken: 'r'.repeat(32),
  ack: 0,
  role: 'device'
};

describe('stb-client/client: connection and reconnect policy', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  let transports: FakeTransport[];
  let client: StratusClient;

  /** The newest connection, opened as a socket opens. */
  function open(): FakeTransport {
    const t = transports[transports.length - 1];
    t.onopen!();
    return t;
  }

  beforeEach(() => {
    // The back-off is a timer, and the subject here: the clock is fake.
    clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
    transports = [];
    const display = new Display(new FakeCanvas() as unknown as HTMLCanvasElement, new ManualDecoders().table);
    // Jitter fixed at its middle: delays are 250, 500, 1000 ... ms.
    client = new StratusClient(
      () => {
        const t = new FakeTransport();
        transports.push(t);
        return t;
      },
      display,
      { screen: { width: 64, height: 32 }, token: 'device-token', app: 'portal' },
      new ReconnectPolicy(() => 0.5)
    );
  });
  afterEach(() => clock.uninstall());

  function goLive(): FakeTransport {
    const t = open();
    const hello = t.sent[0];
    expect(hello).to.deep.include({ jsonrpc: '2.0', method: 'session.hello' });
    expect(hello.params).to.deep.include({ protocol: PROTOCOL_VERSION, token: 'device-token', app: 'portal' });
    t.receive({ jsonrpc: '2.0', id: hello.id, result: HELLO_RESULT });
    expect(client.live).to.equal(true);
    return t;
  }

  it('resumes after a drop with back-off, replaying the keys sent while away', async () => {
    const first = goLive();
    client.sendKey(39, 'down');
    expect(first.sent[1]).to.deep.include({ method: 'input.key', seq: 1 });
    first.drop(1006);
    client.sendKey(37, 'down');
    expect(transports).to.have.length(1);
    await clock.tickAsync(249);
    expect(transports).to.have.length(1);
    await clock.tickAsync(1);
    const second = open();
    // The orchestrator got nothing of ours yet? Then it says ack 0, and both keys go again.
    expect(second.sent[0]).to.deep.include({ method: 'session.resume' });
    expect(second.sent[0].params).to.deep.equal({ sessionId: HELLO_RESULT.sessionId, resumeToken: HELLO_RESULT.resumeToken, ack: 0 });
    second.receive({ jsonrpc: '2.0', id: second.sent[0].id, result: { ...HELLO_RESULT, ack: 1 } });
    // It had key 1: only key 2 is replayed.
    expect(second.sent.slice(1).map((m) => [m.method, m.seq, m.params.code])).to.deep.equal([['input.key', 2, 37]]);
    expect(client.stats.reconnects).to.equal(1);
  });

  it('backs off exponentially while the orchestrator stays away, and starts again from the first delay once live', async () => {
    goLive();
    const gaps: number[] = [];
    for (let i = 0; i < 7; i++) {
      // The connection drops (or an attempt fails before it opens): the next one waits.
      transports[transports.length - 1].drop(1006);
      const before = transports.length;
      const t0 = clock.now;
      await clock.nextAsync();
      expect(transports.length).to.equal(before + 1);
      gaps.push(clock.now - t0);
    }
    expect(gaps).to.deep.equal([250, 500, 1000, 2000, 4000, 8000, 8000]);
    const t = open();
    t.receive({ jsonrpc: '2.0', id: t.sent[0].id, result: HELLO_RESULT });
    t.drop(1006);
    const t0 = clock.now;
    await clock.nextAsync();
    expect(clock.now - t0).to.equal(250);
  });

  for (const [code, why] of [
    [1000, 'its own normal close'],
    [4401, 'refused credentials'],
    [4003, 'an operator closed the session'],
    [4400, 'a protocol error that would only repeat']
  ] as Array<[number, string]>) {
    it(`does not reconnect after ${code}: ${why}`, async () => {
      goLive().drop(code, 'x');
      await clock.tickAsync(60000);
      expect(transports).to.have.length(1);
      expect(client.stats.reconnects).to.equal(0);
    });
  }

  it('reconnects after a close that is not final (a restarting orchestrator, 4001)', async () => {
    goLive().drop(4001, 'STRATUS_SHUTDOWN');
    await clock.tickAsync(250);
    expect(transports).to.have.length(2);
  });

  it('starts a new session when the resume is refused because the session is gone', async () => {
    goLive().drop(1006);
    await clock.tickAsync(250);
    const second = open();
    second.receive({ jsonrpc: '2.0', id: second.sent[0].id, error: { code: -32028, message: 'gone', data: { code: 'STRATUS_UNKNOWN_SESSION' } } });
    expect(second.closed).to.deep.equal({ code: 1000, reason: 'starting over' });
    second.drop(1000, 'starting over');
    const third = open();
    expect(third.sent[0]).to.deep.include({ method: 'session.hello' });
    expect(client.session).to.equal(null);
  });
});
