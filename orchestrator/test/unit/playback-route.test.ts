import { expect } from 'chai';
import { BASELINE_MEDIA_CAPABILITIES, check, TO_ORCHESTRATOR, MediaCapabilities } from '@stratus/protocol';
import { SourceInfo } from '@stratus/media-bridge';
import { mergeConfig } from '../../src/config';
import { mediaLack, playbackSupport } from '../../src/media/capabilities';
import { decide } from '../../src/media/playback-route';

const LEGACY: MediaCapabilities = { codecs: ['avc', 'aac'], containers: ['mp4', 'mp2t'], hls: 'native', dash: 'none', maxVideo: { width: 1280, height: 720 } };
const file = (container: string, codecs: string[], height = 720): SourceInfo => ({ format: 'file', container, variants: [{ url: 'http://o/x', codecs, width: (height * 16) / 9, height }] });

describe('the per-asset decision', () => {
  it('goes native only for codecs, container and size the device has', () => {
    expect(decide(file('mp4', ['avc', 'aac']), LEGACY)).to.deep.equal({ path: 'native' });
    expect(decide(file('mp4', ['hevc', 'aac']), LEGACY)).to.deep.include({ path: 'virtual', reason: 'the device does not decode hevc' });
    expect(decide(file('webm', ['vp9', 'opus']), LEGACY)).to.deep.include({ path: 'virtual', reason: 'the device does not play webm' });
    expect(decide(file('mp4', ['avc', 'aac'], 1080), LEGACY)).to.deep.include({ path: 'virtual', reason: "larger than the device's 1280x720" });
  });

  it('takes a stream native when any variant fits, and transcodes the best one otherwise', () => {
    const hls: SourceInfo = {
      format: 'hls',
      container: null,
      variants: [
        { url: 'http://o/1080.m3u8', codecs: ['hevc', 'aac'], width: 1920, height: 1080 },
        { url: 'http://o/720.m3u8', codecs: ['avc', 'aac'], width: 1280, height: 720 }
      ]
    };
    expect(decide(hls, LEGACY)).to.deep.equal({ path: 'native' });
    const hevcOnly = { ...hls, variants: [hls.variants[0]] };
    expect(decide(hevcOnly, LEGACY)).to.deep.include({ path: 'virtual', source: 'http://o/1080.m3u8' });
    expect(decide({ ...hls, format: 'dash' }, LEGACY)).to.deep.include({ path: 'virtual', reason: 'the device does not play dash' });
  });

  it('an emulated codec is native for the app but virtual for the route', () => {
    const modern: MediaCapabilities = { ...LEGACY, codecs: ['avc', 'hevc', 'aac'], emulated: ['hevc'] };
    expect(decide(file('mp4', ['hevc', 'aac']), modern)).to.deep.include({ path: 'virtual' });
    const s = playbackSupport(modern, true, 'virtually');
    expect(s.native).to.include('hevc');
    expect(s.virtual).to.not.include('hevc');
  });

  it('without a bridge nothing is virtual, and "maybe" can stand in for "virtually"', () => {
    const off = playbackSupport(LEGACY, false, 'virtually');
    expect(off.virtual).to.deep.equal([]);
    expect(off.types['video/webm']).to.equal(undefined);
    expect(off.types['video/mp4']).to.equal('native');
    const compat = playbackSupport(LEGACY, true, 'maybe');
    expect(compat.types['video/webm']).to.equal('virtual');
    expect(compat.virtualAnswer).to.equal('maybe');
  });
});

describe('capability reports and device profiles', () => {
  const hello = (media: unknown): string | null => check(TO_ORCHESTRATOR['session.hello'].params, { protocol: 1, screen: { width: 1280, height: 720 }, media });

  it('session.hello takes a well-formed report and refuses a malformed one', () => {
    expect(hello(BASELINE_MEDIA_CAPABILITIES)).to.equal(null);
    expect(hello({ ...LEGACY, profile: 'legacy', emulated: ['hevc'] })).to.equal(null);
    expect(hello({ ...LEGACY, codecs: ['h264'] })).to.match(/codecs\[0\] must be one of/);
    expect(hello({ ...LEGACY, hls: 'yes' })).to.match(/hls must be one of/);
    expect(hello({ ...LEGACY, maxVideo: { width: 100000, height: 720 } })).to.match(/maxVideo.width/);
    expect(hello({ ...LEGACY, extra: 1 })).to.match(/extra is not allowed/);
  });

  it('config checks device profiles and the emulator default', () => {
    expect(() => mergeConfig({ devices: { emulatorProfile: 'nope' } })).to.throw(/devices.emulatorProfile/);
    expect(() => mergeConfig({ devices: { profiles: '{"x":{"name":"X"}}' } })).to.throw(/devices.profiles.x/);
    expect(() => mergeConfig({ devices: { profiles: '{"host":{}}' } })).to.throw(/illegal profile id/);
    expect(() => mergeConfig({ bridge: { mode: 'remote' } })).to.throw(/bridge.url/);
    expect(() => mergeConfig({ media: { virtualAnswer: 'probably' } })).to.throw(/media.virtualAnswer/);
    const one = mergeConfig({
      devices: { emulatorProfile: 'box', profiles: JSON.stringify({ box: { ...LEGACY, name: 'Box', screen: { width: 1920, height: 1080 } } }) }
    });
    expect(Object.keys(one.devices.profiles)).to.deep.equal(['box']);
  });
});

describe('a pre-warmed session and the device that claims it', () => {
  const told: MediaCapabilities = { ...LEGACY, drm: ['urn:dvb:casystemid:19219'] };
  const lack = (device: MediaCapabilities, app = told): string | null => {
    const l = mediaLack(device, app);
    return l && `${l.virtual ? 'virtual' : 'refused'}: ${l.reason}`;
  };

  it('a device that plays all the app was told of, or more, lacks nothing', () => {
    expect(lack({ ...told, codecs: ['avc', 'aac', 'hevc'], containers: ['mp4', 'mp2t', 'webm'], dash: 'mse', maxVideo: { width: 1920, height: 1080 } })).to.equal(null);
    expect(lack({ ...told, hls: 'mse' }), 'another way to play hls').to.equal(null);
    expect(lack({ ...told, dash: 'mse' }, { ...told, dash: 'native' })).to.equal(null);
  });

  it('what a transcode makes up for is virtual; a DRM system is not, and comes first', () => {
    expect(lack({ ...told, codecs: ['avc'] })).to.equal('virtual: the device does not decode aac');
    expect(lack({ ...told, containers: ['mp4'] })).to.equal('virtual: the device does not play mp2t');
    expect(lack({ ...told, hls: 'none' })).to.equal('virtual: the device does not play hls');
    expect(lack(told, { ...told, dash: 'mse' })).to.equal('virtual: the device does not play dash');
    expect(lack({ ...told, maxVideo: { width: 1280, height: 540 } })).to.equal('virtual: the device shows video up to 1280x540, not 1280x720');
    expect(lack({ ...told, codecs: ['avc'], drm: [] })).to.equal('refused: the device has no urn:dvb:casystemid:19219 DRM agent');
  });
});
