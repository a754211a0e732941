import { expect } from 'chai';
import { decodePng } from '../../src/png/decode';
import { devicePixels, runDropTest, sessionOf, settle, useRig } from '@stratus/testkit';

describe('control channel: nothing lost or duplicated across drops', function () {
  this.timeout(180000);
  // The shipped grace is 30 s; the rig's 300 ms would end the session during a slow back-off.
  const rig = useRig({ sessions: { resumeGraceMs: 30000 } });

  it('20 random cuts while keys and requests flow both ways: every message arrives once, in order', async () => {
    const page = await rig.device.open(rig.orch, 'w=1280&h=720&app=portal');
    try {
      const session = await sessionOf(rig.orch, page);
      const r = await runDropTest(session, page, 20, 20261121);
      expect(r.drops).to.equal(20);
      expect(r.keysSent).to.be.above(50);
      expect(r.requests).to.be.above(20);
      expect({ lost: r.lost, duplicated: r.duplicated, keysInOrder: r.keysInOrder }).to.deep.equal({ lost: 0, duplicated: 0, keysInOrder: true });
      expect(r.handled).to.equal(r.requests);
      // The cuts did catch messages in flight: the replays carried them.
      expect(r.replayed).to.be.above(0);
      // The layer came back whole as well.
      await settle(rig.orch, page);
      const cloud = decodePng(await session.page.capture());
      expect((await devicePixels(page)).data.equals(cloud.data)).to.equal(true);
    } finally {
      await page.evaluate(() => (window as any).stratusClient.close()).catch(() => undefined);
      await page.close();
    }
  });
});
