import { expect } from 'chai';
import { Page } from 'puppeteer-core';
import { KEYSET, VK } from '@stratus/protocol';
import { decodePng } from '@stratus/orchestrator';
import { AppServer, cloud, devicePixels, devicePlayers, near, onlySession, RawDevice, screenPixel, settle, until, useMediaDevice, useMediaRig } from '@stratus/testkit';

const YELLOW = [224, 192, 0];
const MENU_BG = [0x0b, 0x13, 0x2b];
const FOCUSED = [0xf4, 0xd3, 0x5e];

function catalogue(origin: string): string {
  return JSON.stringify({
    'hbbtv-catalogue': { url: `/apps/hbbtv-catalogue/?origin=${encodeURIComponent(origin)}`, width: 1280, height: 720 },
    'hbbtv-config': { url: '/apps/hbbtv-config/', width: 1280, height: 720 },
    'hbbtv-tolerant': { url: '/apps/hbbtv-tolerant/', width: 1280, height: 720 }
  });
}

async function press(page: Page, code: number): Promise<void> {
  await page.evaluate((c: number) => {
    const client = (window as any).stratusClient;
    client.sendKey(c, 'down');
    client.sendKey(c, 'up');
  }, code);
}

describe('HbbTV apps run unchanged: the cloud page is an HbbTV terminal', function () {
  this.timeout(120000);
  const rig = useMediaRig((origin) => ({ apps: { default: 'hbbtv-catalogue', catalog: catalogue(origin.baseUrl) } }));

  describe('a catalogue app served as application/vnd.hbbtv.xhtml+xml', () => {
    const dev = useMediaDevice(rig);

    it('is served with the HbbTV type, starts through the application manager, and shows its menu', async () => {
      const res = await fetch(`${rig.orch.baseUrl}/apps/hbbtv-catalogue/`);
      expect(res.headers.get('content-type')).to.equal('application/vnd.hbbtv.xhtml+xml; charset=utf-8');
      await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
      // Parsed as the XHTML it is: the self-closing <div id="menu"/> holds the menu, not the rest of the body.
      const parsed = await cloud(dev.session, () => ({
        type: document.contentType,
        status: document.getElementById('status')!.textContent,
        menuParent: document.getElementById('menu')!.parentElement!.tagName.toLowerCase(),
        items: document.querySelectorAll('#menu .item').length
      }));
      expect(parsed).to.deep.equal({ type: 'application/xhtml+xml', status: 'Ready · eng', menuParent: 'body', items: 3 });
      await settle(rig.orch, dev.page);
      expect(near(await screenPixel(dev.page, 580, 125), FOCUSED, 2), 'the focused item').to.equal(true);
      expect(near(await screenPixel(dev.page, 50, 50), MENU_BG, 2), 'the background').to.equal(true);
    });

    it('gets only the keys of its keyset; the device keeps the rest for the TV', async () => {
      await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
      const want = KEYSET.RED | KEYSET.NAVIGATION | KEYSET.VCR;
      const keyset = await until('the device to hear the keyset', () => dev.page.evaluate(() => (window as any).stratusClient.keyset));
      expect(keyset).to.deep.equal({ value: want, otherKeys: [] });
      const sentBefore = await dev.page.evaluate(() => (window as any).stratusClient.stats.keysSent as number);
      for (const code of [VK.VK_GREEN, VK.VK_1, VK.VK_CHANNEL_UP, VK.VK_VOLUME_UP, VK.VK_INFO]) await press(dev.page, code);
      const kept = await dev.page.evaluate(() => (window as any).stratusClient.stats);
      expect(kept.keysSent, 'keys outside the keyset are not sent').to.equal(sentBefore);
      expect(kept.keysKeptForTv).to.equal(10);
      await press(dev.page, VK.VK_DOWN);
      await press(dev.page, VK.VK_PLAY);
      await until('the keys in the app', () => cloud(dev.session, () => (window as any).hbbtvCatalogue.log.length >= 2));
      await settle(rig.orch, dev.page);
      expect(await cloud(dev.session, () => (window as any).hbbtvCatalogue.log)).to.deep.equal([VK.VK_DOWN, VK.VK_PLAY]);
      // The focus moved down: the second item is lit.
      expect(near(await screenPixel(dev.page, 580, 205), FOCUSED, 2), 'the second item focused').to.equal(true);
    });

    it('the device shows exactly what the cloud page renders (the reference rendering of the app)', async () => {
      await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
      await settle(rig.orch, dev.page);
      const reference = decodePng(await dev.session.page.capture());
      const shown = await devicePixels(dev.page);
      expect([shown.width, shown.height]).to.deep.equal([reference.width, reference.height]);
      expect(shown.data.equals(reference.data), 'the device layer equals the page, byte for byte').to.equal(true);
    });

    // 10 rounds: past the 8 players a device holds, so a player left behind by BACK would show.
    it('plays an A/V Control object full screen over the menu and BACK returns to the menu, 10 times in a row', async () => {
      await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
      for (let i = 0; i < 10; i++) {
        await press(dev.page, VK.VK_ENTER);
        await until(`video ${i + 1} over the menu`, async () => near(await screenPixel(dev.page, 130, 150), YELLOW));
        if (i === 0) expect(near(await screenPixel(dev.page, 1200, 60), YELLOW), 'video across the screen').to.equal(true);
        await press(dev.page, VK.VK_BACK);
        await until(`the menu again (${i + 1})`, async () => near(await screenPixel(dev.page, 580, 125), FOCUSED, 2));
      }
      await until('the device player to go', () => dev.page.evaluate(() => (window as any).stratusClient.media.ids.length === 0));
      // Each video starts playing once: connecting (3), then playing (1). On a loaded machine a
      // rebuffer (4, then 1 again) or a stall the device reports as a pause (2, then 1) is the
      // state machine working, not another start.
      const states = await cloud(dev.session, () =>
        ((window as any).hbbtvCatalogue.log as unknown[]).filter((e): e is string => typeof e === 'string' && e.startsWith('playState ')).map((e) => Number(e.slice(10)))
      );
      const starts = states.filter((s, i) => s === 1 && states[i - 1] === 3).length;
      expect(starts, `play states: ${states.join(' ')}`).to.equal(10);
    });

    it('a frame inside the app cannot take its keys: only the top document\'s keyset counts', async () => {
      await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
      await until('the device to hear the keyset', () => dev.page.evaluate(() => (window as any).stratusClient.keyset));
      await dev.page.evaluate(() => {
        const w = window as any;
        w.keysets = [];
        w.stratusClient.onkeyset = (k: { value: number } | null) => w.keysets.push(k ? k.value : null);
      });
      await cloud(dev.session, () => {
        const f = document.createElement('iframe');
        f.srcdoc = '<object id="m" type="application/oipfApplicationManager"></object>' +
          '<script>document.getElementById("m").getOwnerApplication(document).privateData.keyset.setValue(1); parent.frameDone = true;<' + '/script>';
        document.body.appendChild(f);
      });
      await until('the frame to run', () => cloud(dev.session, () => (window as any).frameDone === true));
      // Then the app itself changes its keyset: page reports reach the orchestrator in order, so
      // the frame's would have arrived first.
      const want = KEYSET.RED | KEYSET.GREEN | KEYSET.NAVIGATION | KEYSET.VCR;
      await cloud(dev.session, (v: number) => (window as any).hbbtvCatalogue.application().privateData.keyset.setValue(v), want);
      await until('the app\'s new keyset on the device', () => dev.page.evaluate((v: number) => (window as any).keysets.includes(v), want));
      expect(await dev.page.evaluate(() => (window as any).keysets)).to.deep.equal([want]);
    });

    it('hide() makes the layer transparent and keeps the session; show() brings it back', async () => {
      await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
      await settle(rig.orch, dev.page);
      const session = dev.session;
      await press(dev.page, VK.VK_RED);
      await until('the layer to be empty', async () => {
        const img = await devicePixels(dev.page);
        return img.data.every((v, i) => i % 4 !== 3 || v === 0);
      });
      expect(await cloud(dev.session, () => (window as any).hbbtvCatalogue.application().visible)).to.equal(false);
      await press(dev.page, VK.VK_RED);
      await until('the menu again', async () => near(await screenPixel(dev.page, 580, 125), FOCUSED, 2));
      expect(rig.orch.sessions.get(session.id)).to.equal(session);
    });

    it('createApplication to another origin is refused (ApplicationLoadError, STRATUS_APP_NOT_ALLOWED, no navigation); destroyApplication ends the session with 4005', async () => {
      await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
      const refused = await cloud(dev.session, () => {
        const w = window as any;
        const mgr = document.getElementById('appmgr') as any;
        w.loadErrors = 0;
        mgr.onApplicationLoadError = () => w.loadErrors++;
        w.cloudErrors = [];
        window.addEventListener('error', (e) => w.cloudErrors.push((e as ErrorEvent).error?.code));
        return mgr.getOwnerApplication(document).createApplication('http://elsewhere.example/app.html', false);
      });
      expect(refused).to.equal(null);
      await until('the refusal events', () => cloud(dev.session, () => (window as any).loadErrors === 1 && (window as any).cloudErrors.length === 1));
      expect(await cloud(dev.session, () => [(window as any).cloudErrors[0], location.pathname])).to.deep.equal(['STRATUS_APP_NOT_ALLOWED', '/apps/hbbtv-catalogue/']);
      await cloud(dev.session, () => (document.getElementById('appmgr') as any).getOwnerApplication(document).destroyApplication());
      await until('the session to end', () => rig.orch.sessions.size === 0);
      const status = await until('the device to say why', () =>
        dev.page.evaluate(() => {
          const t = document.getElementById('stratus-status')!.textContent!;
          return t.includes('4005') ? t : null;
        })
      );
      expect(status).to.include('disconnected (4005 STRATUS_APP_EXITED');
      // A final close: the device does not reconnect and start the app again.
      expect(await dev.page.evaluate(() => (window as any).stratusClient.connected)).to.equal(false);
    });
  });

  describe('keys from a device that ignores the keyset', () => {
    it('never reach the app', async () => {
      const d = await RawDevice.connect(rig.orch);
      try {
        d.hello();
        await d.helloResult();
        const session = await onlySession(rig.orch);
        await until('the app to start', () => cloud(session, () => (window as any).started === true));
        await until('the keyset', () => d.texts.some((t) => t.method === 'app.keyset'));
        let seq = 0;
        for (const code of [VK.VK_GREEN, VK.VK_5, VK.VK_MUTE, VK.VK_DOWN]) {
          for (const action of ['down', 'up']) d.send({ jsonrpc: '2.0', method: 'input.key', params: { code, action, seq: ++seq } });
        }
        await until('the keys to pass the pipeline', () => session.input.keys >= 8);
        await session.input.drained();
        expect(session.input.keysOutsideKeyset).to.equal(6);
        expect(await cloud(session, () => (window as any).hbbtvCatalogue.log)).to.deep.equal([VK.VK_DOWN]);
      } finally {
        d.close();
        await until('the session to end', () => rig.orch.sessions.size === 0);
      }
    });
  });

  describe('the capabilities, configuration, DRM and parental objects', () => {
    const dev = useMediaDevice(rig, 'w=1280&h=720&app=hbbtv-config');

    it('describe the device from its own report and the configuration', async () => {
      const report = await until('the report', () => cloud(dev.session, () => (window as any).report));
      const caps = await cloud(dev.session, () => (window as any).stratus.media.device as { codecs: string[] });
      expect(report.ui).to.equal('OITF_HD_UIPROF+DVB_S+TRICKMODE');
      expect(report.video).to.include('MP4_AVC_HD_25_HEAAC');
      expect(report.video).to.include('MP4_AVC_SD_25_HEAAC/dash');
      expect(report.video.some((p: string) => p.startsWith('MP4_HEVC')), 'HEVC profile').to.equal(caps.codecs.includes('hevc'));
      expect(report.audio).to.include('HEAAC');
      expect(report).to.include({ hasHd: true, hasPvr: false, extraHD: 0, countryId: 'DEU', language: 'eng', vendor: 'Stratus' });
      // The model is the device's own, from its hello.
      expect(report.model).to.equal(await dev.page.evaluate(() => (window as any).stratusClient.opts.model));
      expect(report.factory).to.deep.equal([true, true, false]);
      expect(report.madeConfig).to.equal('DEU');
    });

    it('prints what it found on screen, and the device shows exactly that page (its reference rendering)', async () => {
      await until('the report', () => cloud(dev.session, () => (window as any).report));
      expect(await cloud(dev.session, () => document.body.textContent)).to.include('OITF_HD_UIPROF');
      await settle(rig.orch, dev.page);
      const reference = decodePng(await dev.session.page.capture());
      const shown = await devicePixels(dev.page);
      expect(shown.data.equals(reference.data), 'the device layer equals the page, byte for byte').to.equal(true);
    });

    it('DRM answers "unknown DRM system" through its events, parental control from configuration, nothing throws', async () => {
      await until('the report', () => cloud(dev.session, () => (window as any).report));
      const r = await cloud(dev.session, async () => {
        const drm = (window as any).oipfObjectFactory.createDrmAgentObject();
        document.body.appendChild(drm);
        const result = await new Promise((resolve) => {
          drm.onDRMMessageResult = (id: string, _msg: string, code: number) => resolve({ id, code });
          drm.sendDRMMessage('application/vnd.ms-playready.initiator+xml', '<x/>', 'urn:dvb:casystemid:19219');
        });
        const pc = (window as any).oipfObjectFactory.createParentalControlManagerObject();
        return {
          result,
          status: drm.DRMSystemStatus('urn:dvb:casystemid:19219'),
          schemes: pc.parentalRatingSchemes.length,
          scheme: pc.parentalRatingSchemes.getParentalRatingScheme('dvb-si').name,
          locked: pc.isPINEntryLocked,
          pin: pc.verifyParentalControlPIN('1234'),
          notAnObject: typeof (document.createElement('object') as any).sendDRMMessage
        };
      });
      expect(r).to.deep.equal({ result: { id: '1', code: 5 }, status: 1, schemes: 1, scheme: 'dvb-si', locked: false, pin: 1, notAnObject: 'undefined' });
    });

    it("on a terminal, DRM messages go to the terminal's own DRM agent and its answers and system messages come back", async () => {
      // The terminal declares one DRM system and has an agent that answers every message at once.
      const tvPage = await rig.device.openTerminal(rig.orch, 'drm-box', () => {
        const w = window as any;
        w.drmCalls = [];
        w.oipfObjectFactory = {
          isObjectSupported: (t: string) => t === 'application/oipfDrmAgent',
          createCapabilitiesObject: () => ({
            xmlCapabilities: new DOMParser().parseFromString('<profilelist><drm DRMSystemID="urn:dvb:casystemid:19188">TS_PF</drm></profilelist>', 'text/xml')
          })
        };
        (HTMLObjectElement.prototype as any).sendDRMMessage = function (type: string, msg: string, system: string) {
          w.drmCalls.push([this.getAttribute('type'), type, msg, system]);
          const id = `T${w.drmCalls.length}`;
          setTimeout(() => {
            this.onDRMMessageResult(id, `licence for ${msg}`, 0);
            this.onDRMSystemMessage('rights renewed', system);
          }, 10);
          return id;
        };
      });
      try {
        const s = await until('the terminal session', () => [...rig.orch.sessions.values()].find((x) => x.deviceId === 'drm-box'));
        const r = await cloud(s, async () => {
          const w = window as any;
          const drm = w.oipfObjectFactory.createDrmAgentObject();
          document.body.appendChild(drm);
          const caps = w.oipfObjectFactory.createCapabilitiesObject();
          const systemMessage = new Promise((resolve) => {
            drm.onDRMSystemMessage = (msg: string, system: string) => resolve([msg, system]);
          });
          const result = await new Promise((resolve) => {
            drm.onDRMMessageResult = (id: string, msg: string, code: number) => resolve({ id, msg, code });
            drm.sendDRMMessage('application/vnd.oipf.cspg-hexbinary', '0102', 'urn:dvb:casystemid:19188');
          });
          return {
            result,
            systemMessage: await systemMessage,
            ready: drm.DRMSystemStatus('urn:dvb:casystemid:19188'),
            unknown: drm.DRMSystemStatus('urn:dvb:casystemid:19219'),
            declared: caps.xmlCapabilities.getElementsByTagName('drm')[0]?.getAttribute('DRMSystemID'),
            hasDrm: caps.hasCapability('+DRM')
          };
        });
        expect(r).to.deep.equal({
          result: { id: (r.result as { id: string }).id, msg: 'licence for 0102', code: 0 },
          systemMessage: ['rights renewed', 'urn:dvb:casystemid:19188'],
          ready: 0,
          unknown: 1,
          declared: 'urn:dvb:casystemid:19188',
          hasDrm: true
        });
        expect(await tvPage.evaluate(() => (window as any).drmCalls)).to.deep.equal([
          ['application/oipfDrmAgent', 'application/vnd.oipf.cspg-hexbinary', '0102', 'urn:dvb:casystemid:19188']
        ]);
      } finally {
        await tvPage.close();
      }
    });
  });

  describe('a page that is not well-formed XHTML', () => {
    const dev = useMediaDevice(rig, 'w=1280&h=720&app=hbbtv-tolerant');

    it('runs, as on a TV', async () => {
      await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
      expect(await cloud(dev.session, () => document.contentType)).to.equal('text/html');
      await until('the box to show', async () => near(await screenPixel(dev.page, 200, 200), [0xff, 0xb7, 0x03], 2));
      await settle(rig.orch, dev.page);
      const reference = decodePng(await dev.session.page.capture());
      const shown = await devicePixels(dev.page);
      expect(shown.data.equals(reference.data), 'the device layer equals the page, byte for byte').to.equal(true);
    });
  });
});

