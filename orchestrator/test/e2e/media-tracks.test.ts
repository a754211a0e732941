import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { cloud, devicePlayers, MEDIA_ROOT, onlySession, until, useMediaRig } from '@stratus/testkit';
import type { Session } from '../../src/session/session';

const TRACKS = JSON.parse(readFileSync(join(MEDIA_ROOT, 'tracks.json'), 'utf8')) as {
  audio: Array<{ dir: string; language: string; name: string }>;
  text: Array<{ dir: string; language: string; name: string; cue: string }>;
};

/** The device's <video> of the (one) player: its showing text track's language and active cue text. */
async function deviceSubtitles(page: Page): Promise<{ showing: string[]; cue: string }> {
  return page.evaluate(() => {
    const media = (window as any).stratusClient.media;
    const v = media.player(media.ids[0]).video as HTMLVideoElement;
    const showing: string[] = [];
    let cue = '';
    for (let i = 0; i < v.textTracks.length; i++) {
      const t = v.textTracks[i];
      if (t.mode !== 'showing') continue;
      showing.push(t.language);
      if (t.activeCues && t.activeCues.length) cue = (t.activeCues[0] as VTTCue).text;
    }
    return { showing, cue };
  });
}

describe('media proxy: audio and subtitle tracks picked by the app, played by the device', function () {
  this.timeout(120000);
  const rig = useMediaRig();
  let page: Page;
  let session: Session;

  afterEach(async () => {
    await page?.close();
    await until('the session to end', () => rig.orch.sessions.size === 0);
  });

  async function open(query: string): Promise<void> {
    page = await rig.device.open(rig.orch, `w=1280&h=720${query}`);
    session = await onlySession(rig.orch);
  }

  const fetched = (path: string): boolean => rig.origin.requests.some((q) => q.path.startsWith(path) && q.path.endsWith('.ts'));

  it('<video> over hls.js: audioTracks and textTracks list the renditions; enabled and mode switch them on the device', async () => {
    // No engine forced: the emulator's Chromium has native HLS without audioTracks, so the device picks hls.js.
    await open('');
    await cloud(session, (url: string) => {
      const v = document.getElementById('video') as HTMLVideoElement & { audioTracks: any };
      const w = window as any;
      w.trackLog = [];
      v.audioTracks.onchange = () => w.trackLog.push('audio change');
      v.audioTracks.addEventListener('addtrack', (e: any) => w.trackLog.push(`audio add ${e.track.language}`));
      v.textTracks.addEventListener('change', () => w.trackLog.push('text change'));
      v.src = url;
      return v.play();
    }, `${rig.origin.baseUrl}/vod/multi/index.m3u8`);
    const listed = await until('the renditions in the app', () =>
      cloud(session, () => {
        const v = document.getElementById('video') as any;
        if (v.audioTracks.length < 2 || v.textTracks.length < 2) return null;
        const map = (l: any) => Array.from({ length: l.length }, (_x, i) => ({ id: l[i].id, language: l[i].language, label: l[i].label, kind: l[i].kind, on: l[i].enabled ?? l[i].mode }));
        return { audio: map(v.audioTracks), text: map(v.textTracks), byId: v.audioTracks.getTrackById(v.audioTracks[1].id) === v.audioTracks[1] };
      })
    , 20000);
    expect(listed.audio.map((t) => [t.language, t.label, t.on])).to.deep.equal(TRACKS.audio.map((a, i) => [a.language, a.name, i === 0]));
    expect(listed.audio[0].kind).to.equal('main');
    expect(listed.text.map((t) => [t.language, t.label, t.kind, t.on])).to.deep.equal(TRACKS.text.map((t) => [t.language, t.name, 'subtitles', 'disabled']));
    expect(listed.byId).to.equal(true);
    await until('the video to play', async () => ((await devicePlayers(page))[0]?.currentTime ?? 0) > 0.3, 20000);
    expect((await devicePlayers(page))[0].engine).to.equal('hls.js');
    expect(fetched('/vod/multi/audio_deu/')).to.equal(false);

    // Audio: the setter takes effect at once in the page, then on the device, which fetches German.
    const now = await cloud(session, () => {
      const v = document.getElementById('video') as any;
      v.audioTracks[1].enabled = true;
      return [v.audioTracks[0].enabled, v.audioTracks[1].enabled];
    });
    expect(now).to.deep.equal([false, true]);
    await until('the device to switch to German', () => page.evaluate(() => {
      const media = (window as any).stratusClient.media;
      return media.player(media.ids[0]).hls.audioTrack === 1;
    }), 15000);
    await until('German audio segments fetched', () => fetched('/vod/multi/audio_deu/'), 15000);
    await until('the app to hear of it', () => cloud(session, () => (window as any).trackLog.includes('audio change')));

    // Subtitles: showing French renders its cues on the device's video; disabled takes them off.
    await cloud(session, () => {
      (document.getElementById('video') as any).textTracks[1].mode = 'showing';
    });
    const fr = TRACKS.text[1];
    await until('French cues on the device', async () => {
      const s = await deviceSubtitles(page);
      return s.showing.length === 1 && s.cue.startsWith(fr.cue);
    }, 20000);
    await cloud(session, () => {
      (document.getElementById('video') as any).textTracks[1].mode = 'disabled';
    });
    await until('no subtitles on the device', async () => (await deviceSubtitles(page)).showing.length === 0, 15000);
    const after = await cloud(session, () => {
      const v = document.getElementById('video') as any;
      return { modes: [v.textTracks[0].mode, v.textTracks[1].mode], log: (window as any).trackLog };
    });
    expect(after.modes).to.deep.equal(['disabled', 'disabled']);
    expect(after.log).to.include('text change');
    expect(after.log.filter((x: string) => x.startsWith('audio add'))).to.deep.equal(TRACKS.audio.map((a) => `audio add ${a.language}`));

    // A selection of a track the player does not have is refused with its code; playback goes on.
    const refused = await page.evaluate(() => new Promise((resolve) => {
      const media = (window as any).stratusClient.media;
      media.handle('media.select', { player: media.ids[0], cmd: 1000, kind: 'audio', id: 'a9', on: true }, (err: unknown) => resolve(err));
    }));
    expect(refused).to.have.property('code', 'STRATUS_MEDIA_UNKNOWN_TRACK');
    const t0 = (await devicePlayers(page))[0].currentTime;
    await until('playback to go on', async () => (await devicePlayers(page))[0].currentTime > t0 + 0.5, 15000);
  });

  it('A/V Control over shaka (DASH): getComponents, selectComponent and unselectComponent, with SelectedComponentChanged', async () => {
    await open('');
    await cloud(session, (url: string) => {
      const o = document.createElement('object') as any;
      o.type = 'application/dash+xml';
      o.data = url;
      o.id = 'av';
      o.style.cssText = 'position:absolute;left:0;top:0;width:1280px;height:720px';
      const w = window as any;
      w.selected = [];
      o.onSelectedComponentChanged = (type: number) => w.selected.push(type);
      document.body.appendChild(o);
      o.play(1);
    }, `${rig.origin.baseUrl}/vod/multi-dash/manifest.mpd`);
    const comps = await until('the components', () =>
      cloud(session, () => {
        const o = document.getElementById('av') as any;
        const read = (type: number | null) => {
          const c = o.getComponents(type);
          return Array.from({ length: c.length }, (_x, i) => c.item(i));
        };
        const audio = read(o.COMPONENT_TYPE_AUDIO);
        const subs = read(o.COMPONENT_TYPE_SUBTITLE);
        if (audio.length < 2 || subs.length < 2) return null;
        return { audio, subs, video: read(o.COMPONENT_TYPE_VIDEO), all: read(null).length, active: Array.from(o.getCurrentActiveComponents(1)).map((c: any) => c.language) };
      })
    , 30000);
    expect(comps.audio.map((c: any) => [c.type, c.language, c.audioDescription, c.audioChannels])).to.deep.equal(TRACKS.audio.map((a) => [1, a.language, false, 2]));
    expect(comps.subs.map((c: any) => [c.type, c.language, c.hearingImpaired])).to.deep.equal(TRACKS.text.map((t) => [2, t.language, false]));
    expect(comps.video).to.have.length(1);
    expect(comps.video[0].aspectRatio).to.be.closeTo(1.78, 0.01);
    expect(comps.all).to.equal(5);
    expect(comps.active).to.deep.equal(['eng']);
    const players = await devicePlayers(page);
    expect(players[0].engine).to.equal('shaka');

    // The German component, as the app got it from getComponents.
    await cloud(session, () => {
      const o = document.getElementById('av') as any;
      o.selectComponent(o.getComponents(1).item(1));
    });
    await until('SelectedComponentChanged(audio)', () => cloud(session, () => (window as any).selected.includes(1)));
    expect(await cloud(session, () => Array.from((document.getElementById('av') as any).getCurrentActiveComponents(1)).map((c: any) => c.language))).to.deep.equal(['deu']);
    await until('shaka on German', () => page.evaluate(() => {
      const media = (window as any).stratusClient.media;
      const a = media.player(media.ids[0]).shaka.getAudioTracks().filter((t: any) => t.active);
      return a.length === 1 && a[0].language === 'de';
    }), 15000);

    // selectComponent(type): the viewer's preferred subtitle language (configuration: eng).
    await cloud(session, () => (document.getElementById('av') as any).selectComponent(2));
    await until('English subtitles on the device', async () => {
      const s = await deviceSubtitles(page);
      return s.cue.startsWith(TRACKS.text[0].cue);
    }, 20000);
    await until('SelectedComponentChanged(subtitle)', () => cloud(session, () => (window as any).selected.includes(2)));
    await cloud(session, () => (document.getElementById('av') as any).unselectComponent(2));
    await until('no subtitles on the device', async () => (await deviceSubtitles(page)).cue === '', 15000);
    expect(await cloud(session, () => (document.getElementById('av') as any).getCurrentActiveComponents(2).length)).to.equal(0);
  });

  it('video/broadcast in the emulator: the channel\'s components; a terminal\'s own components are relayed and selected there', async () => {
    await open('');
    await cloud(session, () => (window as any).mediaApp.tune(1));
    const kinds = await until('the channel\'s components', () =>
      cloud(session, () => {
        const tv = document.getElementById('tv') as any;
        const c = tv.getComponents();
        return c.length >= 2 ? Array.from({ length: c.length }, (_x, i) => c.item(i).type) : null;
      })
    , 20000);
    expect(kinds).to.deep.equal([0, 1]);
    await page.close();
    await until('the session to end', () => rig.orch.sessions.size === 0);

    // A terminal: its video/broadcast object has components of its own (a recorder that selects at once).
    page = await rig.device.openTerminal(rig.orch, 'hbbtv-box', () => {
      const w = window as any;
      w.oipfObjectFactory = { isObjectSupported: (t: string) => t === 'video/broadcast' };
      const comps = [
        { type: 0, encoding: 'H264' },
        { type: 1, language: 'deu', audioDescription: false, audioChannels: 2, encoding: 'E-AC3' },
        { type: 1, language: 'eng', audioDescription: true, audioChannels: 2, encoding: 'E-AC3' },
        { type: 2, language: 'deu', hearingImpaired: true, encoding: 'DVB-SUBT' }
      ];
      w.active = [0, 1];
      w.selectCalls = [];
      const coll = (list: any[]) => Object.assign(list.slice(), { item: (i: number) => list[i] });
      const proto = HTMLObjectElement.prototype as any;
      proto.getChannelConfig = () => ({ channelList: { getChannelByTriplet: (onid: number, tsid: number, sid: number) => ({ onid, tsid, sid }) } });
      proto.setChannel = function (ch: any) {
        setTimeout(() => this.onChannelChangeSucceeded && this.onChannelChangeSucceeded(ch), 10);
      };
      proto.release = () => undefined;
      proto.getComponents = (type: number | null) => coll(comps.filter((c) => type === null || type === undefined || c.type === type));
      proto.getCurrentActiveComponents = (type: number | null) => coll(w.active.map((i: number) => comps[i]).filter((c: any) => type === null || c.type === type));
      proto.selectComponent = function (c: any) {
        w.selectCalls.push(['select', c.type, c.language]);
        w.active = w.active.filter((i: number) => comps[i].type !== c.type).concat([comps.indexOf(c)]);
        this.dispatchEvent(new Event('SelectedComponentChanged'));
      };
      proto.unselectComponent = function (c: any) {
        w.selectCalls.push(['unselect', c.type, c.language]);
        w.active = w.active.filter((i: number) => comps[i] !== c);
        this.dispatchEvent(new Event('SelectedComponentChanged'));
      };
    });
    session = await onlySession(rig.orch);
    await cloud(session, () => (window as any).mediaApp.tune(2));
    const terminal = await until('the terminal\'s components', () =>
      cloud(session, () => {
        const tv = document.getElementById('tv') as any;
        const c = tv.getComponents(null);
        return c.length === 4 ? Array.from({ length: 4 }, (_x, i) => c.item(i)) : null;
      })
    , 15000);
    expect(terminal.map((c: any) => [c.type, c.language ?? null, c.audioDescription ?? null, c.hearingImpaired ?? null, c.encoding])).to.deep.equal([
      [0, null, null, null, 'H264'],
      [1, 'deu', false, null, 'E-AC3'],
      [1, 'eng', true, null, 'E-AC3'],
      [2, 'deu', null, true, 'DVB-SUBT']
    ]);
    await cloud(session, () => {
      const tv = document.getElementById('tv') as any;
      tv.selectComponent(tv.getComponents(1).item(1));
      tv.selectComponent(tv.COMPONENT_TYPE_SUBTITLE);
    });
    await until('the terminal to have selected them', () => page.evaluate(() => (window as any).selectCalls.length === 2));
    expect(await page.evaluate(() => (window as any).selectCalls)).to.deep.equal([['select', 1, 'eng'], ['select', 2, 'deu']]);
    await until('the page to know', () => cloud(session, () => {
      const a = (document.getElementById('tv') as any).getCurrentActiveComponents(null);
      return Array.from({ length: a.length }, (_x, i) => `${a.item(i).type}:${a.item(i).language ?? ''}`).sort().join(' ') === '0: 1:eng 2:deu';
    }));
  });
});
