import { expect } from 'chai';
import { Page } from 'puppeteer-core';
import { capturesStopped, cloudMismatch, delay, devicePixels, keysDelivered, sessionOf, settle, until, useRig } from '@stratus/testkit';

async function press(page: Page, key: 'ArrowRight' | 'ArrowDown' | 'ArrowLeft' | 'ArrowUp' | 'Enter'): Promise<void> {
  await page.keyboard.press(key);
}

describe('UI layer end to end (real Chromium on both sides)', function () {
  this.timeout(120000);
  const rig = useRig();

  for (const c of [
    { name: 'app authored for 1280x720 on a 1280x720 device', app: 'portal', scale: 1, dpr: 1 },
    { name: 'app authored for 1920x1080 on a 1280x720 device', app: 'portal-1080', scale: 2 / 3, dpr: 2 / 3 }
  ]) {
    it(`device canvas equals the cloud page's transparent screenshot pixel for pixel: ${c.name}`, async () => {
      const page = await rig.device.open(rig.orch, `w=1280&h=720&app=${c.app}`);
      try {
        const session = await sessionOf(rig.orch, page);
        expect(session.layerSize).to.deep.equal({ width: 1280, height: 720 });
        for (const k of ['ArrowRight', 'ArrowRight', 'ArrowDown', 'Enter'] as const) await press(page, k);
        await settle(rig.orch, page);
        expect(await cloudMismatch(session, page)).to.equal(null);
        // The layer is composited above the device's video plane (media.test.ts checks it by pixel).
        const stacking = await page.evaluate(() => {
          const plane = document.getElementById('stratus-video-plane')!;
          const layer = document.getElementById('stratus-layer')!;
          return { layerAfterPlane: !!(plane.compareDocumentPosition(layer) & Node.DOCUMENT_POSITION_FOLLOWING) };
        });
        expect(stacking).to.deep.equal({ layerAfterPlane: true });
        // The layer really carries content with partial alpha, where premultiplication could lose it.
        const dev = await devicePixels(page);
        let semi = 0;
        for (let i = 3; i < dev.data.length; i += 4) if (dev.data[i] > 0 && dev.data[i] < 255) semi++;
        expect(semi).to.be.greaterThan(1000);

        // The app perceives the device's real size and the scale, and saw the keys as HbbTV codes.
        const seen = await session.cloudPage!.evaluate(() => ({
          dpr: window.devicePixelRatio,
          stratus: (window as any).stratus,
          focus: (window as any).portalFocus,
          title: document.getElementById('now-title')!.textContent
        }));
        expect(seen.dpr).to.be.closeTo(c.dpr, 1e-6);
        expect(seen.stratus.scale).to.be.closeTo(c.scale, 1e-9);
        expect(seen.stratus.device).to.include({ width: 1280, height: 720 });
        expect(seen.focus).to.equal(8);
        expect(seen.title).to.equal('Radio');
      } finally {
        await page.close();
        // Closing the device page must end its session.
        await until('the session to end', () => rig.orch.sessions.size === 0);
      }
    });
  }

  it('focus moving back and forth: tiles the device showed before are drawn from its tile cache, pixel-exact', async () => {
    const page = await rig.device.open(rig.orch, 'w=1280&h=720&app=portal');
    try {
      const session = await sessionOf(rig.orch, page);
      await settle(rig.orch, page);
      let bytes = 0;
      session.layer.on('frame', (f) => (bytes += f.bytes));
      const perKey: number[] = [];
      for (const k of ['ArrowRight', 'ArrowLeft', 'ArrowRight', 'ArrowLeft'] as const) {
        const seq = session.input.keys;
        bytes = 0;
        await press(page, k);
        await until('the key to reach the app', () => session.input.keys > seq);
        await settle(rig.orch, page);
        perKey.push(bytes);
        expect(await cloudMismatch(session, page), `after ${k}`).to.equal(null);
      }
      // The first key shows a state the device never had; every later one a state its keyframe
      // or an earlier key's frame stashed.
      const why = JSON.stringify({ perKey, ...session.layer.counters });
      expect(session.layer.counters.cachedTiles, why).to.be.greaterThan(0);
      for (const later of perKey.slice(1)) expect(later, why).to.be.lessThan(perKey[0] / 4);
    } finally {
      await page.close();
      await until('the session to end', () => rig.orch.sessions.size === 0);
    }
  });

  for (const c of [
    { app: 'carousel', name: 'authored for 1920x1080 (scale 0.667)', lossy: true },
    { app: 'carousel-720', name: 'authored for 1280x720 (scale 1)', lossy: true },
    { app: 'carousel', name: 'authored for 1920x1080 (a device that decodes PNG only)', lossy: false, query: '&encodings=png' }
  ]) {
    it(`a photo carousel moved with CSS transforms, ${c.name} on a 720p device: ${c.lossy ? 'the motion goes live (the page\'s JPEG frames), ' : 'every frame lossless, '}pixel-exact when settled, and a still UI captures nothing`, async () => {
      const page = await rig.device.open(rig.orch, `w=1280&h=720&app=${c.app}${c.query ?? ''}`);
      try {
        const session = await sessionOf(rig.orch, page);
        // Transitions at a fifth of their speed, as for the menu below: on a loaded machine a
        // whole 1920x1080 capture could take as long as the slide, and the motion was over before
        // the screencast's switch to JPEG (no live frame, seen with a second suite beside).
        if (c.lossy) {
          await session.page.cdp.send('Animation.enable');
          await session.page.cdp.send('Animation.setPlaybackRate', { playbackRate: 0.2 });
        }
        for (const k of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowLeft'] as const) await press(page, k);
        await until('the app to take the keys', () => session.cloudPage!.evaluate(() => (window as any).carousel.focus() === 2));
        // At a fractional scale Chromium's screencast keeps sending a still page as a few
        // different frames; the layer must learn they are echoes and stop capturing. On a loaded
        // machine the learning captures can come more than a second apart (seen once with a
        // second suite running beside this one): 3 s of silence first.
        await capturesStopped(session, 3000);
        await settle(rig.orch, page);
        const lossy = session.layer.counters.lossyFrames;
        // The carousel fills the screen (opaque, no video): its motion goes live, the page's own frames.
        const why = JSON.stringify({ ...session.layer.counters, ...session.stats });
        if (c.lossy) expect(session.layer.counters.liveFrames, `live frames: ${why}`).to.be.greaterThan(0);
        if (c.lossy) expect(lossy, 'frames with JPEG rectangles').to.be.greaterThan(0);
        else expect(lossy, 'frames with JPEG rectangles').to.equal(0);
        const captures = session.stats.captures;
        // Time is the subject here: a still page must cost nothing for as long as it stays still.
        await delay(2000);
        expect(session.stats.captures - captures, 'captures of a still page').to.equal(0);
        expect(await cloudMismatch(session, page)).to.equal(null);
        // Still responsive: the next key moves the row again, and the device shows it. After a
        // live motion it goes live at once, with no capture before (the JPEG screencast stayed on).
        let capturesWhenLive = -1;
        session.layer.once('live', () => (capturesWhenLive = session.stats.captures));
        const before = session.stats.captures;
        await press(page, 'ArrowRight');
        await until('focus on the fourth photo', () => session.cloudPage!.evaluate(() => (window as any).carousel.focus() === 3));
        await settle(rig.orch, page);
        if (c.lossy) expect(capturesWhenLive, 'captures before the key went live').to.equal(before);
        expect(await cloudMismatch(session, page)).to.equal(null);
      } finally {
        await page.close();
        await until('the session to end', () => rig.orch.sessions.size === 0);
      }
    });
  }
  it('a photo carousel cross-faded back to a photograph the device was shown: the device draws the fade from its kept layer and tile cache, pixel-exact when settled', async () => {
    const page = await rig.device.open(rig.orch, 'w=1280&h=720&app=carousel-720');
    try {
      const session = await sessionOf(rig.orch, page);
      // Slowed as above: the fade is seen moving, live, on a loaded machine.
      await session.page.cdp.send('Animation.enable');
      await session.page.cdp.send('Animation.setPlaybackRate', { playbackRate: 0.2 });
      await capturesStopped(session);
      await settle(rig.orch, page);
      // The device's tile cache starts over from the settled page (a keyframe resets it): when its
      // first frames caught the page loading (the backdrop before its photograph, or fading in at
      // full speed, before the slow-down), it held those too, and the first key's fades drew on
      // them (the claim below failed 2 of 5 full runs of this file; 1 of 4 openings had them).
      const framesBefore = session.layer.counters.framesSent;
      session.layer.requestKeyframe();
      await until('a keyframe of the settled page', () => session.layer.counters.framesSent > framesBefore);
      await settle(rig.orch, page);
      const fadedTo = async (key: 'ArrowRight' | 'ArrowLeft', focus: number): Promise<{ fades: number; live: number }> => {
        const [fades, live] = [session.layer.counters.liveFadeHeldTiles, session.layer.counters.liveFrames];
        await press(page, key);
        await until(`focus on photo ${focus + 1}`, () => session.cloudPage!.evaluate(() => (window as any).carousel.focus()).then((f) => f === focus));
        await capturesStopped(session, 500);
        await settle(rig.orch, page);
        expect(await cloudMismatch(session, page), `after ${key}`).to.equal(null);
        return { fades: session.layer.counters.liveFadeHeldTiles - fades, live: session.layer.counters.liveFrames - live };
      };
      // Two photographs the device has not seen: nothing it holds shows in their fades (the first
      // frames of one may still be the kept layer fading alone).
      const first = await fadedTo('ArrowRight', 1);
      await fadedTo('ArrowRight', 2);
      await fadedTo('ArrowRight', 3);
      // Back to the third, the second, the first: their tiles are in the device's cache, and the
      // backdrop fades to them, key after key (by the later ones, the orchestrator has reused the
      // pixel buffers of the layers it kept before: fades were once weighed against those).
      const back = [await fadedTo('ArrowLeft', 2), await fadedTo('ArrowLeft', 1), await fadedTo('ArrowLeft', 0)];
      const why = JSON.stringify({ first, back, ...session.layer.counters });
      expect(first.live, why).to.be.greaterThan(0);
      expect(first.fades, why).to.equal(0);
      for (const b of back) {
        expect(b.live, why).to.be.greaterThan(0);
        // The backdrop is 20 x 7 whole tiles (1280 x 504 px), less those of the title and caption.
        expect(b.fades, why).to.be.greaterThan(20);
      }
    } finally {
      await page.close();
      await until('the session to end', () => rig.orch.sessions.size === 0);
    }
  });

  for (const c of [
    { app: 'rows', name: 'rows of posters scrolled on both axes, authored for 1920x1080 (scale 0.667)', keys: ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowDown'] as const, copies: true },
    // Scrolled back up: what the device was shown before comes from its tile cache, off the grid.
    { app: 'grid-720', name: 'a card grid scrolled by script down and back, authored for 1280x720 (scale 1)', keys: ['ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowUp', 'ArrowUp'] as const, copies: true, moved: true },
    { app: 'grid', name: 'a card grid scrolled by script, authored for 1920x1080, on a device without copy', keys: ['ArrowDown', 'ArrowDown', 'ArrowDown'] as const, copies: false, query: '&encodings=png,jpeg' },
    // Translucent panels sliding and fading over a picture that dims and zooms: live, then the kept layer.
    { app: 'menu', name: 'a main menu of transitions over a picture, authored for 1920x1080 (scale 0.667)', keys: ['ArrowRight', 'ArrowDown', 'ArrowRight', 'ArrowLeft', 'ArrowLeft'] as const, copies: true, live: true, cropped: true }
  ]) {
    it(`${c.name} on a 720p device: ${'cropped' in c ? 'the motion goes live, its frames cut to what changed, and the kept layer comes back, ' : 'live' in c ? 'the motion goes live and the kept layer comes back, ' : c.copies ? 'scrolled content is moved on the device, ' : 'pixels only, '}pixel-exact when settled`, async () => {
      const page = await rig.device.open(rig.orch, `w=1280&h=720&app=${c.app}${c.query ?? ''}`);
      try {
        const session = await sessionOf(rig.orch, page);
        // Transitions at a fifth of their speed: on a loaded machine, where a capture can take as
        // long as a transition, the motion is still seen moving (the mechanisms asserted below
        // need that).
        if ('live' in c) {
          await session.page.cdp.send('Animation.enable');
          await session.page.cdp.send('Animation.setPlaybackRate', { playbackRate: 0.2 });
        }
        await capturesStopped(session);
        await settle(rig.orch, page);
        for (const k of c.keys) {
          await press(page, k);
          // Each key's scroll runs to its end before the next: every one is seen moving.
          await keysDelivered(rig.orch, page);
          await capturesStopped(session, 500);
        }
        await settle(rig.orch, page);
        const copies = session.layer.counters.copyFrames;
        if (c.copies) expect(copies, 'frames with a copy rectangle').to.be.greaterThan(0);
        else expect(copies, 'frames with a copy rectangle').to.equal(0);
        if ('live' in c) expect(session.layer.counters.liveFrames, 'live frames').to.be.greaterThan(0);
        if ('moved' in c) expect(session.layer.counters.movedTiles, 'cached tiles drawn where content moved').to.be.greaterThan(0);
        // The highlight slides over a still picture: most live frames carry only its MCUs.
        if ('cropped' in c) expect(session.layer.counters.liveFramesCropped, 'live frames cut to what changed').to.be.greaterThan(0);
        // Even a motion's first frame, at this fractional scale, where only the time a screencast
        // frame was taken can tell it shows what the device has (live-crop.ts).
        if ('cropped' in c) expect(session.layer.counters.liveFirstCut, `motions whose first frame was cut: ${JSON.stringify(session.layer.counters)}`).to.be.greaterThan(0);
        expect(await cloudMismatch(session, page)).to.equal(null);
      } finally {
        await page.close();
        await until('the session to end', () => rig.orch.sessions.size === 0);
      }
    });
  }
});
