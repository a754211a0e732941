import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES } from './fixtures';
import { Page } from 'puppeteer-core';
import { decodePng, MediaOrigin, Orchestrator, Overrides, readFixtureCatalogue, Session, startMediaOrigin } from '@stratus/orchestrator';
import { DeviceBrowser, startOrchestrator } from './device';
import { until } from './wait';

export const MEDIA_ROOT = join(FIXTURES, 'media');

/** The orchestrator, a device browser, and a separate media origin, as in the field. */
export interface MediaRig {
  orch: Orchestrator;
  device: DeviceBrowser;
  origin: MediaOrigin;
}

export function lineupFor(origin: MediaOrigin): string {
  const { channels } = readFixtureCatalogue(MEDIA_ROOT);
  return JSON.stringify(
    channels.map((c) => ({
      ccid: `ccid:${c.lcn}`,
      lcn: c.lcn,
      name: c.name,
      onid: 8916,
      tsid: 1,
      sid: 100 + c.lcn,
      url: `${origin.baseUrl}/live/ch${c.lcn}/index.m3u8`,
      // Channel 1 carries one scripted stream event (what the HbbTV broadcast tests listen for).
      ...(c.lcn === 1
        ? {
            streamEvents: [{ name: 'lshape', afterS: 0.5, data: '01', text: 'L-shape on' }],
            programmes: [
              { name: 'Red News', description: 'The news', durationS: 1800 },
              { name: 'Red Film', durationS: 5400 }
            ]
          }
        : {})
    }))
  );
}

export function useMediaRig(overrides: (origin: MediaOrigin) => Overrides = () => ({})): MediaRig {
  const rig = {} as MediaRig;
  before(async () => {
    rig.origin = await startMediaOrigin(MEDIA_ROOT);
    const extra = overrides(rig.origin);
    rig.orch = await startOrchestrator({
      ...extra,
      // The origin is on loopback, which media sources may only be on when allow-listed.
      media: { channels: lineupFor(rig.origin), allowPrivate: '127.0.0.1', ...(extra.media ?? {}) },
      apps: {
        default: 'media',
        catalog: JSON.stringify({ media: { url: `/apps/media/?origin=${encodeURIComponent(rig.origin.baseUrl)}`, width: 1280, height: 720 } }),
        ...(extra.apps ?? {})
      }
    });
    rig.device = await DeviceBrowser.launch();
  });
  after(async () => {
    await rig.device?.close();
    await rig.orch?.close();
    await rig.origin?.close();
  });
  return rig;
}

/** Per test: an emulator page and its session, closed after the test. */
export function useMediaDevice(rig: MediaRig, query = 'w=1280&h=720'): { page: Page; session: Session } {
  const cur = {} as { page: Page; session: Session };
  beforeEach(async () => {
    cur.page = await rig.device.open(rig.orch, query);
    cur.session = await onlySession(rig.orch);
  });
  afterEach(async () => {
    await cur.page.close();
    await until('the session to end', () => rig.orch.sessions.size === 0);
  });
  return cur;
}

/** Runs `fn` in the app's page in the cloud. */
export function cloud<T, A extends unknown[]>(session: Session, fn: (...args: A) => T, ...args: A): Promise<Awaited<T>> {
  return session.cloudPage!.evaluate(fn as never, ...args) as Promise<Awaited<T>>;
}

/** The one session of the rig (tests open one device page at a time). */
export async function onlySession(orch: Orchestrator): Promise<Session> {
  return until('the session', () => [...orch.sessions.values()][0]);
}

/** State of the device's player(s), read from the device page. */
export async function devicePlayers(page: Page): Promise<Array<{ id: string; currentTime: number; paused: boolean; volume: number; muted: boolean; engine: string | null; visible: boolean; rect: number[] }>> {
  return page.evaluate(() => {
    const media = (window as any).stratusClient.media;
    return media.ids.map((id: string) => {
      const p = media.player(id);
      const v = (p.video ?? p.object) as HTMLVideoElement;
      return {
        id,
        currentTime: v.currentTime,
        paused: v.paused,
        volume: v.volume,
        muted: v.muted,
        engine: p.engine,
        visible: v.style.visibility === 'visible',
        rect: [v.offsetLeft, v.offsetTop, v.offsetWidth, v.offsetHeight]
      };
    });
  });
}

/** Reads the app's media log from the cloud page. */
export async function appLog(session: Session): Promise<Array<{ type: string; currentTime: number; paused: boolean; error: { code: number; message: string } | null }>> {
  return session.cloudPage!.evaluate(() => (window as any).mediaLog);
}

/**
 * What the viewer sees at layer pixel (x, y) of the emulator: the video plane and the UI layer
 * composited by the device browser, read from a real screenshot.
 */
export async function screenPixel(page: Page, x: number, y: number): Promise<[number, number, number]> {
  const box = await page.evaluate(() => {
    const r = document.getElementById('stratus-layer')!.getBoundingClientRect();
    return { left: r.left, top: r.top, scale: r.width / (document.getElementById('stratus-layer') as HTMLCanvasElement).width };
  });
  const png = await page.screenshot({
    type: 'png',
    clip: { x: Math.floor(box.left + x * box.scale), y: Math.floor(box.top + y * box.scale), width: 1, height: 1 }
  });
  const img = decodePng(Buffer.from(png));
  return [img.data[0], img.data[1], img.data[2]];
}

/** True when the colour is within `tolerance` of `want` in every channel. */
export function near(c: number[], want: number[], tolerance = 40): boolean {
  return c.every((v, i) => Math.abs(v - want[i]) <= tolerance);
}

/** ffmpeg processes this process has running (the embedded media-bridge's): no test may leave one. */
export function ffmpegChildren(): number {
  const out = execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim() === 'ffmpeg').length;
}
