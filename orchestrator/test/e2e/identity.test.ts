import { expect } from 'chai';
import { Orchestrator } from '../../src/orchestrator';
import { AppServer, RawDevice, startOrchestrator, until } from '@stratus/testkit';

describe('identification and cloud-browser errors, as the app and its server see them', function () {
  this.timeout(90000);
  let apps: AppServer;

  before(async () => {
    apps = await AppServer.start();
  });
  after(async () => {
    await apps?.close();
  });

  function catalog(): string {
    return JSON.stringify({ probe: { url: `${apps.baseUrl}/probe/`, width: 1280, height: 720 } });
  }

  async function withOrchestrator(overrides: Record<string, Record<string, unknown>>, fn: (o: Orchestrator) => Promise<void>): Promise<void> {
    const o = await startOrchestrator({ ...overrides, apps: { catalog: catalog(), default: 'probe' } });
    try {
      await fn(o);
    } finally {
      await o.close();
    }
  }

  it("sends the device's IP as X-Forwarded-For and a user agent naming the device, on every request", async () => {
    await withOrchestrator({}, async (o) => {
      const dev = await RawDevice.connect(o, 'box-1', { 'X-Forwarded-For': '203.0.113.66' });
      dev.hello({ model: 'Acme 9000' });
      const { sessionId } = await dev.helloResult();
      const page = o.sessions.get(sessionId)!.cloudPage!;
      const tag = await page.evaluate(() => (window as any).probe.id as string);
      await page.evaluate(() => fetch('/probe/index.html?from=xhr'));
      const reqs = apps.seen.filter((r) => r.path.startsWith('/probe/'));
      const xhr = await until('the fetch', () => apps.seen.find((r) => r.query.from === 'xhr'));
      for (const r of [...reqs, xhr]) {
        // The device's header is not believed: the orchestrator trusts no proxy here.
        expect(r.headers['x-forwarded-for']).to.equal('127.0.0.1');
        expect(r.headers['user-agent']).to.match(/HbbTV\/1\.6\.1 \(\+DRM; Stratus; Acme 9000; 0\.1\.0; ; \) Stratus\/0\.1\.0/);
        expect(r.headers['user-agent']).to.not.include('Headless');
      }
      expect(tag).to.be.a('string');
      dev.close();
    });
  });

  it('believes X-Forwarded-For only from a configured trusted proxy', async () => {
    await withOrchestrator({ server: { trustedProxies: '127.0.0.1' } }, async (o) => {
      const dev = await RawDevice.connect(o, 'box-2', { 'X-Forwarded-For': '198.51.100.1, 203.0.113.77' });
      dev.hello();
      await dev.helloResult();
      const hit = await until('the app request', () => apps.seen.find((r) => r.headers['x-forwarded-for'] === '203.0.113.77'));
      expect(hit.path).to.equal('/probe/');
      dev.close();
    });
  });

  it("reports the device's location through navigator.geolocation, and never the data centre's", async () => {
    await withOrchestrator({}, async (o) => {
      const dev = await RawDevice.connect(o, 'box-3');
      dev.hello({ location: { latitude: 48.1372, longitude: 11.5756, accuracy: 50 } });
      const { sessionId } = await dev.helloResult();
      const pos = await o.sessions.get(sessionId)!.cloudPage!.evaluate(
        () => new Promise((resolve) => navigator.geolocation.getCurrentPosition((p) => resolve([p.coords.latitude, p.coords.longitude, p.coords.accuracy]), (e) => resolve(e.code)))
      );
      expect(pos).to.deep.equal([48.1372, 11.5756, 50]);
      const silent = await RawDevice.connect(o, 'box-4');
      silent.hello();
      const second = await silent.helloResult();
      const none = await o.sessions.get(second.sessionId)!.cloudPage!.evaluate(
        () => new Promise((resolve) => navigator.geolocation.getCurrentPosition(() => resolve('a position'), (e) => resolve(e.code)))
      );
      expect(none).to.not.equal('a position');
      dev.close();
      silent.close();
    });
  });

  it('device error reports and a lost transport reach the app as coded error events, unlike script errors', async () => {
    await withOrchestrator({ sessions: { unloadGraceMs: 300 } }, async (o) => {
      const dev = await RawDevice.connect(o, 'box-5');
      dev.hello();
      const { sessionId } = await dev.helloResult();
      const page = o.sessions.get(sessionId)!.cloudPage!;
      await page.evaluate(() => {
        const w = window as any;
        w.errors = [];
        addEventListener('error', (e) => {
          const err = (e as ErrorEvent).error;
          w.errors.push({ name: err?.name, code: err?.code, type: err?.type, source: err?.source, deviceCode: err?.deviceCode });
          fetch('/beacon?event=error&code=' + err?.code, { method: 'POST', keepalive: true });
        });
        // An error from the app's own script, for contrast.
        const script = document.createElement('script');
        script.textContent = "setTimeout(function () { throw new Error('an ordinary script error'); }, 0);";
        document.body.appendChild(script);
      });
      dev.send({ jsonrpc: '2.0', method: 'device.error', params: { source: 'decode', code: 'MEDIA_ERR_DECODE', message: 'decoder failed' } });
      const seen = await until('two errors', async () => {
        const e = await page.evaluate(() => (window as any).errors as any[]);
        return e.length >= 2 ? e : null;
      });
      // Undefined fields vanish on the way out of the page: the script error has a name and nothing else.
      expect(seen).to.deep.include({ name: 'Error' });
      expect(seen).to.deep.include({ name: 'StratusError', code: 'STRATUS_DEVICE_ERROR', type: 'cloudbrowser', source: 'decode', deviceCode: 'MEDIA_ERR_DECODE' });
      dev.close();
      const lost = await until('the transport-lost report', () => apps.seen.find((r) => r.query.event === 'error' && r.query.code === 'STRATUS_TRANSPORT_LOST'));
      expect(lost.method).to.equal('POST');
    });
  });
});
