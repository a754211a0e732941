import { Page } from 'puppeteer-core';
import { decodePng, Orchestrator } from '@stratus/orchestrator';
import { capturesStopped, DeviceBrowser, devicePixels, sessionOf, settle, startOrchestrator, until } from '@stratus/testkit';
import { cloudCpuS } from './cloud-cpu';
import { Metric, median, round } from './report';

const MOVES = 12;
/** The carousel's longest transition (the hero photo's cross-fade, fixtures/apps/carousel/carousel.css). */
const TRANSITION_MS = 400;

interface DeviceStats {
  uiBytes: number;
  inputToPaintMs: number[];
}

function stats(page: Page): Promise<DeviceStats> {
  return page.evaluate(() => {
    const s = (window as any).stratusClient.stats;
    return { uiBytes: s.uiBytes, inputToPaintMs: s.inputToPaintMs.slice() };
  });
}

/** Pixels whose RGBA differs between two same-sized images (all of them when the sizes differ). */
function mismatches(a: { width: number; height: number; data: Buffer }, b: { width: number; height: number; data: Buffer }): number {
  if (a.width !== b.width || a.height !== b.height) return Math.max(a.width * a.height, b.width * b.height);
  let n = 0;
  for (let o = 0; o < a.data.length; o += 4) if (a.data.readUInt32LE(o) !== b.data.readUInt32LE(o)) n++;
  return n;
}

interface Pass {
  /** Key-to-paint of each move, device clock. */
  keyToPaint: number[];
  bytes: number[];
  /** Frames the device painted per second while a move's transition ran (TRANSITION_MS from the key). */
  fps: number[];
  cpuMs: number[];
  /** Device vs cloud pixels once everything settled. */
  mismatch: number;
  jpegFrame: number;
}

/** Right to the end of the row and back: every press moves the row or the focus, and the hero photo cross-fades. */
async function carouselPass(orch: Orchestrator, device: DeviceBrowser, app: string, query = ''): Promise<Pass> {
  const page = await device.open(orch, `w=1280&h=720&app=${app}${query}`);
  const pass: Pass = { keyToPaint: [], bytes: [], fps: [], cpuMs: [], mismatch: 0, jpegFrame: 0 };
  try {
    const session = await sessionOf(orch, page);
    await capturesStopped(session);
    await settle(orch, page);
    const painted: number[] = [];
    const onPainted = (p: { ackedAt: number }): void => void painted.push(p.ackedAt);
    session.layer.on('painted', onPainted);
    for (let i = 0; i < MOVES; i++) {
      const before = await stats(page);
      painted.length = 0;
      const cpu0 = cloudCpuS(orch);
      const pressedAt = performance.now();
      await page.keyboard.press(i < MOVES / 2 ? 'ArrowRight' : 'ArrowLeft');
      await until('the key to be painted', async () => (await stats(page)).inputToPaintMs.length > before.inputToPaintMs.length, 10000);
      await capturesStopped(session, 500);
      await settle(orch, page);
      pass.cpuMs.push((cloudCpuS(orch) - cpu0) * 1000);
      const after = await stats(page);
      pass.keyToPaint.push(after.inputToPaintMs[before.inputToPaintMs.length]);
      pass.bytes.push(after.uiBytes - before.uiBytes);
      pass.fps.push((painted.filter((t) => t - pressedAt <= TRANSITION_MS).length * 1000) / TRANSITION_MS);
    }
    session.layer.off('painted', onPainted);
    pass.mismatch = mismatches(await devicePixels(page), decodePng(await session.page.capture()));
    pass.jpegFrame = (await session.page.captureAs({ format: 'jpeg', quality: 80 })).length;
  } finally {
    await page.close();
    await until('the session to end', () => orch.sessions.size === 0);
  }
  return pass;
}

/**
 * Issue 17's workloads as far as they exist (the photo carousel, fixtures/apps/carousel, authored
 * at 1280x720 and at 1920x1080, on a 720p emulator; rows, grid and menu are still to come): key to
 * paint, bytes per key until the layer is still again, device frames per second during the
 * transition, cloud CPU per key and device-vs-cloud pixels once settled. Baselines from the same
 * run: the 1920x1080 carousel on a device that decodes PNG only (every frame lossless, as before
 * motion mode), and a JPEG q80 screenshot of the page (what a naive full-frame screencast sends
 * per frame).
 */
export async function benchRealistic(): Promise<Metric[]> {
  const orch = await startOrchestrator({ apps: { default: 'carousel-720' } });
  const device = await DeviceBrowser.launch();
  const passes: Record<string, Pass> = {};
  try {
    passes['carousel-720'] = await carouselPass(orch, device, 'carousel-720');
    passes.carousel = await carouselPass(orch, device, 'carousel');
    passes.lossless = await carouselPass(orch, device, 'carousel', '&encodings=png');
  } finally {
    await device.close();
    await orch.close();
  }
  const c = passes.carousel;
  const c720 = passes['carousel-720'];
  const l = passes.lossless;
  const keyToPaint = [...c.keyToPaint, ...c720.keyToPaint];
  const jpeg = c.jpegFrame;
  return [
    { metric: 'ui_key_to_paint_ms_p50_realistic', value: round(median(keyToPaint)), unit: 'ms', note: `median of ${keyToPaint.length} carousel moves (authored 1280x720: ${round(median(c720.keyToPaint))}, 1920x1080: ${round(median(c.keyToPaint))}), 720p device, loopback` },
    { metric: 'ui_key_to_paint_ms_p50_lossless', value: round(median(l.keyToPaint)), unit: 'ms', note: 'baseline, same run: the 1920x1080 carousel on a device that decodes PNG only' },
    { metric: 'ui_carousel_bytes_per_key', value: Math.round(median(c.bytes)), unit: 'B', note: `median per key until still, authored 1920x1080 on 720p (${Math.round(median(c720.bytes))} B authored 1280x720); ${round(median(c.bytes) / jpeg, 2)} of a JPEG q80 full frame (target <= 0.5)` },
    { metric: 'ui_carousel_bytes_per_key_lossless', value: Math.round(median(l.bytes)), unit: 'B', note: 'baseline, same run: the same on a device that decodes PNG only' },
    { metric: 'ui_jpeg_q80_frame_bytes', value: jpeg, unit: 'B', note: 'baseline, same run: one JPEG q80 screenshot of the carousel, 1280x720' },
    { metric: 'ui_motion_fps_carousel', value: round(median(c.fps)), unit: 'fps', note: `device frames painted (acked) within the ${TRANSITION_MS} ms of a move's transition, per second, 1920x1080 carousel (authored 1280x720: ${round(median(c720.fps))}; PNG only: ${round(median(l.fps))})` },
    { metric: 'ui_cloud_cpu_ms_per_key_carousel', value: Math.round(median(c.cpuMs)), unit: 'ms', note: `orchestrator + cloud Chromium CPU per carousel move until settled, 1920x1080 (authored 1280x720: ${Math.round(median(c720.cpuMs))}; PNG only: ${Math.round(median(l.cpuMs))})` },
    { metric: 'ui_settled_mismatch_pixels', value: c.mismatch + c720.mismatch + l.mismatch, unit: 'px', note: 'device vs cloud pixels once each carousel pass settled (both sizes, and PNG only)' }
  ];
}
