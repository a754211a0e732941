import { expect } from 'chai';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Page } from 'puppeteer-core';
import { VK } from '@stratus/protocol';
import { decodePng } from '../../src/png/decode';
import { Orchestrator } from '../../src/orchestrator';
import { Session } from '../../src/session/session';
import { alive, descendants, devicePixels, RawDevice, sessionOf, settle, startOrchestrator, until, useRig } from '@stratus/testkit';

const stat = (page: Page, name: string): Promise<number> => page.evaluate((n) => (window as any).stratusClient.stats[n] as number, name);

/** The device shows exactly the cloud page's layer. */
async function showsTheLayer(orch: Orchestrator, page: Page, session: Session): Promise<boolean> {
  if (session.renewing) return false;
  await settle(orch, page);
  const cloud = decodePng(await session.page.capture());
  return (await devicePixels(page)).data.equals(cloud.data);
}

/**
 * Crashes the app's renderer (Page.crash, its own crash path) once its layer is at rest. Chromium's
 * browser process itself can die (SIGSEGV, ~10 ms after the renderer's crash) when a renderer
 * crashes with a screenshot of it still pending: measured under load, about one crash in six right
 * after a page's first frame, one in three with a capture sent just before. The supervisor then
 * relaunches the browser and every session reloads ('browser'), which is not what these tests
 * look at. With no capture in flight, none in 24.
 */
async function crashAtRest(session: Session): Promise<void> {
  await until('the layer to rest before the crash', () => session.layer.idle);
  await session.page.cdp.send('Page.crash').catch(() => undefined);
}

/** The supervisors of the node's browsers, for tests that stand in for a part of them. */
function supervisorsOf<T>(orch: Orchestrator): T[] {
  return (orch as unknown as { browser: { supervisors: T[] } }).browser.supervisors;
}

/** The supervisor of the node's (first) browser. */
function firstSupervisor<T>(orch: Orchestrator): T {
  return supervisorsOf<T>(orch)[0];
}

/**
 * Holds every relaunch of the node's browsers until the returned release is called (which also
 * puts their own launch back), so that what a test looks at during one is seen however fast a
 * launch is.
 */
function holdRelaunches(orch: Orchestrator): () => void {
  const supervisors = supervisorsOf<{ launch(): Promise<unknown> }>(orch);
  const launches = supervisors.map((s) => s.launch);
  let go!: () => void;
  const gate = new Promise<void>((resolve) => (go = resolve));
  supervisors.forEach((s, i) => {
    s.launch = async function (this: unknown) {
      await gate;
      return launches[i].call(this);
    };
  });
  return () => {
    go();
    supervisors.forEach((s, i) => (s.launch = launches[i]));
  };
}

/** The process of the browser a session lives in. */
const pidOf = (s: Session | undefined): number | undefined => s?.cloudPage?.browser().process()?.pid;

/** Presses a key on the emulator and waits until the app's page has had it. */
async function press(page: Page, session: Session, code: number): Promise<void> {
  const before = session.input.keys;
  await page.evaluate((c) => {
    const client = (window as any).stratusClient;
    client.sendKey(c, 'down');
    client.sendKey(c, 'up');
  }, code);
  await until('the key to reach the session', () => session.input.keys > before);
  await session.input.drained();
}