describe('the red button: a broadcast-related device starts the app on RED, and only then', function () {
  this.timeout(120000);
  const rig = useMediaRig((origin) => ({
    apps: {
      default: 'hbbtv-catalogue',
      catalog: JSON.stringify({
        'hbbtv-catalogue': { url: `/apps/hbbtv-catalogue/?origin=${encodeURIComponent(origin.baseUrl)}`, width: 1280, height: 720 },
        missing: { url: '/apps/no-such-app/', width: 1280, height: 720 }
      })
    }
  }));

  const status = (page: Page): Promise<string> => page.evaluate(() => document.getElementById('stratus-status')!.textContent!);

  it('holds no session before RED, opens exactly one per RED, and returns to its prompt when the app ends', async () => {
    const opened = rig.orch.sessionsOpened;
    const page = await rig.device.open(rig.orch, 'w=1280&h=720&autostart=red', undefined, true);
    try {
      expect(await status(page)).to.equal('press RED');
      // Keys other than RED stay with the TV; nothing connects.
      await press(page, VK.VK_ENTER);
      await press(page, VK.VK_CHANNEL_UP);
      expect(await page.evaluate(() => (window as any).stratusClient.connected)).to.equal(false);
      expect(rig.orch.sessions.size).to.equal(0);
      expect(rig.orch.sessionsOpened).to.equal(opened);

      await press(page, VK.VK_RED);
      await page.waitForFunction(() => (window as any).stratusClient.stats.framesPainted > 0, { timeout: 20000 });
      const session = await onlySession(rig.orch);
      await until('the app to start', () => cloud(session, () => (window as any).started === true));
      expect(rig.orch.sessionsOpened).to.equal(opened + 1);
      // RED was the device's: the app did not get it (it would have hidden itself).
      expect(await cloud(session, () => (window as any).hbbtvCatalogue.log)).to.deep.equal([]);

      await cloud(session, () => (document.getElementById('appmgr') as any).getOwnerApplication(document).destroyApplication());
      await until('the session to end', () => rig.orch.sessions.size === 0);
      await until('the prompt again', async () => (await status(page)) === 'press RED');
      const img = await devicePixels(page);
      expect(img.data.every((v, i) => i % 4 !== 3 || v === 0), 'the layer is cleared').to.equal(true);

      await press(page, VK.VK_RED);
      await page.waitForFunction(() => (window as any).stratusClient.live === true, { timeout: 20000 });
      expect(rig.orch.sessionsOpened).to.equal(opened + 2);
      const second = await onlySession(rig.orch);
      await until('the app to start again', () => cloud(second, () => (window as any).started === true));

      // EXIT on the remote (X on the emulator's keyboard) ends the app at once; the app never hears it.
      await page.keyboard.press('KeyX');
      await until('the session to end on EXIT', () => rig.orch.sessions.size === 0);
      expect(await status(page)).to.equal('press RED');
      expect(await page.evaluate(() => (window as any).stratusClient.live)).to.equal(false);
      await press(page, VK.VK_RED);
      await page.waitForFunction(() => (window as any).stratusClient.live === true, { timeout: 20000 });
      expect(rig.orch.sessionsOpened).to.equal(opened + 3);
    } finally {
      await page.close();
      await until('the session to end', () => rig.orch.sessions.size === 0);
    }
  });

  it('an app that cannot load: the device shows the coded error, then its prompt, and does not retry', async () => {
    const opened = rig.orch.sessionsOpened;
    const page = await rig.device.open(rig.orch, 'w=1280&h=720&autostart=red&app=missing', undefined, true);
    try {
      await press(page, VK.VK_RED);
      await until('the error on the screen', async () => (await status(page)).includes('4502'));
      expect(await status(page)).to.include('STRATUS_APP_LOAD_FAILED');
      await until('the prompt again', async () => (await status(page)) === 'press RED');
      expect(rig.orch.sessionsOpened).to.equal(opened + 1);
      expect(await page.evaluate(() => (window as any).stratusClient.stats.reconnects)).to.equal(0);
    } finally {
      await page.close();
    }
  });
});

