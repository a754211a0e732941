import { expect } from 'chai';
import { Orchestrator } from '../../src/orchestrator';
import { frameHeader as header, delay, RawDevice, startOrchestrator, until } from '@stratus/testkit';


describe('flow control against a real page', function () {
  this.timeout(60000);
  let orch: Orchestrator;

  before(async () => {
    orch = await startOrchestrator();
  });
  after(async () => {
    await orch?.close();
  });

  it('a device that never acks gets at most `window` frames, and the server stops capturing', async () => {
    const dev = await RawDevice.connect(orch);
    try {
      dev.hello();
      const hello = await dev.helloResult();
      expect(hello.window).to.equal(2);
      const session = orch.sessions.get(hello.sessionId)!;
      let seq = 0;
      // 40 focus moves, each a visible change, none acknowledged.
      for (let i = 0; i < 20; i++) {
        dev.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 39, action: 'down', seq: ++seq } });
        dev.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 39, action: 'up', seq: ++seq } });
      }
      await until('the keys to reach the app', () => session.cloudPage!.evaluate(() => (window as any).portalFocus === 2));
      await session.input.drained();
      await until('the stream to stop at the window', () => session.layer.framesInFlight === 2 && !session.layer.isCapturing);
      expect(dev.frames).to.have.length(2);
      // More changes while the window is full are not captured: they merge into the next frame.
      const captures = session.stats.captures;
      dev.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 39, action: 'down', seq: ++seq } });
      dev.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 37, action: 'down', seq: ++seq } });
      await dev.roundTrip();
      await session.input.drained();
      expect(session.stats.captures).to.equal(captures);
      expect(session.layer.isCapturing).to.equal(false);

      // One ack lets exactly the merged latest state through.
      dev.send({ jsonrpc: '2.0', method: 'ui.ack', params: { frame: 2 } });
      await until('the merged frame', () => dev.frames.length === 3);
      expect(header(dev.frames[2]).inputSeq).to.equal(42);
    } finally {
      dev.close();
    }
  });

  it('a static UI sends nothing and captures nothing', async () => {
    const dev = await RawDevice.connect(orch);
    try {
      dev.hello();
      const hello = await dev.helloResult();
      const session = orch.sessions.get(hello.sessionId)!;
      // Ack everything that arrives until the layer has settled.
      let acked = 0;
      const ackAll = () => {
        while (acked < dev.frames.length) {
          dev.send({ jsonrpc: '2.0', method: 'ui.ack', params: { frame: header(dev.frames[acked]).frame } });
          acked++;
        }
      };
      // At rest: the page said it is still, its screencast stopped, and the check of what the
      // screencast showed last (quiet-checks.ts) has run; on a loaded machine the page's word can
      // come well after the layer went idle.
      const settled = async (): Promise<void> => {
        await until('the layer to be at rest, its screencast quiet', () => {
          ackAll();
          return session.layer.idle && session.layer.quietNow;
        });
      };
      await until('the first frame', () => dev.frames.length > 0);
      await settled();
      // The portal's clock changes once a minute; keep the quiet period clear of that tick.
      const toMinute = 60 - new Date().getSeconds();
      if (toMinute < 4) {
        await delay((toMinute + 1) * 1000);
        await settled();
      }
      const frames = dev.frames.length;
      const captures = session.stats.captures;
      // Time is the subject here: a static page must cost nothing for as long as it stays static.
      await delay(2000);
      expect(dev.frames.length).to.equal(frames);
      expect(session.stats.captures).to.equal(captures);
    } finally {
      dev.close();
    }
  });
});
