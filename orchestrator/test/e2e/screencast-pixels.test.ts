import { DEFAULTS } from '../../src/config';
import { expect } from 'chai';
import { cloudMismatch, frameHeader, RawDevice, settle, until, useRig, withApp } from '@stratus/testkit';
import type { Page } from 'puppeteer-core';
import type { Session } from '../../src/session/session';

/**
 * Pixels mode (ui.screencastPixels, at scale 1): the layer's changes come from the page's own
 * screencast frames, which hold a capture's opaque and clear pixels byte for byte; only changes
 * with translucent pixels are captured.
 */
describe('layer pixels from the page screencast (real Chromium)', function () {
  this.timeout(180000);
  // Long enough that a key checks by capture only when no frame could claim it, even on a loaded machine.
  const rig = useRig({
    ui: { keyPaintWaitMs: 3000, quietScreencast: 'off' },
    apps: {
      catalog: {
        ...DEFAULTS.apps.catalog,
        'hint-miss': { url: '/apps/hint-miss/', width: 1280, height: 720 },
        // The card grid without its thumbnails: a layer of pictures goes live from its first key.
        'grid-plain': { url: '/apps/grid/?plain', width: 1280, height: 720 }
      }
    }
  });

  async function press(session: Session, page: Page, keys: string[]): Promise<number> {
    const before = session.page.captures;
    for (const k of keys) {
      await page.keyboard.press(k as 'ArrowRight');
      await settle(rig.orch, page);
    }
    return session.page.captures - before;
  }

  /** Captures that a check asked for: a key no frame claimed, a burst's last frame, a capture's change a frame did not show, a frame that could not be read. */
  function checks(session: Session): number {
    const c = session.layer.counters;
    return c.keyChecks + c.burstChecks + c.confirmChecks + c.unreadShots;
  }

  it('moves focus on an opaque grid from its frames, with no capture but the checks that frames ask for, pixel for pixel', async () => {
    const keys = ['ArrowRight', 'ArrowRight', 'ArrowDown', 'ArrowLeft'];
    const r = await withApp(rig, 'grid-plain', async (session, page) => {
      const checksBefore = checks(session);
      const framesBefore = session.layer.counters.shotFrames;
      const captures = await press(session, page, keys);
      return { captures, checks: checks(session) - checksBefore, shotFrames: session.layer.counters.shotFrames - framesBefore, mismatch: await cloudMismatch(session, page) };
    });
    expect(r.mismatch).to.equal(null);
    expect(r.shotFrames).to.be.at.least(1);
    // How many checks a key needs depends on how its paint and its frames fell (a paint taken
    // before the key's delivery was confirmed, two frames close together): that is the bench's
    // (npm run bench, density: ui_cloud_cpu_ms_per_key_pixels). Here no capture comes but for a
    // check: the capture path takes about three a key.
    expect(r.captures).to.be.at.most(r.checks);
  });

  it('captures the translucent portal where its frames cannot vouch, still pixel for pixel', async () => {
    const keys = ['ArrowRight', 'ArrowDown', 'ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowLeft'];
    const r = await withApp(rig, 'portal', async (session, page) => {
      const checksBefore = checks(session);
      const captures = await press(session, page, keys);
      return { captures, checks: checks(session) - checksBefore, mismatch: await cloudMismatch(session, page) };
    });
    expect(r.mismatch).to.equal(null);
    // The capture path takes about three a key (a clip, the whole layer, and one for the clip's
    // own screencast frame); here the key's clip is all, and one more capture when its paint came
    // after the clip (every key, on a loaded machine), and those checks ask for.
    expect(r.captures).to.be.at.least(1).and.at.most(2 * keys.length + r.checks);
  });

  it('shows what a page-reported hint missed, from the frame that follows', async () => {
    // The class change on #a recolours a child painted 380 px outside #a's box.
    const r = await withApp(rig, 'hint-miss', async (session, page) => {
      await press(session, page, ['ArrowRight', 'ArrowRight']);
      return { clipCorrections: session.layer.stats.clipCorrections, mismatch: await cloudMismatch(session, page) };
    });
    expect(r).to.deep.equal({ clipCorrections: 0, mismatch: null });
  });

  it('still captures every change at a fractional scale, where frames are not the capture', async () => {
    const r = await withApp(rig, 'portal-1080', async (session, page) => {
      const captures = await press(session, page, ['ArrowRight', 'ArrowDown']);
      return { captures: captures > 0, fromFrames: session.layer.counters.shotFrames, mismatch: await cloudMismatch(session, page) };
    });
    expect(r).to.deep.equal({ captures: true, fromFrames: 0, mismatch: null });
  });

  it('paints a key-down that changes nothing, after a capture shows it so', async () => {
    const raw = await RawDevice.connect(rig.orch, 'pixels-raw');
    try {
      let painted = 0;
      raw.ws.on('message', (data, isBinary) => {
        if (!isBinary) return;
        const h = frameHeader(data as Buffer);
        painted = Math.max(painted, h.inputSeq);
        raw.send({ jsonrpc: '2.0', method: 'ui.ack', params: { frame: h.frame } });
      });
      raw.hello({ app: 'grid-plain' });
      await raw.helloResult(60000);
      const session = [...rig.orch.sessions.values()][0];
      await until('the app to be still', () => session.layer.idle && raw.frames.length > 0, 60000);
      // The grid (opaque, so its keys wait for their paint's frame) ignores digits: no screencast
      // frame comes, so no frame could claim the key.
      raw.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 48, action: 'down', seq: 1 } });
      raw.send({ jsonrpc: '2.0', method: 'input.key', params: { code: 48, action: 'up', seq: 2 } });
      await until('the key-down to be painted', () => painted >= 1, 60000);
      expect(session.layer.counters.keyChecks).to.be.at.least(1);
    } finally {
      raw.close();
      await until('the session to end', () => rig.orch.sessions.size === 0);
    }
  });
});