describe('a broadcast-related app: stream events, the L-shape, keyset changes', function () {
  this.timeout(120000);
  const rig = useMediaRig(() => ({
    apps: { default: 'hbbtv-broadcast', catalog: JSON.stringify({ 'hbbtv-broadcast': { url: '/apps/hbbtv-broadcast/', width: 1280, height: 720 } }) }
  }));
  const dev = useMediaDevice(rig);
  const RED = [208, 16, 16];
  const GREEN = [16, 192, 32];

  it('the channel\'s scripted stream event reaches the listener with its payload, and the video shrinks into the L-shape', async () => {
    await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
    const first = await until('the scripted event', () => cloud(dev.session, () => (window as any).hbbtvBroadcast.events[0]));
    expect(first).to.deep.include({ name: 'lshape', data: '01', text: 'L-shape on', status: 'trigger' });
    // The video window is the top-left 960x540; the banner is around it.
    await until('the small picture', async () => near(await screenPixel(dev.page, 900, 500), RED));
    await until('the banner', async () => near(await screenPixel(dev.page, 100, 700), [0xd6, 0x28, 0x28], 2));
    expect(near(await screenPixel(dev.page, 1200, 300), [0x00, 0x30, 0x49], 2), 'the side panel').to.equal(true);
    // The reference rendering: outside the video window the layer is the page, byte for byte;
    // inside it the layer is transparent (the hole), so the device's own picture shows.
    await settle(rig.orch, dev.page);
    const [video] = await devicePlayers(dev.page);
    expect(video.rect).to.deep.equal([0, 0, 960, 540]);
    const reference = decodePng(await dev.session.page.capture());
    const shown = await devicePixels(dev.page);
    expect([shown.width, shown.height]).to.deep.equal([reference.width, reference.height]);
    let outside = 0;
    let differ = 0;
    let opaqueInHole = 0;
    for (let y = 0; y < shown.height; y++) {
      for (let x = 0; x < shown.width; x++) {
        const i = (y * shown.width + x) * 4;
        if (x < 960 && y < 540) {
          if (shown.data[i + 3] !== 0) opaqueInHole++;
          continue;
        }
        outside++;
        if (shown.data.readUInt32BE(i) !== reference.data.readUInt32BE(i)) differ++;
      }
    }
    expect(outside).to.be.greaterThan(0);
    expect({ differ, opaqueInHole }, 'the layer against the page').to.deep.equal({ differ: 0, opaqueInHole: 0 });
    // The broadcaster ends the L-shape (the emulator fires it now): full screen again, events in order.
    const player = await dev.page.evaluate(() => (window as any).stratusClient.media.ids[0] as string);
    await dev.page.evaluate((id: string) => (window as any).stratusClient.media.streamsOf(id).fireNow('lshape', '00', 'L-shape off'), player);
    await until('the full picture', async () => near(await screenPixel(dev.page, 1200, 700), RED));
    const events = await cloud(dev.session, () => (window as any).hbbtvBroadcast.events.map((e: any) => `${e.name}:${e.data}:${e.text}`));
    expect(events).to.deep.equal(['lshape:01:L-shape on', 'lshape:00:L-shape off']);
    // Once the app stops listening, the device stops relaying.
    await cloud(dev.session, () => (window as any).hbbtvBroadcast.stopListening());
    await until('the unsubscribe to reach the device', () =>
      dev.page.evaluate(() => ((window as any).stratusClient.stats.requestsHandled['media.unsubscribe'] || 0) > 0)
    );
    // An event it no longer listens for, then one it does: events keep their order, so once the
    // second has arrived the first would have too.
    await dev.page.evaluate((id: string) => {
      const streams = (window as any).stratusClient.media.streamsOf(id);
      streams.fireNow('lshape', '01', 'again');
      streams.fireNow('bench', '', 'marker');
    }, player);
    await until('the marker', () => cloud(dev.session, () => (window as any).hbbtvBroadcast.events.length === 3));
    const last = await cloud(dev.session, () => (window as any).hbbtvBroadcast.events.map((e: any) => e.text));
    expect(last).to.deep.equal(['L-shape on', 'L-shape off', 'marker']);
  });

  it('programmes: present and following of the channel presented, from the line-up', async () => {
    await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
    await until('the channel to present', () => cloud(dev.session, () => (document.getElementById('tv') as any).playState === 2));
    const r = await cloud(dev.session, () => {
      const list = (document.getElementById('tv') as any).programmes;
      return { n: list.length, items: [list.item(0), list.item(1)], now: Date.now() / 1000 };
    });
    expect(r.n).to.equal(2);
    const [present, following] = r.items;
    expect(present.channelID).to.equal('ccid:1');
    expect(present.startTime).to.be.at.most(r.now);
    expect(present.startTime + present.duration).to.be.above(r.now);
    expect(following.startTime).to.equal(present.startTime + present.duration);
    expect([present.name, following.name].sort()).to.deep.equal(['Red Film', 'Red News']);
    expect(present.name === 'Red News' ? present.description : following.description).to.equal('The news');
  });

  it('keyset changes block and unblock keys; digits change channel once unblocked', async () => {
    await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
    // (900, 500) shows the video full screen and in the L-shape alike: channel 1's scripted
    // L-shape event starts 10 s after it presents, which a loaded machine reaches during the test.
    await until('the first channel', async () => near(await screenPixel(dev.page, 900, 500), RED));
    await press(dev.page, VK.VK_2);
    await press(dev.page, VK.VK_GREEN);
    await until('numeric keys in the keyset', () => dev.page.evaluate(() => ((window as any).stratusClient.keyset.value & 0x100) !== 0));
    await press(dev.page, VK.VK_2);
    await until('channel 2', async () => near(await screenPixel(dev.page, 900, 500), GREEN));
    expect(await cloud(dev.session, () => (window as any).hbbtvBroadcast.keys)).to.deep.equal([VK.VK_GREEN, VK.VK_2]);
  });
});

