import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { CHROMIUM_ARGS } from '../../src/chromium';
import { mergeConfig, Overrides } from '../../src/config';
import { Orchestrator } from '../../src/orchestrator';

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

  /** Opens the emulator and waits until the first frame is painted. */
  async open(orch: Orchestrator, query: string, viewport = { width: 1400, height: 840 }): Promise<Page> {
    const page = await this.browser.newPage();
    await page.setViewport(viewport);
    const token = orch.issueDeviceToken('test-device');
    await page.goto(`${orch.emulatorUrl}?${query}&token=${encodeURIComponent(token)}`);
    await page.waitForFunction(() => (window as any).stratusClient?.stats.framesPainted > 0, { timeout: 20000 });
    return page;
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
export async function startOrchestrator(extra: Overrides = {}): Promise<Orchestrator> {
  const base: Overrides = { server: { port: 0 }, sessions: { unloadGraceMs: 100, resumeGraceMs: 300 } };
  if (process.env.STRATUS_CHROMIUM_EXECUTABLE_PATH) base.chromium = { executablePath: process.env.STRATUS_CHROMIUM_EXECUTABLE_PATH };
  // Lets a bench run try Chromium switches without a code change.
  if (process.env.STRATUS_CHROMIUM_EXTRA_ARGS) base.chromium = { ...base.chromium, extraArgs: process.env.STRATUS_CHROMIUM_EXTRA_ARGS };
  return Orchestrator.start(mergeConfig(base, extra));
}

/** An orchestrator and a device browser for one describe block; the hooks stop both. */
export interface Rig {
  orch: Orchestrator;
  device: DeviceBrowser;
}

export function useRig(overrides: Overrides = {}): Rig {
  const rig = {} as Rig;
  before(async () => {
    rig.orch = await startOrchestrator(overrides);
    rig.device = await DeviceBrowser.launch();
  });
  after(async () => {
    await rig.device?.close();
    await rig.orch?.close();
  });
  return rig;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `fn` returns a truthy value, polling; fails with `what` after `timeoutMs`. */
export async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 10000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
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

/** Waits until the device has painted everything and the server has nothing in flight. */
export async function settle(orch: Orchestrator, page: Page): Promise<void> {
  const session = [...orch.sessions.values()][0];
  let stableSince = Date.now();
  let last = -1;
  await until('the layer to settle', async () => {
    const painted = await page.evaluate(() => (window as any).stratusClient.stats.framesPainted as number);
    if (painted !== last || session.framesInFlight > 0) {
      last = painted;
      stableSince = Date.now();
    }
    return Date.now() - stableSince > 300;
  });
}
