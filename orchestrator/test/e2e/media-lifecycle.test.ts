import { expect } from 'chai';
import { Page } from 'puppeteer-core';
import { cloud, devicePlayers, until, useMediaDevice, useMediaRig } from '@stratus/testkit';

/** Media requests the device has handled, by method. */
function handled(page: Page, method: string): Promise<number> {
  return page.evaluate((m: string) => ((window as any).stratusClient.stats.requestsHandled[m] as number) || 0, method);
}

/** More than twice the players a device holds (stb-client MAX_PLAYERS, 8). */
const PLAYS = 20;

describe('media proxy: players live exactly as long as their elements', function () {
  this.timeout(240000);
  const rig = useMediaRig();
  const dev = useMediaDevice(rig);

  // 20 plays: well past the 8 players a device holds at most, so a leaked player would refuse a
  // play long before the end.
  it('20 plays, each in a new <video> removed afterwards: all play, and the device never holds more than 2 players', async () => {
    let most = 0;
    let played = 0;
    for (let i = 0; i < PLAYS; i++) {
      // Each play's outcome is its own: a play() still pending when its element is removed
      // rejects (AbortError), as in any browser, and may do so after the next play has begun.
      await cloud(dev.session, (n: number) => {
        const w = window as any;
        w.loops ??= {};
        const loop = (w.loops[n] = { playing: false, error: undefined as string | undefined });
        const v = document.createElement('video');
        v.id = `loop${n}`;
        v.style.cssText = 'position:absolute;left:0;top:0;width:320px;height:180px';
        v.addEventListener('playing', () => (loop.playing = true));
        document.body.appendChild(v);
        v.src = w.mediaApp.url('/vod/h264/index.m3u8');
        v.play().catch((e: Error) => (loop.error ??= `${e.name}: ${e.message}`));
      }, i);
      const loop = (n: number): Promise<{ playing: boolean; error?: string }> => cloud(dev.session, (k: number) => (window as any).loops[k], n);
      await until(`play ${i + 1} to start`, async () => {
        const l = await loop(i);
        return l.playing || l.error !== undefined;
      });
      const error = (await loop(i)).error;
      expect(error, `play ${i + 1}: ${String(error)}`).to.equal(undefined);
      played++;
      most = Math.max(most, (await devicePlayers(dev.page)).length);
      await cloud(dev.session, (n: number) => document.getElementById(`loop${n}`)!.remove(), i);
    }
    await until('the last player to go', async () => (await devicePlayers(dev.page)).length === 0);
    expect(played).to.equal(PLAYS);
    expect(most).to.be.at.most(2);
    expect(await handled(dev.page, 'media.release')).to.be.at.least(PLAYS);
  });

  it('20 plays, each in a new A/V Control object stopped and removed afterwards: all play, at most 2 device players', async () => {
    let most = 0;
    for (let i = 0; i < PLAYS; i++) {
      await cloud(dev.session, (n: number) => {
        const w = window as any;
        const o = document.createElement('object') as any;
        o.id = `av${n}`;
        o.type = 'video/mp4';
        o.style.cssText = 'position:absolute;left:0;top:0;width:320px;height:180px';
        document.body.appendChild(o);
        o.data = w.mediaApp.url('/vod/h264.mp4');
        o.play(1);
      }, i);
      const state = await until(`A/V play ${i + 1} to start`, () =>
        cloud(dev.session, (n: number) => {
          const o = document.getElementById(`av${n}`) as any;
          return o.playState === 1 || o.playState === 6 ? { playState: o.playState, error: o.error } : null;
        }, i)
      );
      expect(state.playState, `A/V play ${i + 1}: ${JSON.stringify(state)}`).to.equal(1);
      most = Math.max(most, (await devicePlayers(dev.page)).length);
      await cloud(dev.session, (n: number) => {
        const o = document.getElementById(`av${n}`) as any;
        o.stop();
        o.remove();
      }, i);
    }
    await until('the last player to go', async () => (await devicePlayers(dev.page)).length === 0);
    expect(most).to.be.at.most(2);
  });

  it('src = "" unloads as Chromium does: abort, emptied, a MediaError "Empty src attribute", no fetch, no cloud error', async () => {
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    await until('playing', () => cloud(dev.session, () => (window as any).mediaLog.some((e: any) => e.type === 'playing')));
    const loads = await handled(dev.page, 'media.load');
    const r = await cloud(dev.session, async () => {
      const w = window as any;
      const v = w.mediaApp.video as HTMLVideoElement;
      const seen: string[] = [];
      for (const t of ['abort', 'emptied', 'error', 'loadstart']) v.addEventListener(t, () => seen.push(t));
      w.cloudErrors.length = 0;
      v.src = '';
      const play = await v.play().then(() => 'resolved', (e: DOMException) => e.name);
      await new Promise<void>((resolve) => {
        const done = () => (seen.includes('error') ? resolve() : setTimeout(done, 10));
        done();
      });
      return { seen, play, error: v.error && { code: v.error.code, message: v.error.message }, networkState: v.networkState, paused: v.paused, attr: v.getAttribute('src'), cloudErrors: w.cloudErrors.slice() };
    });
    expect(r.seen).to.deep.equal(['abort', 'emptied', 'error']);
    expect(r.error).to.deep.equal({ code: 4, message: 'MEDIA_ELEMENT_ERROR: Empty src attribute' });
    expect(r).to.include({ play: 'NotSupportedError', networkState: 3, paused: true, attr: '' });
    expect(r.cloudErrors).to.deep.equal([]);
    // Nothing was loaded for it: the device got no media.load, and its player went.
    expect(await handled(dev.page, 'media.load')).to.equal(loads);
    await until('the device player to go', async () => (await devicePlayers(dev.page)).length === 0);
  });

  it('removeAttribute("src") and load() empty the element without an error', async () => {
    await cloud(dev.session, () => (window as any).mediaApp.playVod());
    await until('playing', () => cloud(dev.session, () => (window as any).mediaLog.some((e: any) => e.type === 'playing')));
    const r = await cloud(dev.session, async () => {
      const v = (window as any).mediaApp.video as HTMLVideoElement;
      const seen: string[] = [];
      for (const t of ['abort', 'emptied', 'error', 'loadstart']) v.addEventListener(t, () => seen.push(t));
      v.removeAttribute('src');
      v.load();
      await new Promise<void>((resolve) => {
        const done = () => (seen.includes('emptied') ? resolve() : setTimeout(done, 10));
        done();
      });
      return { seen, error: v.error, networkState: v.networkState, currentSrc: v.currentSrc };
    });
    expect(r).to.deep.equal({ seen: ['abort', 'emptied'], error: null, networkState: 0, currentSrc: '' });
    await until('the device player to go', async () => (await devicePlayers(dev.page)).length === 0);
  });

  it('data = "" stops an A/V Control object and frees its device player', async () => {
    await cloud(dev.session, () => {
      const o = document.createElement('object') as any;
      o.id = 'avd';
      o.type = 'video/mp4';
      document.body.appendChild(o);
      o.data = (window as any).mediaApp.url('/vod/h264.mp4');
      o.play(1);
    });
    await until('A/V playing', () => cloud(dev.session, () => (document.getElementById('avd') as any).playState === 1));
    const r = await cloud(dev.session, () => {
      const o = document.getElementById('avd') as any;
      o.data = '';
      return { state: o.playState, data: o.data };
    });
    expect(r).to.deep.equal({ state: 0, data: '' });
    await until('the device player to go', async () => (await devicePlayers(dev.page)).length === 0);
  });

  it('currentChannel is the channel about to be presented as soon as bindToCurrentChannel() returns', async () => {
    const r = await cloud(dev.session, () => {
      const tv = document.getElementById('tv') as any;
      tv.style.display = 'block';
      const bound = tv.bindToCurrentChannel();
      return { bound: bound && bound.ccid, current: tv.currentChannel && tv.currentChannel.ccid, state: tv.playState };
    });
    expect(r.current).to.equal(r.bound);
    expect(r.current).to.be.a('string');
    expect(r.state).to.equal(1);
    await until('presenting', () => cloud(dev.session, () => (document.getElementById('tv') as any).playState === 2), 30000);
  });
});