describe('Chromium supervision: a crashed or hung page and a dead browser are noticed, and the app comes back', function () {
  this.timeout(180000);

  describe('one page dies', () => {
    const rig = useRig();

    it('a crashed renderer: the app reloads in its session, its device keeps the connection and gets the new page; the other session is untouched', async () => {
      const a = await rig.device.open(rig.orch, 'w=1280&h=720&app=portal');
      const b = await rig.device.open(rig.orch, 'w=1280&h=720&app=portal');
      try {
        const sa = await sessionOf(rig.orch, a);
        const sb = await sessionOf(rig.orch, b);
        await sa.cloudPage!.evaluate(() => ((window as any).beforeCrash = true));
        const bFrames = await stat(b, 'framesPainted');
        await settle(rig.orch, a);
        await crashAtRest(sa);
        await until('the device to hear of the reload', async () => (await stat(a, 'appReloads')) === 1);
        await until('the reloaded app to be on the device', () => showsTheLayer(rig.orch, a, sa));
        expect(rig.orch.sessions.get(sa.id)).to.equal(sa);
        expect(sa.reloads).to.equal(1);
        // A new document: nothing of the crashed one survived.
        expect(await sa.cloudPage!.evaluate(() => (window as any).beforeCrash ?? null)).to.equal(null);
        expect(await stat(a, 'reconnects')).to.equal(0);
        // Keys work on the reloaded app.
        await sa.cloudPage!.evaluate(() => {
          (window as any).keysSeen = [];
          document.addEventListener('keydown', (e) => (window as any).keysSeen.push(e.keyCode));
        });
        await press(a, sa, VK.VK_DOWN);
        expect(await sa.cloudPage!.evaluate(() => (window as any).keysSeen)).to.deep.equal([VK.VK_DOWN]);
        // The other session never noticed.
        expect(sb.reloads).to.equal(0);
        expect(await stat(b, 'appReloads')).to.equal(0);
        await press(b, sb, VK.VK_RIGHT);
        await until('the other device to paint the key', async () => (await stat(b, 'framesPainted')) > bFrames);
        expect(await showsTheLayer(rig.orch, b, sb)).to.equal(true);
      } finally {
        await a.close();
        await b.close();
      }
      await until('the sessions to end', () => rig.orch.sessions.size === 0);
    });

    it('a hung renderer (an endless loop in the app): the watchdog crashes it and the app reloads', async () => {
      const a = await rig.device.open(rig.orch, 'w=1280&h=720&app=portal');
      try {
        const sa = await sessionOf(rig.orch, a);
        await sa.cloudPage!.evaluate(() => void setTimeout(() => {
          for (;;);
        }, 0));
        // The key's delivery is what finds the page stuck.
        await a.evaluate((c) => (window as any).stratusClient.sendKey(c, 'down'), VK.VK_DOWN);
        await until('the device to hear of the reload', async () => (await stat(a, 'appReloads')) === 1, 60000);
        await until('the reloaded app to be on the device', () => showsTheLayer(rig.orch, a, sa));
        expect(sa.reloads).to.equal(1);
        expect(rig.orch.sessions.get(sa.id)).to.equal(sa);
      } finally {
        await a.close();
      }
      await until('the session to end', () => rig.orch.sessions.size === 0);
    });

    it('alert() and confirm() in the app do not hang it: nobody is there to answer them', async () => {
      const a = await rig.device.open(rig.orch, 'w=1280&h=720&app=portal');
      try {
        const sa = await sessionOf(rig.orch, a);
        const answers = await sa.cloudPage!.evaluate(() => {
          alert('hello');
          return { confirm: confirm('sure?'), prompt: prompt('name?') };
        });
        expect(answers).to.deep.equal({ confirm: false, prompt: null });
        await press(a, sa, VK.VK_DOWN);
        expect(await showsTheLayer(rig.orch, a, sa)).to.equal(true);
        expect(sa.reloads).to.equal(0);
      } finally {
        await a.close();
      }
      await until('the session to end', () => rig.orch.sessions.size === 0);
    });

    it('a crash loop (3 within the window) closes the session with STRATUS_PAGE_CRASHED, final', async () => {
      const dev = await RawDevice.connect(rig.orch, 'crash-loop');
      dev.hello({ app: 'portal' });
      const { sessionId } = await dev.helloResult();
      const s = rig.orch.sessions.get(sessionId)!;
      // Its frames acknowledged, the layer comes to rest between crashes (crashAtRest).
      dev.ackFrames();
      // The app's page has loaded and painted: a crash now is the app's, not one of a page still starting.
      await until('a first frame', () => dev.frames.length > 0);
      for (let i = 1; i <= 2; i++) {
        await crashAtRest(s);
        await until(`reload ${i}`, () => s.reloads === i && !s.renewing, 60000);
      }
      expect(dev.texts.filter((t) => t.method === 'session.reloaded').map((t) => t.params)).to.deep.equal([{ reason: 'crashed' }, { reason: 'crashed' }]);
      await crashAtRest(s);
      expect(await dev.closed).to.deep.equal({ code: 4506, reason: 'STRATUS_PAGE_CRASHED' });
      await until('the session to end', () => !rig.orch.sessions.has(sessionId));
      expect(rig.orch.chromiumContexts).to.equal(rig.orch.chromiumPids.length);
    });
  });

  describe('several browsers on the node (chromium.browsers 2)', () => {
    const rig = useRig({ chromium: { browsers: 2 } });

    it('spreads the sessions over them; one dying reloads only its own sessions, while new ones go to the other at once', async () => {
      const a = await rig.device.open(rig.orch, 'w=1280&h=720&app=portal');
      const b = await rig.device.open(rig.orch, 'w=1280&h=720&app=portal');
      let late: RawDevice | undefined;
      try {
        const sa = await sessionOf(rig.orch, a);
        const sb = await sessionOf(rig.orch, b);
        const pids = rig.orch.chromiumPids;
        expect(pids).to.have.length(2);
        expect([pidOf(sa), pidOf(sb)].sort()).to.deep.equal([...pids].sort());
        // Each browser: its default context and one session's.
        expect(rig.orch.chromiumContexts).to.equal(4);
        await settle(rig.orch, b);
        const bFrames = await stat(b, 'framesPainted');
        const dead = pidOf(sa) as number;
        const children = descendants(dead);
        // The relaunch waits for the test, so the hello below surely comes while it is under way.
        const release = holdRelaunches(rig.orch);
        try {
          process.kill(dead, 'SIGKILL');
          await until('the orchestrator to notice', () => rig.orch.health().browser === 'relaunching');
          // The other browser still runs: the node stays ready and a hello gets a session there.
          expect(rig.orch.health().ok).to.equal(true);
          late = await RawDevice.connect(rig.orch, 'late-box');
          late.hello({ app: 'portal' });
          const lateHello = await late.helloResult();
          const sl = rig.orch.sessions.get(lateHello.sessionId) as Session;
          expect(pidOf(sl)).to.equal(pidOf(sb));
          expect(rig.orch.browserRelaunches).to.equal(0);
        } finally {
          release();
        }
        await until('the browser to be back', () => rig.orch.health().browser === 'up' && rig.orch.chromiumPids.length === 2 && !rig.orch.chromiumPids.includes(dead));
        expect(rig.orch.browserRelaunches).to.equal(1);
        await until('the device to hear of the reload', async () => (await stat(a, 'appReloads')) === 1);
        await until('the reloaded app to be on the device', () => showsTheLayer(rig.orch, a, sa));
        expect(sa.reloads).to.equal(1);
        // The other browser's session never noticed, and still answers keys.
        expect(sb.reloads).to.equal(0);
        expect(await stat(b, 'appReloads')).to.equal(0);
        await press(b, sb, VK.VK_RIGHT);
        await until('the other device to paint the key', async () => (await stat(b, 'framesPainted')) > bFrames);
        expect(await showsTheLayer(rig.orch, b, sb)).to.equal(true);
        await until('the dead browser and its children to be gone', () => !alive(dead) && children.every((p) => !alive(p)));
      } finally {
        late?.close();
        await a.close();
        await b.close();
      }
      await until('the sessions to end', () => rig.orch.sessions.size === 0);
      expect(rig.orch.chromiumContexts).to.equal(2);
    });

    it('spreads hellos that arrive together as well', async () => {
      const devices = await Promise.all([0, 1, 2, 3].map((i) => RawDevice.connect(rig.orch, `together-${i}`)));
      try {
        for (const d of devices) d.hello({ app: 'portal' });
        const ids = (await Promise.all(devices.map((d) => d.helloResult()))).map((h) => h.sessionId);
        const perBrowser = new Map<number | undefined, number>();
        for (const id of ids) {
          const pid = pidOf(rig.orch.sessions.get(id));
          perBrowser.set(pid, (perBrowser.get(pid) ?? 0) + 1);
        }
        expect([...perBrowser.keys()].sort()).to.deep.equal([...rig.orch.chromiumPids].sort());
        expect([...perBrowser.values()]).to.deep.equal([2, 2]);
      } finally {
        for (const d of devices) d.close();
      }
      await until('the sessions to end', () => rig.orch.sessions.size === 0);
    });
  });

  describe('the browser dies', () => {
    // One browser: the node has none left while it is relaunched.
    const rig = useRig({ chromium: { browsers: 1 } });

    it('is relaunched: health says not ready meanwhile, a hello waits for it, the sessions reload with their devices connected, and nothing of the old browser is left', async () => {
      const a = await rig.device.open(rig.orch, 'w=1280&h=720&app=portal');
      let late: RawDevice | undefined;
      try {
        const sa = await sessionOf(rig.orch, a);
        const oldPid = rig.orch.chromiumPid as number;
        const oldChildren = descendants(oldPid);
        expect(oldChildren.length).to.be.above(0);
        // Its profile, and the directory of its single-instance socket, which a killed browser leaves.
        const profile = /--user-data-dir=([^\0]+)/.exec(readFileSync(`/proc/${oldPid}/cmdline`, 'utf8'))?.[1] as string;
        const socketDir = dirname(readlinkSync(join(profile, 'SingletonSocket')));
        expect(existsSync(socketDir)).to.equal(true);
        const health = async (): Promise<{ status: number; body: any }> => {
          const r = await fetch(`${rig.orch.baseUrl}/healthz`);
          return { status: r.status, body: await r.json() };
        };
        expect((await health()).status).to.equal(200);
        process.kill(oldPid, 'SIGKILL');
        await until('the orchestrator to notice', () => !rig.orch.health().ok || rig.orch.browserRelaunches > 0);
        // A hello now waits for the new browser instead of failing.
        late = await RawDevice.connect(rig.orch, 'late-box');
        late.hello({ app: 'portal' });
        const lateHello = await late.helloResult();
        expect(rig.orch.sessions.has(lateHello.sessionId)).to.equal(true);
        await until('a new browser', () => rig.orch.health().ok && rig.orch.chromiumPid !== oldPid);
        const h = await health();
        expect(h.status).to.equal(200);
        expect(h.body).to.include({ ok: true, browser: 'up', relaunches: 1 });
        await until('the device to hear of the reload', async () => (await stat(a, 'appReloads')) === 1);
        await until('the reloaded app to be on the device', () => showsTheLayer(rig.orch, a, sa));
        expect(await stat(a, 'reconnects')).to.equal(0);
        expect(rig.orch.sessions.get(sa.id)).to.equal(sa);
        await press(a, sa, VK.VK_DOWN);
        expect(await showsTheLayer(rig.orch, a, sa)).to.equal(true);
        await until('the old browser and its children to be gone', () => !alive(oldPid) && oldChildren.every((p) => !alive(p)));
        await until('the old browser\'s files to be gone', () => !existsSync(profile) && !existsSync(socketDir));
      } finally {
        late?.close();
        await a.close();
      }
      await until('the sessions to end', () => rig.orch.sessions.size === 0);
      expect(rig.orch.chromiumContexts).to.equal(1);
    });

    it('a browser that dies while the relaunch renews the sessions is relaunched too, and the sessions come back on the third', async () => {
      const a = await rig.device.open(rig.orch, 'w=1280&h=720&app=portal');
      try {
        const sa = await sessionOf(rig.orch, a);
        const firstPid = rig.orch.chromiumPid as number;
        const relaunches = rig.orch.browserRelaunches;
        const reloads = await stat(a, 'appReloads');
        // The second browser dies as the relaunch asks it for the session's new context.
        type Launched = { browser: { process(): { pid: number } | null; connected: boolean; createBrowserContext(): Promise<unknown> } };
        // The supervisor launches through its own `launch`: a stand-in for one launch.
        const orch = firstSupervisor<{ launch(): Promise<Launched> }>(rig.orch);
        const launch = orch.launch;
        let secondPid = 0;
        orch.launch = async function (this: unknown) {
          orch.launch = launch;
          const c = await launch.call(this);
          const create = c.browser.createBrowserContext.bind(c.browser);
          c.browser.createBrowserContext = async () => {
            secondPid = c.browser.process()!.pid;
            process.kill(secondPid, 'SIGKILL');
            await until('the second browser to be gone', () => !c.browser.connected);
            return create();
          };
          return c;
        };
        try {
          process.kill(firstPid, 'SIGKILL');
          await until('a third browser', () => rig.orch.health().ok && secondPid !== 0 && rig.orch.chromiumPid !== secondPid && rig.orch.chromiumPid !== firstPid);
        } finally {
          orch.launch = launch;
        }
        expect(rig.orch.browserRelaunches - relaunches).to.equal(2);
        // The session was not closed for the second browser's death: it reloads on the third.
        expect(rig.orch.sessions.get(sa.id)).to.equal(sa);
        await until('the device to hear of the reload', async () => (await stat(a, 'appReloads')) > reloads);
        await until('the reloaded app to be on the device', () => showsTheLayer(rig.orch, a, sa));
        await press(a, sa, VK.VK_DOWN);
        expect(await showsTheLayer(rig.orch, a, sa)).to.equal(true);
        await until('both dead browsers to be gone', () => !alive(firstPid) && !alive(secondPid));
      } finally {
        await a.close();
      }
      await until('the sessions to end', () => rig.orch.sessions.size === 0);
    });

    it('answers /healthz with 503 while no browser runs', async () => {
      const pid = rig.orch.chromiumPid as number;
      // The relaunch waits for the test, so the answer during it is seen however fast a launch is.
      const release = holdRelaunches(rig.orch);
      try {
        process.kill(pid, 'SIGKILL');
        const down = await until('503 while the browser is down', async () => {
          const r = await fetch(`${rig.orch.baseUrl}/healthz`);
          return r.status === 503 ? r.json() : null;
        });
        expect(down).to.deep.include({ ok: false, browser: 'relaunching' });
      } finally {
        release();
      }
      await until('the relaunch', async () => (await fetch(`${rig.orch.baseUrl}/healthz`)).status === 200 && rig.orch.chromiumPid !== pid);
    });

    it('is relaunched even when cleaning up after the dead one fails', async () => {
      const pid = rig.orch.chromiumPid as number;
      // Seen under load: the killed browser's helpers still wrote into its profile as it was removed.
      const dead = firstSupervisor<{ current: { close(ms?: number): Promise<void> } }>(rig.orch).current;
      const close = dead.close.bind(dead);
      dead.close = async (ms?: number) => {
        await close(ms);
        throw new Error('ENOTEMPTY: directory not empty');
      };
      process.kill(pid, 'SIGKILL');
      await until('the relaunch', async () => (await fetch(`${rig.orch.baseUrl}/healthz`)).status === 200 && rig.orch.chromiumPid !== pid);
      expect(alive(pid)).to.equal(false);
    });
  });

  it('shuts down within its deadline when the browser hangs, and leaves no process behind', async () => {
    const orch = await startOrchestrator({ server: { shutdownDeadlineMs: 3000 } });
    const dev = await RawDevice.connect(orch, 'box');
    dev.hello({ app: 'portal' });
    await dev.helloResult();
    const pid = orch.chromiumPid as number;
    const children = descendants(pid);
    // A browser that answers nothing: every DevTools call would wait for the protocol timeout.
    process.kill(pid, 'SIGSTOP');
    try {
      const started = performance.now();
      await orch.close();
      // The deadline is 3 s; without it the close waits for three protocol timeouts (90 s).
      expect(performance.now() - started).to.be.below(20000);
      expect(await dev.closed).to.deep.equal({ code: 4001, reason: 'STRATUS_SHUTDOWN' });
      expect(alive(pid)).to.equal(false);
      await until('its children to be gone', () => children.every((p) => !alive(p)));
    } finally {
      // Should the close have failed, nothing stays stopped for the next test.
      for (const p of [pid, ...children]) if (alive(p)) process.kill(p, 'SIGKILL');
    }
  });
});
