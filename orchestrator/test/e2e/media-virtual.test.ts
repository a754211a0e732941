import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Page } from 'puppeteer-core';
import { appLog, cloud, devicePlayers, ffmpegChildren, MEDIA_ROOT, near, screenPixel, until, useMediaDevice, useMediaRig } from '@stratus/testkit';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { bridgeApp, MediaBridge } from '@stratus/media-bridge';
import { mergeConfig } from '../../src/config';
import { bridgeOptions, Orchestrator } from '../../src/orchestrator';
import { Session } from '../../src/session/session';

const ASSETS = JSON.parse(readFileSync(join(MEDIA_ROOT, 'assets.json'), 'utf8')) as {
  hevc: { path: string; seconds: number; switchAt: number; rgb: number[]; rgbAfter: number[] };
  vp9: { path: string; seconds: number; rgb: number[] };
};
const HEVC = 'video/mp4; codecs="hvc1.1.6.L93.B0"';
/** A point of the media app's video window (80,120 640x360) away from the clock in its middle. */
const SPOT: [number, number] = [80 + 60, 120 + 60];

async function advancing(page: Page, min: number): Promise<{ currentTime: number; engine: string | null }> {
  return until(`the device video past ${min} s`, async () => {
    const p = await devicePlayers(page);
    return p.length >= 1 && p[0].currentTime > min && !p[0].paused ? p[0] : null;
  }, 20000);
}

async function bridgeIdle(orch: Orchestrator): Promise<void> {
  await until('every transcode to stop', () => orch.bridge!.active === 0 && ffmpegChildren() === 0, 10000);
}

/** Waits for the app's element to have an error; its code, and the cloud-browser errors seen. */
function appMediaError(session: Session): Promise<{ code: number; isMediaError: boolean; errors: string[] }> {
  return until('the error in the app', () => cloud(session, () => {
    const v = document.getElementById('video') as HTMLVideoElement;
    const errs = (window as any).cloudErrors.map((e: { code: string }) => e.code);
    return v.error ? { code: v.error.code, isMediaError: v.error instanceof MediaError, errors: errs } : null;
  }), 15000);
}

