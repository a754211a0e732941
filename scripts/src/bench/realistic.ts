import { Page } from 'puppeteer-core';
import { capturesStopped, DeviceBrowser, sessionOf, settle, startOrchestrator, until } from '@stratus/testkit';
import { Metric, median, round } from './report';

const MOVES = 12;

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

/**
 * Issue 17's workloads as far as they exist (the photo carousel, fixtures/apps/carousel, authored
 * at 1280x720 and at 1920x1080, on a 720p emulator; rows, grid and menu are still to come): key to
 * paint and bytes per key until the layer is still again, against a JPEG q80 screenshot of the
 * same page in the same run (what a naive full-frame screencast would send per frame).
 */
export async function benchRealistic(): Promise<Metric[]> {
  const orch = await startOrchestrator({ apps: { default: 'carousel-720' } });
  const device = await DeviceBrowser.launch();
  const keyToPaint: number[] = [];
  const bytes: Record<string, number[]> = {};
  const jpeg: Record<string, number> = {};
  try {
    for (const app of ['carousel-720', 'carousel']) {
      const page = await device.open(orch, `w=1280&h=720&app=${app}`);
      const session = await sessionOf(orch, page);
      await capturesStopped(session);
      bytes[app] = [];
      for (let i = 0; i < MOVES; i++) {
        const before = await stats(page);
        // Right to the end of the row and back: every press moves the row or the focus.
        await page.keyboard.press(i < MOVES / 2 ? 'ArrowRight' : 'ArrowLeft');
        await until('the key to be painted', async () => (await stats(page)).inputToPaintMs.length > before.inputToPaintMs.length, 10000);
        await capturesStopped(session, 500);
        await settle(orch, page);
        const after = await stats(page);
        keyToPaint.push(after.inputToPaintMs[before.inputToPaintMs.length]);
        bytes[app].push(after.uiBytes - before.uiBytes);
      }
      const shot = await session.page.captureAs({ format: 'jpeg', quality: 80 });
      jpeg[app] = shot.length;
      await page.close();
      await until('the session to end', () => orch.sessions.size === 0);
    }
  } finally {
    await device.close();
    await orch.close();
  }
  const perKey = median(bytes.carousel);
  return [
    { metric: 'ui_key_to_paint_ms_p50_realistic', value: round(median(keyToPaint)), unit: 'ms', note: `median of ${keyToPaint.length} carousel moves (authored 1280x720 and 1920x1080, 720p device), loopback` },
    { metric: 'ui_carousel_bytes_per_key', value: Math.round(perKey), unit: 'B', note: `median per key until still, authored 1920x1080 on 720p (${Math.round(median(bytes['carousel-720']))} B authored 1280x720); ${round(perKey / jpeg.carousel, 2)} of a JPEG q80 full frame (target <= 0.5)` },
    { metric: 'ui_jpeg_q80_frame_bytes', value: jpeg.carousel, unit: 'B', note: 'baseline, same run: one JPEG q80 screenshot of the carousel, 1280x720' }
  ];
}
