/**
 * HTMLMediaElement's own API (methods, getters, setters, canPlayType) answered by the element's
 * device player, and the native media events of the blocked in-page element kept from the app.
 */
import type { CanPlay } from './can-play';
import { define } from './define';
import { timeRanges } from './media-errors';
import { elementPlayer, ElementPlayer, nativeSrc } from './element-player';
import { audioTrackList, textTrackList } from './html-tracks';

const MEDIA = HTMLMediaElement.prototype;

function getter(name: string, fn: (p: ElementPlayer) => unknown, set?: (p: ElementPlayer, v: unknown) => void): void {
  define(MEDIA, name, {
    get(this: HTMLMediaElement) {
      return fn(elementPlayer(this));
    },
    set: set
      ? function (this: HTMLMediaElement, v: unknown) {
          set(elementPlayer(this), v);
        }
      : undefined
  });
}

export function installElementApi(canPlay: CanPlay): void {
  const nativeSrcObject = Object.getOwnPropertyDescriptor(MEDIA, 'srcObject');
  define(MEDIA, 'play', { value: function (this: HTMLMediaElement) { return elementPlayer(this).play(); }, writable: true });
  define(MEDIA, 'pause', { value: function (this: HTMLMediaElement) { elementPlayer(this).pause(); }, writable: true });
  define(MEDIA, 'load', { value: function (this: HTMLMediaElement) { elementPlayer(this).load(); }, writable: true });
  define(MEDIA, 'canPlayType', { value: (type: string) => canPlay.canPlayType(String(type)), writable: true });
  define(MEDIA, 'fastSeek', { value: function (this: HTMLMediaElement, t: number) { elementPlayer(this).seek(Number(t)); }, writable: true });
  define(MEDIA, 'src', {
    get(this: HTMLMediaElement) {
      return nativeSrc.get!.call(this);
    },
    set(this: HTMLMediaElement, v: string) {
      // The attribute keeps reflecting the URL; the native fetch it starts is blocked by the
      // orchestrator (media never decodes in the cloud), and the proxy loads on the device.
      nativeSrc.set!.call(this, v);
      elementPlayer(this).load();
    }
  });
  if (nativeSrcObject) {
    define(MEDIA, 'srcObject', {
      get(this: HTMLMediaElement) {
        return null;
      },
      set(this: HTMLMediaElement, v: unknown) {
        if (v !== null && v !== undefined) elementPlayer(this).failSource('srcObject (MediaSource, MediaStream) cannot play on the device');
      }
    });
  }
  getter('currentSrc', (p) => p.url);
  getter('currentTime', (p) => p.position(), (p, v) => p.seek(Number(v)));
  getter('duration', (p) => p.state.duration);
  getter('paused', (p) => p.state.paused);
  getter('ended', (p) => p.state.ended);
  getter('seeking', (p) => p.state.seeking);
  getter('readyState', (p) => p.state.readyState);
  getter('networkState', (p) => p.state.networkState);
  getter('error', (p) => p.error);
  getter('buffered', (p) => timeRanges(p.state.buffered));
  getter('seekable', (p) => timeRanges(p.state.seekable));
  getter('played', (p) => timeRanges(p.state.currentTime > 0 ? [[0, p.position()]] : []));
  getter(
    'volume',
    (p) => p.state.volume,
    (p, v) => {
      const n = Number(v);
      if (!(n >= 0 && n <= 1)) throw new DOMException(`The volume provided (${n}) is outside the range [0, 1].`, 'IndexSizeError');
      p.set('volume', n);
    }
  );
  getter('muted', (p) => p.state.muted, (p, v) => p.set('muted', Boolean(v)));
  getter('playbackRate', (p) => p.state.rate, (p, v) => p.set('rate', Number(v)));
  getter('audioTracks', (p) => audioTrackList(p));
  getter('textTracks', (p) => textTrackList(p));
  define(HTMLVideoElement.prototype, 'videoWidth', { get(this: HTMLVideoElement) { return elementPlayer(this).state.videoWidth; } });
  define(HTMLVideoElement.prototype, 'videoHeight', { get(this: HTMLVideoElement) { return elementPlayer(this).state.videoHeight; } });

  // Native media events (the blocked fetch's error, abort, emptied...) never reach the app: every
  // event it sees comes from the proxy.
  for (const type of NATIVE_EVENTS) {
    window.addEventListener(
      type,
      (ev) => {
        if (ev.isTrusted && (ev.target instanceof HTMLMediaElement || ev.target instanceof HTMLSourceElement)) ev.stopImmediatePropagation();
      },
      true
    );
  }
}

const NATIVE_EVENTS = [
  'loadstart', 'progress', 'suspend', 'abort', 'error', 'emptied', 'stalled', 'loadedmetadata', 'loadeddata', 'canplay',
  'canplaythrough', 'playing', 'waiting', 'seeking', 'seeked', 'ended', 'durationchange', 'timeupdate', 'play', 'pause',
  'ratechange', 'resize', 'volumechange', 'encrypted', 'waitingforkey'
];