describe('virtual playback: a legacy box plays HEVC and VP9 through the media-bridge', function () {
  this.timeout(120000);
  // A short lead keeps each ffmpeg run alive (paused) until the viewer catches up, so a test can
  // always find one to kill, however fast this machine transcodes.
  const rig = useMediaRig(() => ({ bridge: { idleMs: 200, maxAheadSegments: 2 } }));
  const dev = useMediaDevice(rig, 'profile=legacy');

  it('the legacy box reports H.264/AAC, 720p, native HLS and no MSE; the app sees what is native and what virtual', async () => {
    const r = await cloud(dev.session, (hevc: string) => {
      const v = document.createElement('video');
      const s = (window as any).stratus.media;
      return Promise.all([
        navigator.mediaCapabilities.decodingInfo({ type: 'file', video: { contentType: hevc, width: 1280, height: 720, bitrate: 2e6, framerate: 25 } }),
        navigator.mediaCapabilities.decodingInfo({ type: 'file', video: { contentType: 'video/mp4; codecs="avc1.64001F"', width: 1280, height: 720, bitrate: 2e6, framerate: 25 } }),
        navigator.mediaCapabilities.decodingInfo({ type: 'file', video: { contentType: 'video/mp4; codecs="avc1.64001F"', width: 1920, height: 1080, bitrate: 2e6, framerate: 25 } }),
        navigator.mediaCapabilities.decodingInfo({ type: 'file', video: { contentType: 'video/mp4; codecs="zzz9"', width: 640, height: 360, bitrate: 2e6, framerate: 25 } })
      ]).then((info) => ({
        hevc: v.canPlayType(hevc),
        avc: v.canPlayType('video/mp4; codecs="avc1.64001F, mp4a.40.2"'),
        mp4: v.canPlayType('video/mp4'),
        vp9: v.canPlayType('video/webm; codecs="vp9"'),
        webm: v.canPlayType('video/webm'),
        hlsHevc: v.canPlayType('application/vnd.apple.mpegurl; codecs="hvc1.1.6.L93.B0,mp4a.40.2"'),
        unknown: v.canPlayType('video/mp4; codecs="zzz9"'),
        nonsense: v.canPlayType('text/html'),
        support: [s.support(hevc), s.support('video/mp4; codecs="avc1.64001F"'), s.support('video/x-nothing')],
        device: s.device,
        info: info.map((i: any) => [i.supported, i.powerEfficient, i.virtual])
      }));
    }, HEVC);
    expect(r).to.deep.include({ hevc: 'virtually', avc: 'probably', mp4: 'maybe', vp9: 'virtually', webm: 'virtually', hlsHevc: 'virtually', unknown: '', nonsense: '' });
    expect(r.support).to.deep.equal(['virtual', 'native', '']);
    expect(r.device).to.deep.include({ profile: 'legacy', hls: 'native', dash: 'none', maxVideo: { width: 1280, height: 720 } });
    expect(r.device.codecs).to.deep.equal(['avc', 'aac', 'mp3']);
    // decodingInfo agrees: HEVC virtual, H.264 720p native, 1080p H.264 only virtually (scaled down).
    expect(r.info).to.deep.equal([[true, false, true], [true, true, false], [true, false, true], [false, false, false]]);
  });

  it('plays the HEVC asset: the device shows decoded pixels that advance, seeks to the second half, and ffmpeg is gone after close', async () => {
    expect(await cloud(dev.session, (p: string) => (window as any).mediaApp.playVod(p).then(() => 'playing'), `/${ASSETS.hevc.path}`)).to.equal('playing');
    const first = await advancing(dev.page, 1);
    // The bridge's output is HLS: this Chromium plays it natively, others through hls.js.
    expect(first.engine).to.be.oneOf(['native', 'hls.js']);
    const [p] = await dev.page.evaluate(() => (window as any).stratusClient.media.ids.map((id: string) => (window as any).stratusClient.media.player(id).url));
    expect(p).to.match(/^\/bridge\/[0-9a-f]+\/index\.m3u8$/);
    expect(near(await screenPixel(dev.page, ...SPOT), ASSETS.hevc.rgb)).to.equal(true);
    const app = await cloud(dev.session, () => {
      const v = document.getElementById('video') as HTMLVideoElement;
      return { src: v.currentSrc, duration: v.duration, width: v.videoWidth, height: v.videoHeight, error: v.error };
    });
    // The app's element keeps its own URL and sees the source's own timeline.
    expect(app.src).to.match(/\/vod\/hevc-720p\.mp4$/);
    expect(app.duration).to.be.closeTo(ASSETS.hevc.seconds, 0.5);
    expect([app.width, app.height]).to.deep.equal([1280, 720]);
    expect(app.error).to.equal(null);
    expect(rig.orch.bridge!.active).to.equal(1);

    await cloud(dev.session, () => {
      (document.getElementById('video') as HTMLVideoElement).currentTime = 14;
    });
    await until('seeked in the app', async () => (await appLog(dev.session)).some((e) => e.type === 'seeked' && e.currentTime >= 13.9));
    await advancing(dev.page, 14.3);
    await until('the second half on screen', async () => near(await screenPixel(dev.page, ...SPOT), ASSETS.hevc.rgbAfter), 5000);
    const types = (await appLog(dev.session)).map((e) => e.type);
    expect(types).to.include.members(['loadstart', 'loadedmetadata', 'playing', 'seeking', 'seeked', 'timeupdate']);
    expect(types).to.not.include('error');

    await dev.page.close();
    await until('the session to end', () => rig.orch.sessions.size === 0);
    await bridgeIdle(rig.orch);
    dev.page = await rig.device.open(rig.orch, 'profile=legacy');
  });

  it('plays the VP9 WebM asset, which the legacy box has no container for', async () => {
    await cloud(dev.session, (p: string) => (window as any).mediaApp.playVod(p), `/${ASSETS.vp9.path}`);
    await advancing(dev.page, 0.5);
    await until('orange on screen', async () => near(await screenPixel(dev.page, ...SPOT), ASSETS.vp9.rgb), 5000);
  });

  it('ffmpeg dying under a playing element reaches the app as a MediaError and a STRATUS_BRIDGE_FAILED error event', async () => {
    await cloud(dev.session, (p: string) => (window as any).mediaApp.playVod(p), `/${ASSETS.hevc.path}`);
    await advancing(dev.page, 0.5);
    const transcode = rig.orch.bridge!.transcode([...(rig.orch.bridge as any).byId.keys()][0])!;
    // Two segments ahead of the viewer the run pauses: it is alive, with most of the asset unwritten.
    const pid = await until('ffmpeg running', () => transcode.pid);
    process.kill(pid, 'SIGKILL');
    const c = await appMediaError(dev.session);
    expect(c).to.deep.include({ code: 3, isMediaError: true });
    expect(c.errors).to.include('STRATUS_BRIDGE_FAILED');
    const log = await appLog(dev.session);
    expect(log.filter((e) => e.type === 'error')).to.have.length(1);
  });

  it('sources the bridge must not or cannot read get coded errors at once, and the session plays on', async () => {
    const errors = await cloud(dev.session, async (origin: string) => {
      const v = document.getElementById('video') as HTMLVideoElement;
      const out: Array<[string, number | null, string]> = [];
      for (const url of ['http://10.255.255.1/x.mp4', 'http://127.0.0.1:1/x.mp4', `${origin}/vod/missing.mp4`, `${origin.replace('127.0.0.1', 'localhost')}/vod/h264.mp4`, `${location.origin}/apps/media/`]) {
        (window as any).cloudErrors.length = 0;
        v.src = url;
        const name = await v.play().then(() => 'resolved', (e: DOMException) => e.name);
        // The cloud-browser error event comes from a task queued with the refusal.
        await new Promise<void>((r) => {
          const seen = () => ((window as any).cloudErrors.length > 0 ? r() : setTimeout(seen, 10));
          seen();
        });
        const codes = (window as any).cloudErrors.map((e: { code: string }) => e.code).join();
        out.push([codes, v.error && v.error.code, name]);
      }
      return out;
    }, rig.origin.baseUrl);
    expect(errors).to.deep.equal([
      ['STRATUS_MEDIA_SOURCE_FORBIDDEN', 4, 'NotSupportedError'],
      ['STRATUS_MEDIA_SOURCE_UNREACHABLE', 2, 'AbortError'],
      ['STRATUS_MEDIA_SOURCE_UNREACHABLE', 2, 'AbortError'],
      // localhost is loopback too, and only 127.0.0.1 is allow-listed here.
      ['STRATUS_MEDIA_SOURCE_FORBIDDEN', 4, 'NotSupportedError'],
      // The orchestrator's own pages are allowed, but an HTML page is not media.
      ['STRATUS_MEDIA_NOT_MEDIA', 4, 'NotSupportedError']
    ]);
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    await advancing(dev.page, 0.5);
    expect(ffmpegChildren()).to.equal(0);
  });
});

