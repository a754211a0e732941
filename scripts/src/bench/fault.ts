import { Page } from 'puppeteer-core';
import { DeviceBrowser, runFuzz, sessionOf, startOrchestrator, until } from '@stratus/testkit';
import { Metric, median, round } from './report';

const CRASHES = 7;
const BROWSER_KILLS = 3;

/**
 * Resolves once the device has heard of reload `n` and painted a frame after it: the reloaded
 * app's keyframe. Polled in the device page on every animation frame.
 */
function reloadPainted(page: Page, n: number): Promise<unknown> {
  return page.waitForFunction(
    (k: number) => {
      const w = window as any;
      const s = w.stratusClient.stats;
      if (s.appReloads < k) return false;
      if (w.__paintedAtReload === undefined || w.__reloadSeen !== k) {
        w.__reloadSeen = k;
        w.__paintedAtReload = s.framesPainted;
        return false;
      }
      return s.framesPainted > w.__paintedAtReload;
    },
    { polling: 'raf', timeout: 60000 },
    n
  );
}

/**
 * Faults, on loopback with the portal app on a real device page: a renderer crashed (Page.crash,
 * the renderer's own crash path) to the device painting the reloaded app; the browser process
 * killed (SIGKILL) to the orchestrator ready again and the device painting the reloaded app.
 */
export async function benchFault(): Promise<Metric[]> {
  const orch = await startOrchestrator({ sessions: { maxCrashes: 100 } });
  const device = await DeviceBrowser.launch();
  try {
    const page = await device.open(orch, 'w=1280&h=720&app=portal');
    const session = await sessionOf(orch, page);
    // Each fault comes with the previous reload settled and nothing captured: a renderer that
    // crashes with a screenshot pending can take Chromium's browser process with it
    // (orchestrator/test/e2e/supervision.test.ts, crashAtRest), and this times the renderer alone.
    const atRest = (): Promise<unknown> => until('the layer to rest', () => !session.renewing && session.layer.idle);
    const crash: number[] = [];
    for (let i = 1; i <= CRASHES; i++) {
      await atRest();
      const t0 = performance.now();
      await session.page.cdp.send('Page.crash').catch(() => undefined);
      await reloadPainted(page, i);
      crash.push(performance.now() - t0);
    }
    const browser: number[] = [];
    for (let i = 1; i <= BROWSER_KILLS; i++) {
      await atRest();
      // The browser the session lives in (the node has chromium.browsers of them).
      const pid = session.cloudPage?.browser().process()?.pid as number;
      const t0 = performance.now();
      process.kill(pid, 'SIGKILL');
      await reloadPainted(page, CRASHES + i);
      await until('every browser to run again', () => orch.health().browser === 'up' && !orch.chromiumPids.includes(pid), 60000);
      browser.push(performance.now() - t0);
    }
    return [
      { metric: 'fault_renderer_crash_to_frame_ms', value: round(median(crash)), unit: 'ms', note: `median of ${CRASHES}, portal app, loopback` },
      { metric: 'fault_browser_crash_to_ready_ms', value: round(median(browser)), unit: 'ms', note: `median of ${BROWSER_KILLS}, SIGKILL to ready and the reloaded app painted` }
    ];
  } finally {
    await device.close();
    await orch.close();
  }
}

const FUZZ_INPUTS = 10000;

/** The bench's fuzz run: FUZZ_INPUTS generated inputs (another seed than the test's). */
export async function benchFuzz(): Promise<Metric[]> {
  const orch = await startOrchestrator({ sessions: { maxPerDevice: 16, max: 16 }, control: { ratePerS: 100000, rateBurst: 100000 } });
  try {
    const t0 = performance.now();
    const r = await runFuzz(orch, FUZZ_INPUTS, 424242, { inSessionEvery: 10 });
    const s = (performance.now() - t0) / 1000;
    for (const u of r.uncoded.slice(0, 5)) console.error(`fuzz: uncoded ${u}`);
    return [
      { metric: 'fuzz_inputs', value: r.inputs, unit: 'count', note: `seed 424242, ${round(s)} s, ${Object.keys(r.closes).length} kinds of close` },
      { metric: 'fuzz_uncoded_errors', value: r.uncoded.length, unit: 'count', note: 'answers or closes without a registry code, or STRATUS_INTERNAL' },
      { metric: 'fuzz_crashes', value: r.crashes, unit: 'count', note: 'uncaught exceptions, unhandled rejections, or no session afterwards' }
    ];
  } finally {
    await orch.close();
  }
}
