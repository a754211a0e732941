import { expect } from 'chai';
import { check, MEDIA_METHODS, mediaTypeOf } from '@stratus/protocol';
import { livePlaylist } from '../../src/dev/media-origin';

describe('looping live playlists of the media fixtures', () => {
  const at = (s: number): string => livePlaylist(s * 1000, 0, 6, 2);

  it('starts with a window of three segments and slides one segment per segment duration', () => {
    expect(at(0)).to.include('#EXT-X-MEDIA-SEQUENCE:0').and.include('seg0.ts').and.include('seg2.ts').and.not.include('seg3.ts');
    expect(at(2.5)).to.include('#EXT-X-MEDIA-SEQUENCE:1').and.include('seg3.ts').and.not.include('seg0.ts');
    expect(at(0)).to.not.include('#EXT-X-ENDLIST');
  });

  it('marks each wrap of the loop as a discontinuity and counts the ones that left the window', () => {
    // Segments 4, 5, 6 (= seg0 again): a discontinuity before the wrapped one.
    const p = at(8);
    expect(p).to.include('#EXT-X-MEDIA-SEQUENCE:4');
    expect(p).to.match(/seg5\.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2\.000,\nseg0\.ts/);
    expect(p).to.include('#EXT-X-DISCONTINUITY-SEQUENCE:0');
    // Window 7..9: the tag before segment 6 has left it.
    expect(at(14)).to.include('#EXT-X-MEDIA-SEQUENCE:7').and.include('#EXT-X-DISCONTINUITY-SEQUENCE:1');
  });
});

describe('media request schemas', () => {
  it('accept what the proxy sends and refuse bad values', () => {
    const load = { player: '3.m1', cmd: 1, kind: 'video', url: 'http://o/x.m3u8', muted: false, volume: 1, rate: 1 };
    expect(check(MEDIA_METHODS['media.load'], load)).to.equal(null);
    expect(check(MEDIA_METHODS['media.load'], { ...load, url: 'blob:http://o/1' })).to.match(/url has an illegal format/);
    expect(check(MEDIA_METHODS['media.load'], { ...load, volume: 2 })).to.match(/volume must be within/);
    expect(check(MEDIA_METHODS['media.seek'], { player: '3.m1', cmd: 2, time: -1 })).to.match(/time must be within/);
    expect(check(MEDIA_METHODS['media.window'], { player: '3.m1', cmd: 2, rect: { x: 0, y: 0, width: 10, height: 10 }, visible: 'yes' })).to.match(/visible must be a boolean/);
  });

  it('infer a type from the URL when the app gives none', () => {
    expect(mediaTypeOf('http://o/a/index.m3u8?x=1')).to.equal('application/vnd.apple.mpegurl');
    expect(mediaTypeOf('http://o/a/manifest.mpd#t=3')).to.equal('application/dash+xml');
    expect(mediaTypeOf('http://o/a.mp4')).to.equal('video/mp4');
    expect(mediaTypeOf('http://o/a')).to.equal('');
  });
});