describe('virtual playback: a modern box emulated in a browser without HEVC', function () {
  this.timeout(120000);
  const rig = useMediaRig(() => ({ bridge: { idleMs: 200 } }));
  const dev = useMediaDevice(rig, 'profile=modern');

  it('the app is told HEVC is native (the box has it), and the bridge stands in for the missing decoder', async () => {
    const r = await cloud(dev.session, (hevc: string) => ({
      hevc: document.createElement('video').canPlayType(hevc),
      support: (window as any).stratus.media.support(hevc),
      device: (window as any).stratus.media.device
    }), HEVC);
    expect(r.hevc).to.equal('probably');
    expect(r.support).to.equal('native');
    expect(r.device.profile).to.equal('modern');
    expect(r.device.emulated).to.include('hevc');
    await cloud(dev.session, (p: string) => (window as any).mediaApp.playVod(p), `/${ASSETS.hevc.path}`);
    await advancing(dev.page, 0.5);
    expect(near(await screenPixel(dev.page, ...SPOT), ASSETS.hevc.rgb)).to.equal(true);
    expect(rig.orch.bridge!.active).to.equal(1);
  });

  it('an H.264 asset the box decodes goes to the device as it is, without the bridge', async () => {
    await cloud(dev.session, () => (window as any).mediaApp.playVod('/vod/h264.mp4'));
    await advancing(dev.page, 0.5);
    const url = await dev.page.evaluate(() => (window as any).stratusClient.media.player((window as any).stratusClient.media.ids[0]).url);
    expect(url).to.match(/\/vod\/h264\.mp4$/);
  });

  after(async () => {
    await bridgeIdle(rig.orch);
  });
});