describe('createApplication to an origin the catalogue entry allows', function () {
  this.timeout(120000);
  let other: AppServer;
  before(async () => {
    other = await AppServer.start();
  });
  after(async () => {
    await other?.close();
  });
  const rig = useMediaRig((origin) => ({
    apps: {
      default: 'hbbtv-catalogue',
      catalog: JSON.stringify({
        'hbbtv-catalogue': {
          url: `/apps/hbbtv-catalogue/?origin=${encodeURIComponent(origin.baseUrl)}`,
          width: 1280,
          height: 720,
          allowedOrigins: [other.baseUrl]
        }
      })
    }
  }));
  const dev = useMediaDevice(rig);

  it('replaces the running app there, in the same session', async () => {
    await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
    const session = dev.session;
    await cloud(session, (url: string) => (document.getElementById('appmgr') as any).getOwnerApplication(document).createApplication(url, false), `${other.baseUrl}/probe/`);
    await until('the other app', () => cloud(session, () => location.pathname === '/probe/').catch(() => false));
    expect(await cloud(session, () => location.origin)).to.equal(other.baseUrl);
    expect(rig.orch.sessions.get(session.id)).to.equal(session);
    // The viewer sees the new app (its box), and the page was not taken for hung: a capture
    // Chromium loses across the change of document is retried, not read as a dead page.
    await until('the new app on the screen', async () => near(await screenPixel(dev.page, 100, 80), [0x22, 0x44, 0x66], 2));
    expect(session.reloads).to.equal(0);
  });

  it("the new app starts with every key: the old app's keyset goes with it, on the device too", async () => {
    await until('the app to start', () => cloud(dev.session, () => (window as any).started === true));
    const session = dev.session;
    await until('the catalogue keyset', () => session.input.keyset !== null);
    // The catalogue keeps digits for the TV.
    expect(await dev.page.evaluate((c) => (window as any).stratusClient.takesKey(c), VK.VK_1)).to.equal(false);
    await cloud(session, (url: string) => (document.getElementById('appmgr') as any).getOwnerApplication(document).createApplication(url, false), `${other.baseUrl}/probe/`);
    await until('the other app', () => cloud(session, () => location.pathname === '/probe/').catch(() => false));
    expect(session.input.keyset).to.equal(null);
    await until('the device to take every key again', () => dev.page.evaluate((c) => (window as any).stratusClient.takesKey(c), VK.VK_1));
    await cloud(session, () => {
      (window as any).keysSeen = [];
      document.addEventListener('keydown', (e) => (window as any).keysSeen.push(e.keyCode));
    });
    await dev.page.evaluate((c) => (window as any).stratusClient.sendKey(c, 'down'), VK.VK_1);
    expect(await until('the digit in the new app', () => cloud(session, () => ((window as any).keysSeen.length ? (window as any).keysSeen : null)))).to.deep.equal([VK.VK_1]);
  });
});
