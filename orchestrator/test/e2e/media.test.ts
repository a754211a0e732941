import { expect } from 'chai';
import { Page } from 'puppeteer-core';
import { appLog, cloud, devicePlayers, near, screenPixel, until, useMediaDevice, useMediaRig } from '@stratus/testkit';

const YELLOW = [224, 192, 0];
const PANEL = [0x1f, 0x3a, 0x5f];

async function playing(page: Page, min = 0.5): Promise<{ currentTime: number; engine: string | null; rect: number[]; visible: boolean }> {
  return until('the device video to advance', async () => {
    const p = await devicePlayers(page);
    return p.length >= 1 && p[0].currentTime > min && !p[0].paused ? p[0] : null;
  }, 15000);
}

describe('media proxy: <video> in the cloud plays on the device', function () {
  this.timeout(90000);
  const rig = useMediaRig();
  const dev = useMediaDevice(rig);

  it('play() in the cloud starts the device video, whose time advances; the app sees play and playing', async () => {
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    const first = await playing(dev.page);
    // Chromium plays HLS natively but without audioTracks: the device takes hls.js, which can switch renditions.
    expect(first.engine).to.equal('hls.js');
    const types = (await appLog(dev.session)).map((e) => e.type);
    expect(types).to.include.members(['loadstart', 'play', 'loadedmetadata', 'playing', 'timeupdate']);
    expect(types.indexOf('play')).to.be.lessThan(types.indexOf('playing'));
    const c = await cloud(dev.session, () => {
      const v = document.getElementById('video') as HTMLVideoElement;
      return { paused: v.paused, duration: v.duration, t: v.currentTime, readyState: v.readyState, w: v.videoWidth };
    });
    expect(c).to.include({ paused: false, w: 640 });
    expect(c.duration).to.be.closeTo(12, 0.2);
    expect(c.readyState).to.be.at.least(3);
    expect(c.t).to.be.greaterThan(0.3);
    // currentTime is extrapolated between the device's reports: two reads in one task (no report
    // can arrive in between) differ by exactly the time that passed, at rate 1.
    const read = await cloud(dev.session, () => {
      const v = document.getElementById('video') as HTMLVideoElement;
      const t0 = performance.now();
      const first = v.currentTime;
      while (performance.now() - t0 < 100) {
        /* the same task: no device report is applied meanwhile */
      }
      const second = v.currentTime;
      return { advanced: second - first, elapsed: (performance.now() - t0) / 1000 };
    });
    expect(read.advanced).to.be.greaterThan(0.09);
    expect(read.advanced).to.be.at.most(read.elapsed + 0.001);
    // Media never decoded in the cloud: the media origin saw no request from the cloud browser.
    expect(rig.origin.requests.filter((r) => /Stratus\//.test(r.userAgent))).to.deep.equal([]);
    expect(dev.session.media!.stats.blockedFetches).to.be.at.least(1);
  });

  it('pause, seek, volume and mute reach the device, and the app sees the resulting events', async () => {
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    await playing(dev.page);
    await cloud(dev.session, () => {
      const v = document.getElementById('video') as HTMLVideoElement;
      v.pause();
      v.volume = 0.25;
      v.muted = true;
    });
    const paused = await until('the device to pause', async () => {
      const [p] = await devicePlayers(dev.page);
      return p.paused && p.volume === 0.25 && p.muted ? p : null;
    });
    expect(paused.paused).to.equal(true);
    await cloud(dev.session, () => {
      (document.getElementById('video') as HTMLVideoElement).currentTime = 7;
    });
    await until('the device to seek', async () => {
      const [p] = await devicePlayers(dev.page);
      return Math.abs(p.currentTime - 7) < 0.05;
    });
    // hls.js may seek on its own at the start (to the first buffered frame): wait for the app's seek.
    await until('the app to see seeked', async () => (await appLog(dev.session)).some((e) => e.type === 'seeked' && Math.abs(e.currentTime - 7) < 0.5));
    const log = await appLog(dev.session);
    const types = log.map((e) => e.type);
    expect(types).to.include.members(['pause', 'volumechange', 'seeking', 'seeked']);
    const seeked = log.filter((e) => e.type === 'seeked').pop()!;
    expect(seeked.currentTime).to.be.closeTo(7, 0.05);
    expect(seeked.paused).to.equal(true);
    const c = await cloud(dev.session, () => {
      const v = document.getElementById('video') as HTMLVideoElement;
      return { paused: v.paused, t: v.currentTime, volume: v.volume, muted: v.muted, seeking: v.seeking };
    });
    expect(c).to.deep.include({ paused: true, volume: 0.25, muted: true, seeking: false });
    expect(c.t).to.be.closeTo(7, 0.05);
    // The app can resume: the play() promise resolves once the device plays.
    const resumed = await cloud(dev.session, () => (document.getElementById('video') as HTMLVideoElement).play().then(() => 'resolved'));
    expect(resumed).to.equal('resolved');
    await playing(dev.page, 7.2);
  });

  it('ended reaches the app', async () => {
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    await playing(dev.page);
    await cloud(dev.session, () => {
      (document.getElementById('video') as HTMLVideoElement).currentTime = 11;
    });
    await until('ended in the app', async () => (await appLog(dev.session)).some((e) => e.type === 'ended'), 15000);
    const c = await cloud(dev.session, () => {
      const v = document.getElementById('video') as HTMLVideoElement;
      return { ended: v.ended, paused: v.paused, t: v.currentTime };
    });
    expect(c.ended).to.equal(true);
    expect(c.paused).to.equal(true);
    expect(c.t).to.be.closeTo(12, 0.2);
  });

  it('the layer is composited above the video: video shows in the window, the UI over its own boxes', async () => {
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    const p = await playing(dev.page);
    // The window follows the element's box: 640x360 at (80, 120) in layer pixels.
    expect(p.rect).to.deep.equal([80, 120, 640, 360]);
    expect(p.visible).to.equal(true);
    const inVideo = await screenPixel(dev.page, 100, 140);
    expect(near(inVideo, YELLOW), `video pixel ${inVideo}`).to.equal(true);
    const underPanel = await screenPixel(dev.page, 1000, 400);
    expect(near(underPanel, PANEL, 4), `panel pixel ${underPanel}`).to.equal(true);
    // A UI box drawn over the video window hides the video there.
    await cloud(dev.session, () => {
      const d = document.createElement('div');
      d.id = 'cover';
      d.style.cssText = 'position:absolute;left:100px;top:140px;width:100px;height:80px;background:#ff00ff';
      document.body.appendChild(d);
    });
    await until('the cover to show', async () => near(await screenPixel(dev.page, 150, 180), [255, 0, 255], 4));
    expect(near(await screenPixel(dev.page, 400, 300), YELLOW), 'video still shows beside the cover').to.equal(true);
  });

  it('the video window follows CSS position, transform, display:none and removal', async () => {
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    await playing(dev.page);
    const rect = async (want: number[] | 'hidden'): Promise<void> => {
      await until(`the device window to be ${want}`, async () => {
        const [p] = await devicePlayers(dev.page);
        return want === 'hidden' ? !p.visible : p.visible && p.rect.every((v, i) => Math.abs(v - want[i]) <= 1);
      });
    };
    await cloud(dev.session, () => {
      const v = document.getElementById('video')!;
      v.style.left = '200px';
      v.style.top = '60px';
    });
    await rect([200, 60, 640, 360]);
    await cloud(dev.session, () => {
      document.getElementById('video')!.style.transform = 'scale(0.5)';
    });
    await rect([360, 150, 320, 180]);
    await cloud(dev.session, () => {
      const v = document.getElementById('video')!;
      v.style.transform = '';
      v.style.transition = 'left 0.3s linear';
      v.style.left = '400px';
    });
    await rect([400, 60, 640, 360]);
    await cloud(dev.session, () => {
      document.getElementById('video')!.style.display = 'none';
    });
    await rect('hidden');
    await cloud(dev.session, () => {
      document.getElementById('video')!.style.display = 'block';
    });
    await rect([400, 60, 640, 360]);
    await cloud(dev.session, () => document.getElementById('video')!.remove());
    // Taken out of the document, the element pauses; not put back in the same task, its device
    // player goes with it (media-lifecycle.test.ts has the rest of that).
    await until('the device player to go', async () => (await devicePlayers(dev.page)).length === 0);
    expect((await appLog(dev.session)).some((e) => e.type === 'pause')).to.equal(true);
  });

  it("an ancestor's opacity: 0 or visibility: hidden hides the device's video, as the browser hides the element", async () => {
    await cloud(dev.session, () => {
      const v = document.getElementById('video')!;
      const box = document.createElement('div');
      box.id = 'box';
      v.parentNode!.insertBefore(box, v);
      box.appendChild(v);
    });
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    await playing(dev.page);
    const shown = (want: boolean) =>
      until(`the device video to be ${want ? 'shown' : 'hidden'}`, async () => {
        const [p] = await devicePlayers(dev.page);
        return p && p.visible === want;
      });
    await shown(true);
    await cloud(dev.session, () => (document.getElementById('box')!.style.opacity = '0'));
    await shown(false);
    await cloud(dev.session, () => (document.getElementById('box')!.style.opacity = '1'));
    await shown(true);
    await cloud(dev.session, () => (document.getElementById('box')!.style.visibility = 'hidden'));
    await shown(false);
    await cloud(dev.session, () => (document.getElementById('box')!.style.visibility = ''));
    await shown(true);
  });

  it('full screen: the window covers the whole layer, and comes back on exit', async () => {
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    await playing(dev.page);
    // requestFullscreen needs a user gesture, as a key press would give in the cloud dev.page.
    const cdp = await dev.session.cloudPage!.createCDPSession();
    try {
      await cdp.send('Runtime.evaluate', { expression: "document.getElementById('video').requestFullscreen()", userGesture: true, awaitPromise: true });
      await until('the device window to fill the layer', async () => {
        const [p] = await devicePlayers(dev.page);
        return p.visible && p.rect.join() === '0,0,1280,720';
      });
      await cdp.send('Runtime.evaluate', { expression: 'document.exitFullscreen()', awaitPromise: true });
      await until('the device window to come back', async () => (await devicePlayers(dev.page))[0].rect.join() === '80,120,640,360');
    } finally {
      await cdp.detach();
    }
  });

  it('a device media error reaches the app as a MediaError and a cloud-browser error event', async () => {
    const rejected = await cloud(dev.session, () => (window as any).mediaApp.playVod('/vod/broken/master.m3u8').then(() => 'resolved', (e: DOMException) => e.name));
    expect(rejected).to.be.oneOf(['NotSupportedError', 'AbortError']);
    const err = await until('the error event', async () => (await appLog(dev.session)).find((e) => e.type === 'error'));
    expect(err.error!.code).to.be.oneOf([2, 4]);
    const c = await cloud(dev.session, () => {
      const v = document.getElementById('video') as HTMLVideoElement;
      return { code: v.error && v.error.code, isMediaError: v.error instanceof MediaError, errors: (window as any).cloudErrors };
    });
    expect(c.isMediaError).to.equal(true);
    expect(c.code).to.equal(err.error!.code);
    expect(c.errors.map((e: { code: string }) => e.code)).to.include('STRATUS_MEDIA_ERROR');
  });

  it('a blob: source gets a coded error instead of failing silently', async () => {
    const r = await cloud(dev.session, () => {
      const v = document.getElementById('video') as HTMLVideoElement;
      v.src = URL.createObjectURL(new Blob(['x'], { type: 'video/mp4' }));
      return v.play().then(
        () => 'resolved',
        (e: DOMException) => ({ name: e.name, code: v.error && v.error.code })
      );
    });
    expect(r).to.deep.equal({ name: 'NotSupportedError', code: 4 });
    const errors = await cloud(dev.session, () => (window as any).cloudErrors.map((e: { code: string }) => e.code));
    expect(errors).to.include('STRATUS_MEDIA_SOURCE_UNSUPPORTED');
  });

  it('the device refuses malformed or unknown-player media requests with coded errors and keeps playing', async () => {
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    await playing(dev.page);
    const code = (p: Promise<unknown>): Promise<string> => p.then(() => 'resolved', (e: { code: string }) => e.code);
    expect(await code(dev.session.channels.device.request('media.seek', { player: 'x', cmd: 1, time: 'soon' } as never, 5000))).to.equal('STRATUS_INVALID_PARAMS');
    expect(await code(dev.session.channels.device.request('media.play', { player: 'nobody', cmd: 1 } as never, 5000))).to.equal('STRATUS_MEDIA_UNKNOWN_PLAYER');
    expect(await code(dev.session.channels.device.request('media.load', { player: 'y', cmd: 1, kind: 'video', url: 'http://127.0.0.1:9/x.weird', type: 'application/x-weird', muted: false, volume: 1, rate: 1 } as never, 5000))).to.equal('STRATUS_MEDIA_UNSUPPORTED');
    const before = (await devicePlayers(dev.page))[0].currentTime;
    await until('the app video to keep playing', async () => (await devicePlayers(dev.page))[0].currentTime > before + 0.3);
  });

  it('closing the dev.session stops the device video', async () => {
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    await playing(dev.page);
    await dev.page.evaluate(() => (window as any).stratusClient.close());
    await until('the device players to be released', async () => (await dev.page.evaluate(() => document.querySelectorAll('#stratus-video-plane video').length)) === 0);
  });
});
