import { expect } from 'chai';
import { devicePixels, sessionOf, settle, until, useRig } from '@stratus/testkit';
import { decodePng } from '../../src/png/decode';

describe('device paint reaches the app', function () {
  this.timeout(60000);
  const rig = useRig();

  it('fires stratusrendered with the frame timing, including key-to-paint', async () => {
    const page = await rig.device.open(rig.orch, 'w=1280&h=720');
    try {
      const cloud = (await sessionOf(rig.orch, page)).cloudPage!;
      await cloud.evaluate(() => {
        const w = window as any;
        w.rendered = [];
        addEventListener('stratusrendered', (e) => w.rendered.push((e as CustomEvent).detail));
      });
      await page.keyboard.press('ArrowDown');
      const detail = await until('a rendered event for the key', async () => {
        const r = await cloud.evaluate(() => (window as any).rendered as any[]);
        return r.find((d) => d.inputSeq >= 1 && d.inputToPaintMs !== undefined);
      });
      expect(detail.frame).to.be.a('number');
      expect(detail.bytes).to.be.greaterThan(0);
      expect(detail.inputToPaintMs).to.be.greaterThan(0);
      // The focus move itself was painted; its report may ride on a later, empty sync frame when
      // the capture raced the key's dispatch (see layer-stream.ts).
      const all = await cloud.evaluate(() => (window as any).rendered as any[]);
      expect(all.some((d) => d.rects > 0 && d.frame <= detail.frame)).to.equal(true);
      expect(detail.captureMs).to.be.greaterThan(0);
      expect(detail.captureToAckMs).to.be.at.least(detail.captureMs);
      const deviceSide = await page.evaluate(() => (window as any).stratusClient.stats.inputToPaintMs as number[]);
      expect(deviceSide).to.have.length(1);
      expect(deviceSide[0]).to.be.closeTo(detail.inputToPaintMs, 0.01);
    } finally {
      await page.close();
    }
  });

  it('a tile that fails to decode makes the device ask for a keyframe, and the layer recovers exactly', async () => {
    const page = await rig.device.open(rig.orch, 'w=1280&h=720');
    try {
      await settle(rig.orch, page);
      // Corrupt the PNG payload of the next frame on its way in, as a flaky network stack might.
      await page.evaluate(() => {
        const client = (window as any).stratusClient;
        const t = client.transport;
        const inner = t.onbinary;
        let armed = true;
        t.onbinary = (data: ArrayBuffer) => {
          // The first PNG rectangle's payload, past its signature: the frame still parses.
          const view = new DataView(data);
          let at = 16;
          for (let i = 0; armed && i < view.getUint16(14); i++) {
            const length = view.getUint32(at + 9);
            if (view.getUint8(at + 8) === 1) {
              armed = false;
              const bytes = new Uint8Array(data, at + 13, length);
              for (let j = 16; j < Math.min(length, 200); j++) bytes[j] ^= 0x5a;
            }
            at += 13 + length;
          }
          inner(data);
        };
      });
      await page.keyboard.press('ArrowRight');
      await until('a keyframe request', () => page.evaluate(() => (window as any).stratusClient.stats.keyframeRequests === 1));
      await settle(rig.orch, page);
      const session = await sessionOf(rig.orch, page);
      const cloudPixels = decodePng(await session.page.capture());
      const dev = await devicePixels(page);
      expect(dev.data.equals(cloudPixels.data)).to.equal(true);
      const stats = await page.evaluate(() => (window as any).stratusClient.stats);
      expect(stats.framesDropped).to.equal(1);
      expect(stats.lastError).to.equal(null);
    } finally {
      await page.close();
    }
  });
});
