import { spawnSync } from 'node:child_process';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Page } from 'puppeteer-core';
import { bridgeApp, MediaBridge } from '@stratus/media-bridge';
import { bridgeOptions, mergeConfig, startMediaOrigin } from '@stratus/orchestrator';
import { DeviceBrowser, ffmpegChildren, lineupFor, MEDIA_ROOT, startOrchestrator, until } from '@stratus/testkit';
import { Metric, median, round } from './report';

/** The busy 720p HEVC picture (testsrc2 with noise, 30 s): flat colour would flatter the encoder. */
const ASSET = 'vod/hevc-720p-detail.mp4';
const SECONDS = 30;

/**
 * The media-bridge on loopback: how soon the first segment of a fresh transcode is playable, how
 * fast 720p HEVC becomes H.264, load-to-playing on the virtual path in a real legacy-profile
 * device, and ffmpeg processes for three sessions on one source. Baselines from the same run:
 * ffmpeg decoding the source alone, and the same device loading an H.264 stream natively.
 */
export async function benchBridge(): Promise<Metric[]> {
  const origin = await startMediaOrigin(MEDIA_ROOT);
  const src = `${origin.baseUrl}/${ASSET}`;
  const bridge = new MediaBridge(bridgeOptions(mergeConfig({ bridge: { idleMs: 0, maxAheadSegments: 1000 }, media: { allowPrivate: '127.0.0.1' } })));
  const front: Server = bridgeApp(bridge, '').listen(0, '127.0.0.1');
  await new Promise((r) => front.once('listening', r));
  const base = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  const metrics: Metric[] = [];
  try {
    const first: number[] = [];
    const factor: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const lease = await bridge.open(`${src}?first=${i}`, { maxWidth: 1280, maxHeight: 720 });
      await (await fetch(`${base}/bridge/${lease.id}/seg0.ts`)).arrayBuffer();
      first.push(performance.now() - t0);
      if (i < 3) {
        const segments = bridge.transcode(lease.id)!.segments;
        for (let k = 1; k < segments; k++) await (await fetch(`${base}/bridge/${lease.id}/seg${k}.ts`)).arrayBuffer();
        factor.push(SECONDS / ((performance.now() - t0) / 1000));
      }
      lease.release();
      await until('the transcode to stop', () => bridge.active === 0 && ffmpegChildren() === 0, 10000);
    }
    const decode: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', join(MEDIA_ROOT, ASSET), '-f', 'null', '-'], { stdio: 'ignore' });
      decode.push(SECONDS / ((performance.now() - t0) / 1000));
    }
    metrics.push(
      { metric: 'bridge_first_segment_ms', value: round(median(first)), unit: 'ms', note: 'median of 5 fresh transcodes; open (ffprobe + ffmpeg start) to the first 2 s segment fetched, 720p HEVC (busy picture)' },
      { metric: 'bridge_realtime_factor', value: round(median(factor), 2), unit: 'x', note: 'median of 3; 30 s of 720p HEVC to H.264/AAC HLS (ultrafast), every segment fetched in order' },
      { metric: 'bridge_decode_only_realtime_factor', value: round(median(decode), 2), unit: 'x', note: 'baseline: ffmpeg only decoding the same source, same run' }
    );
  } finally {
    front.close();
    front.closeAllConnections();
    await bridge.close();
  }
  metrics.push(...(await benchVirtualPlayback(origin.baseUrl)));
  await origin.close();
  return metrics;
}

async function benchVirtualPlayback(originUrl: string): Promise<Metric[]> {
  const orch = await startOrchestrator({
    media: { channels: lineupFor({ baseUrl: originUrl } as never), allowPrivate: '127.0.0.1' },
    bridge: { idleMs: 0 },
    apps: { default: 'media', catalog: JSON.stringify({ media: { url: `/apps/media/?origin=${encodeURIComponent(originUrl)}`, width: 1280, height: 720 } }) }
  });
  const device = await DeviceBrowser.launch();
  const pages: Page[] = [];
  try {
    pages.push(await device.open(orch, 'profile=legacy'));
    const session = await until('the session', () => [...orch.sessions.values()][0]);
    const cloud = session.cloudPage!;
    const playMs = (url: string): Promise<number> =>
      cloud.evaluate(async (u: string) => {
        const v = document.getElementById('video') as HTMLVideoElement;
        const t0 = performance.now();
        const playing = new Promise<number>((r) => v.addEventListener('playing', () => r(performance.now() - t0), { once: true }));
        v.src = u;
        await v.play();
        const ms = await playing;
        v.removeAttribute('src');
        v.load();
        return ms;
      }, url);
    const virtual: number[] = [];
    const native: number[] = [];
    for (let i = 0; i < 8; i++) {
      virtual.push(await playMs(`${originUrl}/${ASSET}?virtual=${i}`));
      await until('the transcode to stop', () => orch.bridge!.active === 0, 10000);
      native.push(await playMs(`${originUrl}/vod/h264/index.m3u8?native=${i}`));
    }
    // Three sessions on one asset: one ffmpeg.
    await until('the last transcode to stop', () => orch.bridge!.active === 0, 10000);
    const started = orch.bridge!.ffmpegStarted;
    pages.push(await device.open(orch, 'profile=legacy'), await device.open(orch, 'profile=legacy'));
    const sessions = await until('three sessions', () => (orch.sessions.size === 3 ? [...orch.sessions.values()] : null));
    // Background tabs of one device browser may hold play() back: only the loads matter here.
    await Promise.all(sessions.map((s) => s.cloudPage!.evaluate((u: string) => void (window as any).mediaApp.playVod(u).catch(() => undefined), `/${ASSET}`)));
    await until('three players', async () => {
      const n = await Promise.all(pages.map((p) => p.evaluate(() => (window as any).stratusClient.media.ids.length)));
      return n.every((x) => x === 1);
    }, 20000);
    // Counted as started, not as alive: a 30 s asset may be transcoded whole before all three load.
    const processes = orch.bridge!.ffmpegStarted - started;
    return [
      { metric: 'virtual_load_to_playing_ms', value: round(median(virtual)), unit: 'ms', note: 'median of 8; src + play() in the cloud to playing, legacy profile, 720p HEVC via the embedded bridge (fresh transcode each)' },
      { metric: 'virtual_native_baseline_ms', value: round(median(native)), unit: 'ms', note: 'baseline: same device, an H.264 HLS stream it plays natively, same run' },
      { metric: 'bridge_ffmpeg_per_shared_source', value: processes, unit: 'processes', note: `ffmpeg processes started for 3 legacy sessions playing one HEVC asset (${orch.bridge!.active} transcode)` }
    ];
  } finally {
    for (const p of pages) await p.evaluate(() => (window as any).stratusClient.close()).catch(() => undefined);
    await until('the bench sessions to end', () => orch.sessions.size === 0, 15000).catch(() => undefined);
    await device.close();
    await orch.close();
  }
}