describe('virtual playback through a standalone media-bridge (bridge.mode=remote)', function () {
  this.timeout(120000);
  const remote = {} as { bridge: MediaBridge; server: Server; url: string };
  before(async () => {
    remote.bridge = new MediaBridge(bridgeOptions(mergeConfig({ bridge: { idleMs: 200 }, media: { allowPrivate: '127.0.0.1', corsOrigins: '*' } })));
    remote.server = bridgeApp(remote.bridge, 'bridge-secret').listen(0, '127.0.0.1');
    await new Promise((r) => remote.server.once('listening', r));
    remote.url = `http://127.0.0.1:${(remote.server.address() as AddressInfo).port}`;
  });
  const rig = useMediaRig(() => ({ bridge: { mode: 'remote', url: remote.url, token: 'bridge-secret' } }));
  const dev = useMediaDevice(rig, 'profile=legacy');
  after(async () => {
    remote.server?.close();
    await remote.bridge?.close();
    expect(ffmpegChildren()).to.equal(0);
  });

  it('the device fetches the transcode from the bridge, and the lease goes when the session does', async () => {
    expect(rig.orch.bridge).to.equal(null);
    expect(await cloud(dev.session, (hevc: string) => document.createElement('video').canPlayType(hevc), HEVC)).to.equal('virtually');
    await cloud(dev.session, (p: string) => (window as any).mediaApp.playVod(p), `/${ASSETS.hevc.path}`);
    await advancing(dev.page, 0.5);
    const url = await dev.page.evaluate(() => (window as any).stratusClient.media.player((window as any).stratusClient.media.ids[0]).url);
    expect(url.startsWith(`${remote.url}/bridge/`)).to.equal(true);
    expect(near(await screenPixel(dev.page, ...SPOT), ASSETS.hevc.rgb)).to.equal(true);
    expect(remote.bridge.active).to.equal(1);
    await dev.page.close();
    await until('the session to end', () => rig.orch.sessions.size === 0);
    await until('the remote transcode to stop', () => remote.bridge.active === 0, 10000);
    dev.page = await rig.device.open(rig.orch, 'profile=legacy');
  });

  it('ffmpeg dying on the standalone bridge reaches the app as a MediaError and a STRATUS_BRIDGE_FAILED error event', async () => {
    await cloud(dev.session, (p: string) => (window as any).mediaApp.playVod(p), `/${ASSETS.hevc.path}`);
    await advancing(dev.page, 0.5);
    const transcode = remote.bridge.transcode([...(remote.bridge as any).byId.keys()][0])!;
    const pid = await until('ffmpeg running', () => transcode.pid);
    process.kill(pid, 'SIGKILL');
    const c = await appMediaError(dev.session);
    expect(c).to.deep.include({ code: 3, isMediaError: true });
    expect(c.errors).to.include('STRATUS_BRIDGE_FAILED');
  });
});

// A root-level hook: after the whole suite, not one ffmpeg the tests started may be left running.
after(() => {
  expect(ffmpegChildren(), 'ffmpeg processes left after the suite').to.equal(0);
});
