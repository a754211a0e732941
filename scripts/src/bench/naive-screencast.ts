import type { Browser, KeyInput } from 'puppeteer-core';
import { until } from '@stratus/testkit';
import { fpsFirstToLast, fpsWithin } from './motion-rate';

/** What a naive cloud browser gets from the same page on the same machine. */
export interface NaiveRun {
  /** Screencast frames per second within `transitionMs` after each key. */
  fps: number[];
  /** JPEG bytes per key, until the screencast stops sending. */
  bytes: number[];
  /** From each key to its first frame. */
  firstFrameMs: number[];
  /** Frames per second from each key's first frame to its last (0 for a single frame). */
  motionFps: number[];
}

/** The screencast has sent nothing for this long: the page is still. */
const STILL_MS = 500;
/** A key with no frame after this long painted nothing (Stratus's passes wait 10 s for a frame that claims every key). */
const NO_PAINT_MS = 5000;

/**
 * The same-run baseline of issue 17's motion figures: the app page alone in a headless Chromium of
 * this machine, laid out as Stratus lays it out (authored size, scaled to the screen), with a
 * full-frame JPEG q80 screencast (a naive cloud browser's video of the UI). Counts the frames
 * Chromium produces during each key's transition: how fast this machine paints the transition at
 * all, whatever a UI layer does with it.
 */
export async function naiveScreencast(browser: Browser, url: string, app: { width: number; height: number }, keys: KeyInput[], transitionMs: number, screen = { w: 1280, h: 720 }): Promise<NaiveRun> {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    const cdp = await page.createCDPSession();
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: app.width, height: app.height, deviceScaleFactor: screen.w / app.width, mobile: false });
    await page.goto(url, { waitUntil: 'load' });
    const frames: { at: number; bytes: number }[] = [];
    let last = performance.now();
    cdp.on('Page.screencastFrame', (f) => {
      last = performance.now();
      frames.push({ at: last, bytes: Math.floor((f.data.length * 3) / 4) });
      cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => undefined);
    });
    await cdp.send('Page.startScreencast', { format: 'jpeg', quality: 80, maxWidth: screen.w, maxHeight: screen.h });
    const still = (): boolean => performance.now() - last > STILL_MS;
    await until(`${url}: the page to be still`, still);
    const run: NaiveRun = { fps: [], bytes: [], firstFrameMs: [], motionFps: [] };
    for (const key of keys) {
      frames.length = 0;
      const pressedAt = performance.now();
      await page.keyboard.press(key);
      // A key can paint nothing (the rows' focus at an edge): it is not counted.
      const painted = await until(`${url}: the ${key} to be painted`, () => frames.length > 0, NO_PAINT_MS).catch(() => false);
      if (!painted) continue;
      await until(`${url}: the ${key}'s motion to end`, still);
      const times = frames.map((f) => f.at);
      run.fps.push(fpsWithin(times, pressedAt, transitionMs));
      run.bytes.push(frames.reduce((n, f) => n + f.bytes, 0));
      run.firstFrameMs.push(times[0] - pressedAt);
      run.motionFps.push(fpsFirstToLast(times));
    }
    await cdp.send('Page.stopScreencast');
    return run;
  } finally {
    await context.close();
  }
}
