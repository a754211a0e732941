import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { CHROMIUM_ARGS, decodePng, mergeConfig, Orchestrator, Overrides, Session } from '@stratus/orchestrator';
import type { EmulatedLink } from './link';
import type { DestinationStream } from 'pino';
import { until } from './wait';

/**
 * A real device for end-to-end tests: the emulator page in its own headless Chromium, separate
 * from the orchestrator's cloud Chromium, as a set-top box would be.
 */
export class DeviceBrowser {
  private constructor(
    readonly browser: Browser,
    private readonly dir: string
  ) {}

  static async launch(): Promise<DeviceBrowser> {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-device-'));
    const browser = await puppeteer.launch({
      executablePath: process.env.STRATUS_CHROMIUM_EXECUTABLE_PATH ?? '/usr/bin/chromium',
      headless: true,
      pipe: true,
      userDataDir: dir,
      // A set-top box plays what its app asks for; no user gesture comes first.
      args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required']
    });
    return new DeviceBrowser(browser, dir);
  }

  /**
   * Opens the emulator; unless `idle` (autostart: no session yet), waits for its first frame.
   * Through `link` when given: the page, its socket and its UI frames cross an emulated access link.
   */
  async open(orch: Orchestrator, query: string, viewport = { width: 1400, height: 840 }, idle = false, link?: Pick<EmulatedLink, 'through'>, deviceId = 'test-device'): Promise<Page> {
    const page = await this.browser.newPage();
    await page.setViewport(viewport);
    const token = orch.issueDeviceToken(deviceId);
    const url = link ? link.through(orch.emulatorUrl) : orch.emulatorUrl;
    await page.goto(`${url}?${query}&token=${encodeURIComponent(token)}`);
    if (idle) await page.waitForFunction(() => (window as any).stratusClient?.idle === true, { timeout: 20000 });
    else await page.waitForFunction(() => (window as any).stratusClient?.stats.framesPainted > 0, { timeout: 20000 });
    return page;
  }

