import { expect } from 'chai';
import WebSocket from 'ws';
import { DEVICE_WS_PATH, VK } from '@stratus/protocol';
import { sessionOf, startOrchestrator, until, useRig } from '@stratus/testkit';

describe('the emulator page in a real browser', function () {
  this.timeout(90000);
  const rig = useRig();

  it('remote buttons and keyboard keys deliver the right key codes; the overlay and device errors work', async () => {
    const page = await rig.device.open(rig.orch, 'w=1280&h=720', { width: 1600, height: 900 });
    try {
      const cloud = (await sessionOf(rig.orch, page)).cloudPage!;
      await cloud.evaluate(() => {
        const w = window as any;
        w.got = [];
        w.cloudErrors = [];
        for (const t of ['keydown', 'keyup']) document.addEventListener(t, (e) => w.got.push([e.type, (e as KeyboardEvent).keyCode]));
        addEventListener('error', (e) => w.cloudErrors.push([(e as ErrorEvent).error?.code, (e as ErrorEvent).error?.source]));
      });
      const buttons = await page.$$eval('#stratus-remote button', (bs) => bs.map((b) => b.getAttribute('data-key')!));
      expect(buttons).to.include.members(['VK_RED', 'VK_GREEN', 'VK_YELLOW', 'VK_BLUE', 'VK_UP', 'VK_DOWN', 'VK_LEFT', 'VK_RIGHT', 'VK_ENTER', 'VK_BACK', 'VK_0', 'VK_9', 'VK_PLAY_PAUSE', 'VK_STOP', 'VK_FAST_FWD', 'VK_REWIND', 'VK_VOLUME_UP', 'VK_VOLUME_DOWN', 'VK_CHANNEL_UP', 'VK_CHANNEL_DOWN']);
      for (const name of buttons) await page.click(`#stratus-remote button[data-key="${name}"]`);
      const expected = buttons.flatMap((n) => [['keydown', VK[n]], ['keyup', VK[n]]]);
      const got = await until('every button press', async () => {
        const g = await cloud.evaluate(() => (window as any).got as Array<[string, number]>);
        return g.length >= expected.length ? g : null;
      });
      expect(got).to.deep.equal(expected);

      await cloud.evaluate(() => ((window as any).got = []));
      for (const k of ['Backspace', 'KeyR', 'Digit7', 'KeyP', 'Home', 'Equal'] as const) await page.keyboard.press(k);
      const keys = await until('the keyboard keys', async () => {
        const g = await cloud.evaluate(() => (window as any).got as Array<[string, number]>);
        return g.length >= 12 ? g.filter((x) => x[0] === 'keydown').map((x) => x[1]) : null;
      });
      expect(keys).to.deep.equal([VK.VK_BACK, VK.VK_RED, VK.VK_7, VK.VK_PLAY_PAUSE, VK.VK_CHANNEL_UP, VK.VK_VOLUME_UP]);

      await until('the overlay to show a latency', async () => /\d+ ms/.test(await page.$eval('#st-latency', (e) => e.textContent ?? '')), 5000);

      // A script error on the device page reaches the cloud app as a device error.
      await page.addScriptTag({ content: "setTimeout(function () { throw new Error('device bug'); }, 0);" });
      const errs = await until('the device error in the app', async () => {
        const e = await cloud.evaluate(() => (window as any).cloudErrors as Array<[string, string]>);
        return e.length ? e : null;
      });
      expect(errs).to.deep.include(['STRATUS_DEVICE_ERROR', 'client']);
    } finally {
      await page.close();
    }
  });

  it('the profile picker switches the box it emulates, and with it the capability report the cloud page sees', async () => {
    await until('earlier sessions to end', () => rig.orch.sessions.size === 0);
    const page = await rig.device.open(rig.orch, 'w=1280&h=720');
    const report = async (): Promise<{ profile: string; maxVideo: { width: number; height: number }; codecs: string[]; hls: string; emulated?: string[] }> => {
      const s = await until('one session', () => (rig.orch.sessions.size === 1 ? [...rig.orch.sessions.values()][0] : null));
      await until('the app page', () => s.cloudPage);
      return s.cloudPage!.evaluate(() => (window as any).stratus.media.device);
    };
    try {
      // The configured default (devices.emulatorProfile) first.
      expect(await page.$eval('#stratus-profile', (e) => (e as HTMLSelectElement).value)).to.equal('modern');
      const modern = await report();
      expect(modern).to.deep.include({ profile: 'modern', hls: 'mse', maxVideo: { width: 1920, height: 1080 } });
      expect(modern.codecs).to.include('hevc');
      const options = await page.$$eval('#stratus-profile option', (os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(options).to.deep.equal(['host', 'legacy', 'modern']);
      await Promise.all([page.waitForNavigation(), page.select('#stratus-profile', 'legacy')]);
      await page.waitForFunction(() => (window as any).stratusClient?.stats.framesPainted > 0, { timeout: 20000 });
      expect(new URL(page.url()).searchParams.get('profile')).to.equal('legacy');
      await until('the modern session to end', async () => rig.orch.sessions.size === 1 && (await report()).profile === 'legacy');
      const legacy = await report();
      expect(legacy).to.deep.include({ profile: 'legacy', hls: 'native', dash: 'none', maxVideo: { width: 1280, height: 720 } });
      expect(legacy.codecs).to.deep.equal(['avc', 'aac', 'mp3']);
      await Promise.all([page.waitForNavigation(), page.select('#stratus-profile', 'host')]);
      await page.waitForFunction(() => (window as any).stratusClient?.stats.framesPainted > 0, { timeout: 20000 });
      await until('the host session', async () => rig.orch.sessions.size === 1 && (await report()).profile === undefined);
      // The browser as it is: this Chromium decodes H.264 and VP9, not HEVC, and reports no emulation.
      const host = await report();
      expect(host.codecs).to.include.members(['avc', 'vp9']);
      expect(host.codecs).to.not.include('hevc');
      expect(host.emulated).to.equal(undefined);
    } finally {
      await page.close();
      await until('the session to end', () => rig.orch.sessions.size === 0);
    }
  });

  it('without a token in the URL it gets a development token by itself, as after npm start', async () => {
    await until('earlier sessions to end', () => rig.orch.sessions.size === 0);
    const page = await rig.device.browser.newPage();
    try {
      await page.goto(`${rig.orch.emulatorUrl}?w=1280&h=720`);
      await page.waitForFunction(() => (window as any).stratusClient?.stats.framesPainted > 0, { timeout: 20000 });
      const ids = [...rig.orch.sessions.values()].map((x) => x.deviceId);
      expect(ids).to.have.length(1);
      expect(ids[0]).to.match(/^emulator-[0-9a-f]{12}$/);
    } finally {
      await page.close();
      await until('the session to end', () => rig.orch.sessions.size === 0);
    }
  });

  it('answers with security headers, and the device WebSocket refuses pages of other sites', async () => {
    for (const path of ['/', '/apps/portal/', '/healthz']) {
      const res = await fetch(`${rig.orch.baseUrl}${path}`);
      expect(res.headers.get('x-content-type-options'), path).to.equal('nosniff');
      expect(res.headers.get('referrer-policy'), path).to.equal('no-referrer');
      expect(res.headers.get('x-frame-options'), path).to.equal('SAMEORIGIN');
    }
    // Media is not open to every site's pages: no CORS unless media.corsOrigins lists the page.
    const media = await fetch(`${rig.orch.baseUrl}/media/live/ch1/index.m3u8`, { headers: { origin: 'http://evil.example' } });
    expect(media.status).to.equal(200);
    expect(media.headers.get('access-control-allow-origin')).to.equal(null);
    /** The HTTP status of an upgrade to the device WebSocket of `base` (101: it opened). */
    const attempt = (origin?: string, base = rig.orch.baseUrl): Promise<number> =>
      new Promise((resolve) => {
        const ws = new WebSocket(base.replace('http', 'ws') + DEVICE_WS_PATH, origin ? { origin } : {});
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.once('error', () => undefined);
      });
    expect(await attempt('http://evil.example')).to.equal(403);
    expect(await attempt(rig.orch.baseUrl)).to.equal(101);
    expect(await attempt()).to.equal(101);
    const other = await startOrchestrator({ server: { allowedOrigins: 'https://tv.example' } });
    try {
      expect(await attempt('https://tv.example', other.baseUrl)).to.equal(101);
      expect(await attempt('http://evil.example', other.baseUrl)).to.equal(403);
    } finally {
      await other.close();
    }
  });

  it('production mode hands out no development tokens', async () => {
    const prod = await startOrchestrator({ auth: { mode: 'production', secret: 'a-production-secret-of-sufficient-length-42' } });
    try {
      expect((await fetch(`${prod.baseUrl}/dev/token`)).status).to.equal(404);
      // Nor the fixture media origin.
      expect((await fetch(`${prod.baseUrl}/media/vod/h264/index.m3u8`)).status).to.equal(404);
      expect((await fetch(`${rig.orch.baseUrl}/media/vod/h264/index.m3u8`)).status).to.equal(200);
      expect((await fetch(`${rig.orch.baseUrl}/dev/token`)).status).to.equal(200);
      // Each emulator page its own device id, so one cannot join another's session.
      const deviceOf = async (): Promise<string> => {
        const { token } = await (await fetch(`${rig.orch.baseUrl}/dev/token`)).json();
        return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).dev;
      };
      const [a, b] = [await deviceOf(), await deviceOf()];
      expect(a).to.match(/^emulator-/);
      expect(a).to.not.equal(b);
    } finally {
      await prod.close();
    }
  });
});
