import { KeyInput, Page } from 'puppeteer-core';
import { Orchestrator } from '@stratus/orchestrator';
import { delay, settle, until } from '@stratus/testkit';
import { withMediaRig } from './media-rig';
import { Metric, median, round } from './report';

const RUNS = 15;
const LOOP_PLAYS = 50;
/** Focus moves per block of the hole bench, and blocks with and without the video (alternating). */
const HOLE_MOVES = 10;
const HOLE_BLOCKS = 3;
/** Focus moves before measuring, so neither side gets the cold start. */
const HOLE_WARMUP = 5;
const IDLE_SECONDS = 10;
/** A viewer's pace between focus moves, as in the UI bench. */
const VIEWER_PAUSE_MS = 300;

/**
 * Double-stream figures on loopback: the app's calls in the cloud page, through the proxy, to the
 * emulator's native player and back. The baseline is the same device playing the same stream by
 * itself, measured in the same run.
 */
export async function benchMedia(): Promise<Metric[]> {
  const catalog = (o: string) => ({ media: { url: `/apps/media/?origin=${encodeURIComponent(o)}`, width: 1280, height: 720 } });
  return withMediaRig('media', catalog, async ({ origin, orch, device }) => {
    const page = await device.open(orch, 'w=1280&h=720');
    const session = await until('the session', () => [...orch.sessions.values()][0]);
    const cloud = session.cloudPage!;
    const vod = `${origin.baseUrl}/vod/h264/index.m3u8`;

    const load: number[] = [];
    const seek: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      load.push(
        await cloud.evaluate(async (url: string) => {
          const v = document.getElementById('video') as HTMLVideoElement;
          v.removeAttribute('src');
          v.load();
          const t0 = performance.now();
          const playing = new Promise<number>((r) => v.addEventListener('playing', () => r(performance.now() - t0), { once: true }));
          v.src = url;
          await v.play();
          return playing;
        }, `${vod}?run=${i}`)
      );
      seek.push(
        await cloud.evaluate(async (to: number) => {
          const v = document.getElementById('video') as HTMLVideoElement;
          const t0 = performance.now();
          const seeked = new Promise<number>((r) => v.addEventListener('seeked', () => r(performance.now() - t0), { once: true }));
          v.currentTime = to;
          return seeked;
        }, 2 + ((i * 3.7) % 8))
      );
    }
    await cloud.evaluate(() => (document.getElementById('video') as HTMLVideoElement).pause());

    const tune: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      tune.push(
        await cloud.evaluate(async (lcn: number) => {
          const tv = document.getElementById('tv') as any;
          tv.style.display = 'block';
          const list = tv.getChannelConfig().channelList;
          let ch = null;
          for (let k = 0; k < list.length; k++) if (list.item(k).lcn === lcn) ch = list.item(k);
          const t0 = performance.now();
          const done = new Promise<number>((resolve, reject) => {
            tv.onChannelChangeSucceeded = () => resolve(performance.now() - t0);
            tv.onChannelChangeError = (_c: unknown, e: number) => reject(new Error(`channel change error ${e}`));
          });
          tv.setChannel(ch);
          return done;
        }, (i % 3) + 1)
      );
    }

    // A browsing session: 50 plays, each in a new <video> the app removes afterwards, as catalogue
    // apps do. Every one must reach 'playing'; the device's player count must not grow.
    let loopPlays = 0;
    let mostPlayers = 0;
    for (let i = 0; i < LOOP_PLAYS; i++) {
      const ok = await cloud.evaluate(async (url: string) => {
        const v = document.createElement('video');
        document.body.appendChild(v);
        const playing = new Promise<boolean>((r) => {
          v.addEventListener('playing', () => r(true), { once: true });
          v.addEventListener('error', () => r(false), { once: true });
        });
        v.src = url;
        const started = await v.play().then(() => playing, () => false);
        v.remove();
        return started;
      }, `${vod}?loop=${i}`);
      if (ok) loopPlays++;
      mostPlayers = Math.max(mostPlayers, await page.evaluate(() => (window as any).stratusClient.media.ids.length as number));
    }

    // Baseline: the device page plays the same stream on its own, no cloud in the loop.
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      bare.push(
        await page.evaluate(async (url: string) => {
          const v = document.createElement('video');
          document.body.appendChild(v);
          // The engine the device's player chose (media/device-player.ts): hls.js where the native
          // HLS player has no audioTracks, already loaded by then.
          const Hls = (window as any).Hls;
          const useHls = Hls && !('audioTracks' in v) && Hls.isSupported();
          const t0 = performance.now();
          const playing = new Promise<number>((r) => v.addEventListener('playing', () => r(performance.now() - t0), { once: true }));
          const hls = useHls ? new Hls() : null;
          if (hls) {
            hls.loadSource(url);
            hls.attachMedia(v);
          } else v.src = url;
          await v.play();
          const ms = await playing;
          v.pause();
          if (hls) hls.destroy();
          v.removeAttribute('src');
          v.load();
          v.remove();
          return ms;
        }, `${vod}?bare=${i}`)
      );
    }
    await page.evaluate(() => (window as any).stratusClient.close());
    await until('the bench session to end', () => orch.sessions.size === 0, 15000);
    return [
      { metric: 'media_load_to_playing_ms', value: round(median(load)), unit: 'ms', note: `median of ${RUNS}; src + play() in the cloud to 'playing' there, HLS on loopback (hls.js on the emulator's Chromium, whose native HLS has no audioTracks)` },
      { metric: 'media_load_to_playing_bare_ms', value: round(median(bare)), unit: 'ms', note: 'baseline: the device playing the same stream alone with the same engine, same run' },
      { metric: 'media_seek_ms', value: round(median(seek)), unit: 'ms', note: `median of ${RUNS}; currentTime set in the cloud to 'seeked' there` },
      { metric: 'media_tune_ms', value: round(median(tune)), unit: 'ms', note: `median of ${RUNS}; setChannel to ChannelChangeSucceeded (live HLS, first frame playing)` },
      { metric: 'media_vod_loop_plays', value: loopPlays, unit: 'count', note: `of ${LOOP_PLAYS} plays, each in a new <video> removed afterwards; at most ${mostPlayers} device players at once` }
    ];
  });
}