  /**
   * Opens the device page as on an HbbTV terminal (`/tv/`), with `terminal` run before its code in
   * every document: a stand-in for the terminal's own objects (oipfObjectFactory, video/broadcast,
   * a DRM agent). Waits for its first frame.
   */
  async openTerminal(orch: Orchestrator, deviceId: string, terminal: () => void): Promise<Page> {
    const page = await this.browser.newPage();
    try {
      await page.evaluateOnNewDocument(terminal);
      const token = orch.issueDeviceToken(deviceId);
      await page.goto(`${orch.baseUrl}/tv/?desktop=1&token=${encodeURIComponent(token)}`);
      await page.waitForFunction(() => (window as any).stratusClient?.stats.framesPainted > 0, { timeout: 20000 });
      return page;
    } catch (err) {
      await page.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => this.browser.process()?.kill('SIGKILL'));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * An orchestrator on 127.0.0.1, port 0. The unload and resume graces are short here to keep the
 * suite quick; the tests of the graces themselves set their own.
 */
export async function startOrchestrator(extra: Overrides = {}, logDestination?: DestinationStream): Promise<Orchestrator> {
  // The API's stores stay in memory: a test that checks persistence names its own folder.
  // The log shows errors only, unless STRATUS_TEST_LOG_LEVEL asks for more.
  const base: Overrides = {
    server: { port: 0 },
    sessions: { unloadGraceMs: 100, resumeGraceMs: 300 },
    api: { dataDir: '' },
    ops: { logLevel: process.env.STRATUS_TEST_LOG_LEVEL ?? 'error' }
  };
  if (process.env.STRATUS_CHROMIUM_EXECUTABLE_PATH) base.chromium = { executablePath: process.env.STRATUS_CHROMIUM_EXECUTABLE_PATH };
  // Lets a bench run try Chromium switches without a code change.
  if (process.env.STRATUS_CHROMIUM_EXTRA_ARGS) base.chromium = { ...base.chromium, extraArgs: process.env.STRATUS_CHROMIUM_EXTRA_ARGS };
  return Orchestrator.start(mergeConfig(base, extra), { logDestination });
}

/** An orchestrator and a device browser for one describe block; the hooks stop both. */
export interface Rig {
  orch: Orchestrator;
  device: DeviceBrowser;
}

export function useRig(overrides: Overrides = {}): Rig {
  const rig = {} as Rig;
  before(async () => {
    // A quiet screencast's check comes within 100 ms rather than 1-4 s: every test that waits for
    // the layer to settle waits for it (the bench keeps the default).
    rig.orch = await startOrchestrator({ ...overrides, ui: { quietVerifyMs: 100, ...overrides.ui } });
    rig.device = await DeviceBrowser.launch();
  });
  after(async () => {
    await rig.device?.close();
    await rig.orch?.close();
  });
  return rig;
}

/**
 * Opens `app` on a 1280x720 emulator, waits for its layer to settle, runs `run`, then closes the
 * device and waits for the session to end, whatever `run` did.
 */
export async function withApp<T>(rig: Rig, app: string, run: (session: Session, page: Page) => Promise<T>): Promise<T> {
  const page = await rig.device.open(rig.orch, `w=1280&h=720&app=${app}`);
  try {
    const session = await sessionOf(rig.orch, page);
    await settle(rig.orch, page);
    return await run(session, page);
  } finally {
    await page.close();
    await until('the session to end', () => rig.orch.sessions.size === 0);
  }
}

/** The device canvas as straight-alpha RGBA bytes. */
export async function devicePixels(page: Page): Promise<{ width: number; height: number; data: Buffer }> {
  const r = await page.evaluate(() => {
    const c = document.getElementById('stratus-layer') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode.apply(null, Array.from(d.subarray(i, i + 0x8000)));
    return { width: c.width, height: c.height, b64: btoa(s) };
  });
  return { width: r.width, height: r.height, data: Buffer.from(r.b64, 'base64') };
}

/** The session the emulator in `page` is live on (not an older one still closing). */
export async function sessionOf(orch: Orchestrator, page: Page): Promise<Session> {
  const id = await until('the device to have a session', () => page.evaluate(() => (window as any).stratusClient.session?.sessionId as string | undefined));
  return until('its session', () => orch.sessions.get(id));
}

/**
 * Waits until the session has taken no capture and sent no frame for `quietMs`, and its layer is
 * idle: a still page has stopped costing anything (at a fractional scale its damage signal first
 * learns the echoes of its captures), and a motion has ended (a live one sends screencast frames
 * without captures). `requireIdle` false: only captures and frames count (a session with no
 * device yet keeps a keyframe wanted, so its stream is never idle).
 */
export async function capturesStopped(session: Session, quietMs = 1000, timeoutMs = 30000, requireIdle = true): Promise<void> {
  const mark = (): string => `${session.stats.captures}/${session.layer.counters.framesSent}`;
  let last = mark();
  let since = Date.now();
  await until(
    'the captures to stop',
    () => {
      const now = mark();
      if (now !== last || (requireIdle && !session.layer.idle)) {
        last = now;
        since = Date.now();
      }
      return Date.now() - since > quietMs;
    },
    timeoutMs
  );
}

/** Waits until every key the device sent has reached the session and gone through the page. */
export async function keysDelivered(orch: Orchestrator, page: Page): Promise<Session> {
  const session = await sessionOf(orch, page);
  const sent = await page.evaluate(() => (window as any).stratusClient.stats.keysSent as number);
  await until('the keys to reach the session', () => session.input.keys >= sent);
  await session.input.drained();
  return session;
}

/**
 * Waits until the layer is at rest: every key the device sent has reached the session and gone
 * through the page, the session's stream has nothing to capture, nothing being captured and
 * nothing in flight, and the device has applied every frame it received.
 */
export async function settle(orch: Orchestrator, page: Page): Promise<void> {
  await layerAtRest(await keysDelivered(orch, page), page);
}

/** The session's stream has nothing to capture, in flight or unpainted on the device in `page`. */
export async function layerAtRest(session: Session, page: Page): Promise<void> {
  let pending = 0;
  await until('the layer to settle', async () => {
    pending = await page.evaluate(() => (window as any).stratusClient.framesPending as number);
    return session.layer.idle && pending === 0;
  }).catch((e: Error) => {
    throw new Error(`${e.message}: the stream has ${session.layer.describe()}; the device ${pending} frames pending`);
  });
}

/**
 * How many minutes have turned since the cloud page's document began. The portal fixture's clock
 * changes its text at each turn, by itself: a change the next key's damage hint includes (its clip
 * may then cover too much of the page and be refused), or a capture of its own while the
 * screencast is quiet (of its clip, from the page's hint, at scale 1). Counted from the
 * document's start, which comes before the hints' first drain: a turn after that drain and before
 * a test's first look still counts (reading the clock's text there missed it).
 */
export function minutesTurned(session: Session): Promise<number> {
  return session.cloudPage!.evaluate(() => Math.floor(Date.now() / 60000) - Math.floor(performance.timeOrigin / 60000));
}

/**
 * Whether the device canvas shows the cloud page: null when it equals one of up to `tries` fresh
 * captures, else how the last one differs. At a fractional scale Chromium renders a still page in
 * more than one way (a few 1-px columns at tile edges differ between captures; the damage signal
 * learns them as echoes), so the device may rightly show any of them; a stale or wrong device
 * layer differs from every one. A page that changes on its own (a clock turning a minute) while
 * it is compared sends a frame, so after a mismatch the comparison waits for the layer to settle and
 * starts again (three rounds): a stale device layer stays stale through them.
 */
export async function cloudMismatch(session: Session, page: Page, tries = 5): Promise<string | null> {
  let why: string | null = null;
  for (let round = 0; round < 3; round++) {
    const dev = await devicePixels(page);
    for (let i = 0; i < tries; i++) {
      why = pixelMismatch(dev, decodePng(await session.page.capture()));
      if (why === null) return null;
    }
    await layerAtRest(session, page);
  }
  return why;
}

/** How two layers differ: null when equal, else the count and the first pixel. */
export function pixelMismatch(a: { width: number; height: number; data: Buffer }, b: { width: number; height: number; data: Buffer }): string | null {
  if (a.width !== b.width || a.height !== b.height) return `size ${a.width}x${a.height} vs ${b.width}x${b.height}`;
  let count = 0;
  let first = '';
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data.readUInt32LE(i) !== b.data.readUInt32LE(i)) {
      if (count === 0) {
        const p = i / 4;
        first = `(${p % a.width},${Math.floor(p / a.width)}) device ${[...a.data.subarray(i, i + 4)]} cloud ${[...b.data.subarray(i, i + 4)]}`;
      }
      count++;
    }
  }
  return count ? `${count} pixels differ, first at ${first}` : null;
}
