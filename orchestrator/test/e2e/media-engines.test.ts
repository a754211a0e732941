import { expect } from 'chai';
import { appLog, devicePlayers, onlySession, until, useMediaRig } from '@stratus/testkit';

describe('media proxy: player libraries on both sides', function () {
  this.timeout(90000);
  const rig = useMediaRig();

  afterEach(async () => {
    await until('the session to end', () => rig.orch.sessions.size === 0);
  });

  it('an app built on hls.js finds no MSE in the cloud, falls back to src, and the device plays the stream', async () => {
    const page = await rig.device.open(rig.orch, 'w=1280&h=720');
    try {
      const session = await onlySession(rig.orch);
      const r = await session.cloudPage!.evaluate(async (url: string) => {
        await new Promise<void>((resolve, reject) => {
          const s = document.createElement('script');
          s.src = '/device/vendor/hls.min.js';
          s.onload = () => resolve();
          s.onerror = () => reject(new Error('hls.js did not load'));
          document.head.appendChild(s);
        });
        const Hls = (window as any).Hls;
        const video = document.getElementById('video') as HTMLVideoElement;
        // The integration hls.js documents: MSE when supported, else the browser's own HLS.
        const supported = Hls.isSupported();
        if (supported) {
          const hls = new Hls();
          hls.loadSource(url);
          hls.attachMedia(video);
        } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
          video.src = url;
          await video.play();
        }
        return { supported, version: Hls.version, mediaSource: typeof (window as any).MediaSource, src: video.currentSrc };
      }, `${rig.origin.baseUrl}/vod/h264/index.m3u8`);
      expect(r.supported).to.equal(false);
      expect(r.version).to.match(/^1\./);
      expect(r.mediaSource).to.equal('undefined');
      expect(r.src).to.match(/index\.m3u8$/);
      await until('the device to play', async () => {
        const [p] = await devicePlayers(page);
        return p && p.currentTime > 0.5;
      });
    } finally {
      await page.close();
    }
  });

  for (const c of [
    { name: 'HLS through hls.js on the device (engine=hls.js)', query: '&engine=hls.js', path: '/vod/h264/index.m3u8', engine: 'hls.js' },
    { name: 'DASH through shaka-player on the device (no native DASH)', query: '', path: '/vod/dash/manifest.mpd', engine: 'shaka' }
  ]) {
    it(`${c.name}: plays, seeks, and reports events`, async () => {
      const page = await rig.device.open(rig.orch, `w=1280&h=720${c.query}`);
      try {
        const session = await onlySession(rig.orch);
        await session.cloudPage!.evaluate((path: string) => (window as any).mediaApp.playVod(path), c.path);
        const p = await until('the device to play', async () => {
          const [x] = await devicePlayers(page);
          return x && x.currentTime > 0.5 ? x : null;
        }, 20000);
        expect(p.engine).to.equal(c.engine);
        await session.cloudPage!.evaluate(() => {
          (document.getElementById('video') as HTMLVideoElement).currentTime = 8;
        });
        await until('seeked in the app', async () => (await appLog(session)).some((e) => e.type === 'seeked' && e.currentTime >= 7.9), 15000);
        const [after] = await devicePlayers(page);
        expect(after.currentTime).to.be.at.least(7.9);
        const dur = await session.cloudPage!.evaluate(() => (document.getElementById('video') as HTMLVideoElement).duration);
        expect(dur).to.be.closeTo(12, 0.3);
      } finally {
        await page.close();
      }
    });
  }
});
