import type { Orchestrator } from '@stratus/orchestrator';
import { capturesStopped, delay, DeviceBrowser, sessionOf, settle, startOrchestrator, until } from '@stratus/testkit';
import { cloudCpuS } from './cloud-cpu';
import { median, Metric, round } from './report';

const WINDOW_S = 10;
/**
 * Windows measured one after another per layout. V8 shrinks the heap once allocation stops after
 * a burst (a "reduce" mark-compact, ~90 ms of CPU, seconds after the last key): one window of
 * three holds it, and the median is the still UI's own cost. Every window is in the note.
 */
const WINDOWS = 3;
/** The cloud's CPU (this Node process, which runs the orchestrator, and the cloud Chromium) over `seconds`, in cores. */
async function cloudCores(orch: Orchestrator, seconds: number): Promise<number> {
  const before = cloudCpuS(orch);
  await delay(seconds * 1000);
  return (cloudCpuS(orch) - before) / seconds;
}

/**
 * A still UI must cost nothing at any scale: the photo carousel (fixtures/apps/carousel) authored
 * at 1920x1080 (scale 0.667) and 1440x810 (0.889) on a 720p emulator, against the same app
 * authored at 1280x720 (scale 1) in the same run. Each is moved, left to settle (until no capture
 * for a second, at most 30 s), then measured over WINDOWS windows of WINDOW_S.
 */
export async function benchIdle(): Promise<Metric[]> {
  const orch = await startOrchestrator({
    apps: {
      default: 'carousel-720',
      catalog: JSON.stringify({
        'carousel-1080': { url: '/apps/carousel/', width: 1920, height: 1080 },
        'carousel-810': { url: '/apps/carousel/', width: 1440, height: 810 },
        'carousel-720': { url: '/apps/carousel/', width: 1280, height: 720 }
      })
    }
  });
  const device = await DeviceBrowser.launch();
  const cores: Record<string, number> = {};
  const windows: Record<string, number[]> = {};
  const captures: Record<string, number> = {};
  try {
    for (const app of ['carousel-720', 'carousel-1080', 'carousel-810']) {
      const page = await device.open(orch, `w=1280&h=720&app=${app}`);
      const session = await sessionOf(orch, page);
      for (const k of ['ArrowRight', 'ArrowRight', 'ArrowLeft'] as const) await page.keyboard.press(k);
      // A layer that never stops capturing is measured as it is.
      await capturesStopped(session).catch(() => undefined);
      await settle(orch, page).catch(() => undefined);
      const before = session.stats.captures;
      windows[app] = [];
      for (let w = 0; w < WINDOWS; w++) windows[app].push(await cloudCores(orch, WINDOW_S));
      cores[app] = median(windows[app]);
      captures[app] = session.stats.captures - before;
      await page.close();
      await until('the session to end', () => orch.sessions.size === 0);
    }
  } finally {
    await device.close();
    await orch.close();
  }
  const cores3 = (n: number): number => round(n, 3);
  const seen = (app: string): string => `${cores3(cores[app])}: ${windows[app].map(cores3).join(', ')}; ${captures[app]} captures`;
  return [
    {
      metric: 'ui_idle_cores_fractional',
      value: cores3(Math.max(cores['carousel-1080'], cores['carousel-810'])),
      unit: 'cores',
      note: `the larger of scale 0.667 (${seen('carousel-1080')}) and 0.889 (${seen('carousel-810')}): photo carousel, still, median of ${WINDOWS} windows of ${WINDOW_S} s`
    },
    { metric: 'ui_idle_cores_scale1', value: cores3(cores['carousel-720']), unit: 'cores', note: `baseline, same run: the carousel authored at 1280x720 (${seen('carousel-720')}), median of ${WINDOWS} windows of ${WINDOW_S} s` }
  ];
}
