import { Page } from 'puppeteer-core';

/** What the emulator page's client counts, as the bench reads it. */
export interface DeviceStats {
  uiBytes: number;
  framesPainted: number;
  /** Device clock: from each key-down sent to the first frame with it painted. */
  inputToPaintMs: number[];
}

export function deviceStats(page: Page): Promise<DeviceStats> {
  return page.evaluate(() => {
    const s = (window as any).stratusClient.stats;
    return { uiBytes: s.uiBytes, framesPainted: s.framesPainted, inputToPaintMs: s.inputToPaintMs.slice() };
  });
}