function inputToPaint(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as any).stratusClient.stats.inputToPaintMs.slice() as number[]);
}

/** `n` focus moves on the catalogue's rail, each painted and settled: their key-to-paint times. */
async function railMoves(orch: Orchestrator, page: Page, n: number, keys: readonly KeyInput[] = ['ArrowRight', 'ArrowLeft']): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = (await inputToPaint(page)).length;
    await page.keyboard.press(keys[i % 2]);
    await until('the focus move to be painted', async () => (await inputToPaint(page)).length > before, 5000);
    await settle(orch, page);
    await delay(VIEWER_PAUSE_MS);
    out.push((await inputToPaint(page))[before]);
  }
  return out;
}

/**
 * The video hole's cost: the catalogue fixture (opaque background, a preview video in a box, a
 * translucent bar and a tile over it) with focus moving along its rail, in blocks with the preview
 * playing and blocks without, alternating in the same session; then a static UI over the playing
 * video, which must send nothing.
 */
export async function benchHole(): Promise<Metric[]> {
  const catalog = (o: string) => ({ catalogue: { url: `/apps/catalogue/?origin=${encodeURIComponent(o)}`, width: 1280, height: 720 } });
  return withMediaRig('catalogue', catalog, async ({ orch, device }) => {
    const page = await device.open(orch, 'w=1280&h=720');
    const session = await until('the session', () => [...orch.sessions.values()][0]);
    const cloud = session.cloudPage!;
    await settle(orch, page);
    await railMoves(orch, page, HOLE_WARMUP);
    const withVideo: number[] = [];
    const without: number[] = [];
    let secondCaptures = 0;
    for (let b = 0; b < HOLE_BLOCKS; b++) {
      without.push(...(await railMoves(orch, page, HOLE_MOVES)));
      await cloud.evaluate(() => (window as any).catalogue.playPreview());
      await until('the device to play', () => page.evaluate(() => (window as any).stratusClient.media.ids.length === 1));
      await settle(orch, page);
      const seconds = session.holes!.stats.secondCaptures;
      withVideo.push(...(await railMoves(orch, page, HOLE_MOVES)));
      secondCaptures += session.holes!.stats.secondCaptures - seconds;
      if (b === HOLE_BLOCKS - 1) break;
      await cloud.evaluate(() => {
        const v = document.getElementById('preview') as HTMLVideoElement;
        v.removeAttribute('src');
        v.load();
      });
      await until('the device player to go', () => page.evaluate(() => (window as any).stratusClient.media.ids.length === 0));
      await settle(orch, page);
    }
    // Focus into the tile over the preview's corner and back: what is over the video changes.
    const seconds = session.holes!.stats.secondCaptures;
    const overVideo = await railMoves(orch, page, HOLE_MOVES * 2, ['ArrowDown', 'ArrowUp']);
    const overVideoSeconds = session.holes!.stats.secondCaptures - seconds;
    // Static UI over the playing preview.
    await settle(orch, page);
    const bytesBefore = await page.evaluate(() => (window as any).stratusClient.stats.uiBytes as number);
    const capturesBefore = session.stats.captures;
    await delay(IDLE_SECONDS * 1000);
    const bytesAfter = await page.evaluate(() => (window as any).stratusClient.stats.uiBytes as number);
    const idleCaptures = session.stats.captures - capturesBefore;
    await page.evaluate(() => (window as any).stratusClient.close());
    await until('the bench session to end', () => orch.sessions.size === 0, 15000);
    return [
      { metric: 'media_hole_extra_ms_p50', value: round(median(withVideo) - median(without)), unit: 'ms', note: `key-to-paint p50 ${round(median(withVideo))} ms with the preview playing behind an opaque background, ${round(median(without))} ms without; ${withVideo.length} + ${without.length} focus moves in alternating blocks` },
      { metric: 'media_hole_second_captures', value: secondCaptures, unit: 'count', note: `second-key captures during the ${withVideo.length} focus moves with the video (0: nothing over the video changed)` },
      { metric: 'media_hole_over_video_key_to_paint_ms_p50', value: round(median(overVideo)), unit: 'ms', note: `focus into and out of the tile over the preview's corner (${overVideo.length} moves, ${overVideoSeconds} second-key captures); compare with the rail's p50 above` },
      { metric: 'ui_idle_bytes_per_s_video_playing', value: (bytesAfter - bytesBefore) / IDLE_SECONDS, unit: 'B/s', note: `${IDLE_SECONDS} s of a static UI over the playing preview` },
      { metric: 'ui_idle_captures_video_playing', value: idleCaptures, unit: 'count', note: `captures during those ${IDLE_SECONDS} s` }
    ];
  });
}
