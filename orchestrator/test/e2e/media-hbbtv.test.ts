import { expect } from 'chai';
import { cloud, devicePlayers, MEDIA_ROOT, near, screenPixel, until, useMediaDevice, useMediaRig } from '@stratus/testkit';
import { readFixtureCatalogue } from '../../src/dev/media-origin';

describe('media proxy: HbbTV video/broadcast and A/V Control objects', function () {
  this.timeout(90000);
  const rig = useMediaRig();
  const dev = useMediaDevice(rig);

  it('setChannel switches to the right channel, checked by pixel, with ChannelChangeSucceeded', async () => {
    const { channels } = readFixtureCatalogue(MEDIA_ROOT);
    const list = await cloud(dev.session, () => {
      const tv = document.getElementById('tv') as any;
      const l = tv.getChannelConfig().channelList;
      const out = [];
      for (let i = 0; i < l.length; i++) out.push({ ccid: l.item(i).ccid, lcn: l.item(i).lcn, name: l.item(i).name });
      return { out, state: tv.playState };
    });
    expect(list.state).to.equal(0);
    expect(list.out.map((c) => c.lcn)).to.deep.equal([1, 2, 3]);
    for (const ch of [channels[1], channels[0], channels[2]]) {
      await cloud(dev.session, (lcn: number) => (window as any).mediaApp.tune(lcn), ch.lcn);
      await until(`ChannelChangeSucceeded for ${ch.lcn}`, () =>
        cloud(dev.session, (ccid: string) => (window as any).tvLog.some((e: any) => e.type === 'succeeded' && e.ccid === ccid), `ccid:${ch.lcn}`)
      , 15000);
      // Away from the channel number drawn in the middle: the channel's flat colour fills the screen.
      await until(`channel ${ch.lcn}'s colour on screen`, async () => near(await screenPixel(dev.page, 200, 600), ch.rgb, 40), 10000);
      const state = await cloud(dev.session, () => {
        const tv = document.getElementById('tv') as any;
        return { playState: tv.playState, lcn: tv.currentChannel && tv.currentChannel.lcn };
      });
      expect(state).to.deep.equal({ playState: 2, lcn: ch.lcn });
    }
    const states = await cloud(dev.session, () => (window as any).tvLog.filter((e: any) => e.type === 'state').map((e: any) => e.state));
    expect(states.slice(0, 2)).to.deep.equal([1, 2]);
    // One broadcast player on the device, playing the live stream through the emulator's tuner.
    const players = await devicePlayers(dev.page);
    expect(players.filter((p) => p.engine === 'tuner')).to.have.length(1);
  });

  it('a channel outside the line-up gets ChannelChangeError, and release() returns to unrealized', async () => {
    const r = await cloud(dev.session, () => {
      const tv = document.getElementById('tv') as any;
      tv.style.display = 'block';
      tv.setChannel({ ccid: 'nope', onid: 1, tsid: 2, sid: 3 });
      return new Promise((resolve) => {
        // The error is an intrinsic event, fired from a task: wait until the log has it.
        const seen = () => ((window as any).tvLog.some((e: any) => e.type === 'error') ? resolve((window as any).tvLog.slice()) : setTimeout(seen, 10));
        seen();
      });
    });
    expect(r).to.deep.include.members([{ type: 'error', errorState: 5, at: (r as any[])[0].at }]);
    await cloud(dev.session, () => (window as any).mediaApp.tune(1));
    await until('presenting', () => cloud(dev.session, () => (document.getElementById('tv') as any).playState === 2), 15000);
    await cloud(dev.session, () => (document.getElementById('tv') as any).release());
    expect(await cloud(dev.session, () => (document.getElementById('tv') as any).playState)).to.equal(0);
    await until('the device player to be released', async () => (await devicePlayers(dev.page)).length === 0);
  });

  it('bindToCurrentChannel presents the current channel; nextChannel steps through the line-up; stop() stops', async () => {
    const ch = await cloud(dev.session, () => {
      const tv = document.getElementById('tv') as any;
      tv.style.display = 'block';
      return tv.bindToCurrentChannel().ccid;
    });
    expect(ch).to.equal('ccid:1');
    await until('presenting channel 1', () => cloud(dev.session, () => {
      const tv = document.getElementById('tv') as any;
      return tv.playState === 2 && tv.currentChannel.lcn === 1;
    }), 15000);
    await cloud(dev.session, () => (document.getElementById('tv') as any).nextChannel());
    await until('presenting channel 2', () => cloud(dev.session, () => (document.getElementById('tv') as any).currentChannel.lcn === 2), 15000);
    await until('channel 2 on screen', async () => near(await screenPixel(dev.page, 200, 600), [16, 192, 32], 40), 10000);
    await cloud(dev.session, () => (document.getElementById('tv') as any).stop());
    expect(await cloud(dev.session, () => (document.getElementById('tv') as any).playState)).to.equal(3);
    await until('the device to stop', async () => (await devicePlayers(dev.page))[0].paused);
  });

  it('an A/V Control object follows the HbbTV play state machine: connecting, playing, paused, seek, stopped', async () => {
    await cloud(dev.session, (url: string) => {
      const o = document.createElement('object');
      o.type = 'video/mp4';
      o.id = 'av';
      o.style.cssText = 'position:absolute;left:80px;top:120px;width:640px;height:360px';
      document.body.appendChild(o);
      const av = o as any;
      (window as any).avLog = [];
      av.onPlayStateChange = () => (window as any).avLog.push(av.playState);
      av.data = url;
      (window as any).avPlay = av.play(1);
    }, `${rig.origin.baseUrl}/vod/h264.mp4`);
    expect(await cloud(dev.session, () => (window as any).avPlay)).to.equal(true);
    await until('playing', () => cloud(dev.session, () => (document.getElementById('av') as any).playState === 1), 15000);
    await until('the position to advance', () => cloud(dev.session, () => (document.getElementById('av') as any).playPosition > 500));
    const info = await cloud(dev.session, () => {
      const av = document.getElementById('av') as any;
      return { playTime: av.playTime, speed: av.speed, data: av.data, attr: av.getAttribute('data') };
    });
    expect(info.playTime).to.be.closeTo(12000, 200);
    expect(info.speed).to.equal(1);
    expect(info.data).to.match(/\/vod\/h264\.mp4$/);
    await cloud(dev.session, () => (document.getElementById('av') as any).play(0));
    await until('paused', () => cloud(dev.session, () => (document.getElementById('av') as any).playState === 2));
    await until('the device to pause', async () => (await devicePlayers(dev.page))[0].paused);
    expect(await cloud(dev.session, () => (document.getElementById('av') as any).seek(5000))).to.equal(true);
    await until('the device at 5 s', async () => Math.abs((await devicePlayers(dev.page))[0].currentTime - 5) < 0.05);
    await until('playPosition 5000', () => cloud(dev.session, () => Math.abs((document.getElementById('av') as any).playPosition - 5000) < 50));
    await cloud(dev.session, () => (document.getElementById('av') as any).stop());
    expect(await cloud(dev.session, () => (document.getElementById('av') as any).playState)).to.equal(0);
    const log = await until('the stopped state to be reported', async () => {
      const l = await cloud(dev.session, () => (window as any).avLog as number[]);
      return l[l.length - 1] === 0 ? l : null;
    });
    expect(log).to.deep.equal([3, 1, 2, 0]);
    // Seeking is refused while stopped.
    expect(await cloud(dev.session, () => (document.getElementById('av') as any).seek(1000))).to.equal(false);
  });

  it('a device media error puts an A/V Control object in playState 6 with its error code', async () => {
    await cloud(dev.session, (url: string) => {
      document.body.insertAdjacentHTML('beforeend', `<object id="av" type="video/mp4" data="${url}" style="position:absolute;left:0;top:0;width:320px;height:180px"></object>`);
      const av = document.getElementById('av') as any;
      (window as any).avEvents = [];
      av.addEventListener('PlayStateChange', (e: any) => (window as any).avEvents.push({ state: e.state, error: e.error }));
      av.play(1);
    }, `${rig.origin.baseUrl}/vod/broken/master.m3u8`);
    const r = await until('playState 6', () => cloud(dev.session, () => {
      const av = document.getElementById('av') as any;
      // The PlayStateChange event comes from a task after playState changes: wait for both.
      return av.playState === 6 && (window as any).avEvents.length >= 2 ? { error: av.error, events: (window as any).avEvents, errors: (window as any).cloudErrors.map((e: any) => e.code) } : null;
    }), 15000);
    // MediaError 4 (not supported) or 2 (network) becomes A/V error 0 (format) or 1 (connection).
    expect(r.error).to.be.oneOf([0, 1]);
    expect(r.events.map((e: any) => e.state)).to.deep.equal([3, 6]);
    expect(r.events[1].error).to.equal(r.error);
    expect(r.errors).to.include('STRATUS_MEDIA_ERROR');
    // The object's data went to the device only: the cloud browser never fetched it.
    expect(rig.origin.requests.filter((q) => /Stratus\//.test(q.userAgent))).to.deep.equal([]);
  });

  it('on an HbbTV terminal, channels are tuned by the terminal\'s own video/broadcast object, by DVB triplet', async () => {
    // The terminal's object factory and broadcast object, as a recorder that "tunes" at once.
    const tvPage = await rig.device.openTerminal(rig.orch, 'hbbtv-box', () => {
      const w = window as any;
      w.tuned = [];
      w.oipfObjectFactory = { isObjectSupported: (t: string) => t === 'video/broadcast' };
      const proto = HTMLObjectElement.prototype as any;
      proto.getChannelConfig = function () {
        return { channelList: { getChannelByTriplet: (onid: number, tsid: number, sid: number) => ({ onid, tsid, sid, fromList: true }) } };
      };
      proto.setChannel = function (ch: any) {
        w.tuned.push({ onid: ch.onid, tsid: ch.tsid, sid: ch.sid, fromList: ch.fromList, type: this.getAttribute('type') });
        setTimeout(() => this.onChannelChangeSucceeded && this.onChannelChangeSucceeded(ch), 10);
      };
      proto.release = function () {
        w.released = (w.released || 0) + 1;
      };
    });
    try {
      // The emulator of beforeEach has a dev.session too: take the terminal's.
      const s = await until('the terminal dev.session', () => [...rig.orch.sessions.values()].find((x) => x.deviceId === 'hbbtv-box'));
      await cloud(s, () => (window as any).mediaApp.tune(2));
      await until('ChannelChangeSucceeded', () => cloud(s, () => (window as any).tvLog.some((e: any) => e.type === 'succeeded' && e.ccid === 'ccid:2')), 15000);
      const tuned = await tvPage.evaluate(() => (window as any).tuned);
      expect(tuned).to.deep.equal([{ onid: 8916, tsid: 1, sid: 102, fromList: true, type: 'video/broadcast' }]);
      const [p] = await devicePlayers(tvPage);
      expect(p.engine).to.equal('broadcast');
      expect(p.rect).to.deep.equal([0, 0, 1280, 720]);
      await cloud(s, () => (document.getElementById('tv') as any).release());
      await until('the terminal object to be released', () => tvPage.evaluate(() => (window as any).released === 1));
    } finally {
      await tvPage.close();
    }
  });
});
