/**
 * A <video> or <audio> element as a proxy of a device player: the HTML load algorithm, play(),
 * pause(), seeking and the state mirror that device events update, with the DOM events a browser
 * fires. element-api.ts puts it behind HTMLMediaElement's own properties.
 */
import type { MediaEventParams } from '@stratus/protocol';
import { mediaTypeOf } from '@stratus/protocol/page';
import { cloudError, fire, fireNow } from '../tasks';
import type { CanPlay } from './can-play';
import { decodeDuration, domError, mediaError, mediaErrorCode } from './media-errors';
import { Player } from './player';
import type { Failure } from './rpc';

/** The native src accessor: the attribute keeps reflecting the URL the app set. */
export const nativeSrc = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'src')!;

const elements = new WeakMap<HTMLMediaElement, ElementPlayer>();
let canPlay: CanPlay | null = null;

/** The answers <source type> is judged by; set once before any element is proxied. */
export function useCanPlay(c: CanPlay): void {
  canPlay = c;
}

/** The element's player, made on first use. */
export function elementPlayer(el: HTMLMediaElement): ElementPlayer {
  let p = elements.get(el);
  if (!p) {
    p = new ElementPlayer(el);
    elements.set(el, p);
  }
  return p;
}

/** The element's player if it has one, without making one. */
export function existingPlayer(el: HTMLMediaElement): ElementPlayer | undefined {
  return elements.get(el);
}

export class ElementPlayer extends Player {
  declare readonly el: HTMLMediaElement;
  error: MediaError | null = null;
  url = '';
  /** The source the proxy last loaded: src attribute and <source> children. */
  sourceKey = '';
  seekPending = false;
  /** HTML's "show poster flag": set by a load, cleared once playback starts or a seek ends. */
  showPoster = true;
  /**
   * The element has shown a picture of what it loaded. It keeps showing the last one while the
   * device seeks or rebuffers (readyState drops): a browser does not blank the video then, and a
   * looping preview would flash the app's background at every loop.
   */
  pictured = false;
  pendingPlays: Array<{ resolve: () => void; reject: (e: DOMException) => void }> = [];
  constructor(el: HTMLMediaElement) {
    super(el);
    this.state.muted = el.hasAttribute('muted');
  }
  override visual(): boolean {
    return this.el instanceof HTMLVideoElement;
  }
  /** A frame is there, and no poster stands in for it (HTML: a poster shows until playback starts). */
  override showsPicture(): boolean {
    if (this.state.readyState >= 2 && (!this.showPoster || !this.el.getAttribute('poster'))) this.pictured = true;
    return this.pictured;
  }
  /**
   * The resource the load algorithm would select. `empty` is a src attribute set to "" (how apps
   * unload a video): the URL it reflects is the document's own, and must never be fetched.
   */
  sources(): { key: string; url: string; type: string; empty?: boolean } {
    const el = this.el;
    if (el.hasAttribute('src')) {
      if (el.getAttribute('src') === '') return { key: 'src ""', url: '', type: '', empty: true };
      const url = nativeSrc.get!.call(el) as string;
      return { key: `src ${url}`, url, type: mediaTypeOf(url) };
    }
    const list = Array.prototype.filter.call(el.children, (c: Element) => c instanceof HTMLSourceElement) as HTMLSourceElement[];
    for (const s of list) {
      if (!s.hasAttribute('src')) continue;
      const type = s.type || mediaTypeOf(s.src);
      if (!s.type || canPlay!.canPlayType(s.type) !== '') return { key: `source ${s.src} ${type}`, url: s.src, type };
    }
    return { key: list.length ? `sources ${list.length}` : '', url: '', type: '' };
  }
  /** Runs the load algorithm if the source changed since the last one (attribute set, child added). */
  sync(): void {
    if (this.sources().key !== this.sourceKey) this.load();
  }
  /** The HTML media element load algorithm, with the device's player in place of the fetch. */
  load(): void {
    const src = this.sources();
    this.sourceKey = src.key;
    const s = this.state;
    const was = s.networkState;
    const position = this.position();
    this.rejectPlays(new DOMException('The play() request was interrupted by a new load request.', 'AbortError'));
    // As the spec's load algorithm: abort while loading or idle, emptied once anything was selected.
    if (was === 1 || was === 2) fire(this.el, 'abort');
    if (was !== 0) fire(this.el, 'emptied');
    this.release();
    this.showPoster = true;
    this.pictured = false;
    Object.assign(s, { currentTime: 0, duration: NaN, ended: false, seeking: false, readyState: 0, buffered: [], seekable: [], videoWidth: 0, videoHeight: 0 });
    this.at = performance.now();
    this.error = null;
    if (!s.paused) s.paused = true;
    if (was !== 0 && position !== 0) fire(this.el, 'timeupdate');
    this.url = src.url;
    if (src.empty) {
      // Chromium's own answer to src="": a MediaError and no fetch, nothing for the cloud to report.
      this.failWith(4, 'MEDIA_ELEMENT_ERROR: Empty src attribute');
      return;
    }
    if (!src.url) {
      s.networkState = src.key ? 3 : 0;
      return;
    }
    if (!/^https?:/i.test(src.url)) {
      // MSE (blob:), data: and streams exist only in this page: the device cannot fetch them.
      this.failSource(`${src.url.slice(0, 60)}: only http(s) sources play on the device`);
      return;
    }
    s.networkState = 2;
    fire(this.el, 'loadstart');
    this.loaded = true;
    const autoplay = this.el.autoplay;
    this.command('load', {
      kind: this.visual() ? 'video' : 'audio',
      url: src.url,
      type: src.type,
      autoplay,
      muted: s.muted,
      volume: s.volume,
      rate: s.rate,
      loop: this.el.loop
    }).catch((f: Failure) => this.failLoad(f));
    if (autoplay) {
      s.paused = false;
      fire(this.el, 'play');
    }
    this.updateWindow();
  }
  /** The dedicated media source failure steps: a MediaError, no source, the error event. */
  failWith(code: number, message: string): void {
    this.state.networkState = 3;
    this.error = mediaError(code, message);
    fire(this.el, 'error');
    this.rejectPlays(new DOMException(message, 'NotSupportedError'));
  }
  failSource(message: string): void {
    this.failWith(4, message);
    cloudError('STRATUS_MEDIA_SOURCE_UNSUPPORTED', message);
  }
  /**
   * The element left the document and was not put back in the same task: it is garbage to the
   * app, or parked. Its device player goes; put back, it loads its source again.
   */
  detach(): void {
    if (!this.loaded) return;
    this.release();
    this.sourceKey = '';
  }
  failLoad(f: Failure): void {
    if (!this.loaded) return;
    this.state.networkState = 3;
    this.error = mediaError(mediaErrorCode(f.code), `${f.code}: ${f.message}`);
    fire(this.el, 'error');
    cloudError(f.code, f.message);
    this.rejectPlays(domError(f));
  }
  rejectPlays(e: DOMException): void {
    const list = this.pendingPlays.splice(0);
    for (const p of list) p.reject(e);
  }
  play(): Promise<void> {
    this.sync();
    const s = this.state;
    if (this.error && this.error.code === 4) return Promise.reject(new DOMException(this.error.message, 'NotSupportedError'));
    if (!this.loaded) return Promise.reject(new DOMException('The element has no supported sources.', 'NotSupportedError'));
    if (s.ended) {
      s.ended = false;
      this.seek(0);
    }
    if (s.paused) {
      s.paused = false;
      this.at = performance.now();
      fire(this.el, 'play');
    }
    return new Promise<void>((resolve, reject) => {
      const entry = { resolve, reject };
      this.pendingPlays.push(entry);
      const settle = (): boolean => {
        const i = this.pendingPlays.indexOf(entry);
        if (i < 0) return false;
        this.pendingPlays.splice(i, 1);
        return true;
      };
      this.command('play').then(
        () => settle() && resolve(),
        (f: Failure) => {
          if (!settle()) return;
          const e = domError(f);
          if (e.name !== 'AbortError' && !s.paused) {
            s.paused = true;
            fire(this.el, 'pause');
          }
          reject(e);
        }
      );
    });
  }
  pause(): void {
    this.sync();
    const s = this.state;
    if (!s.paused) {
      s.currentTime = this.position();
      this.at = performance.now();
      s.paused = true;
      fire(this.el, 'timeupdate');
      fire(this.el, 'pause');
      this.rejectPlays(new DOMException('The play() request was interrupted by a call to pause().', 'AbortError'));
    }
    if (this.loaded) this.send('pause');
  }
  seek(t: number): void {
    if (!(t === t)) throw new TypeError('The provided double value is non-finite.');
    const s = this.state;
    const time = Math.max(0, t);
    if (!this.loaded) {
      s.currentTime = time;
      return;
    }
    s.currentTime = time;
    this.at = performance.now();
    s.ended = false;
    if (s.readyState > 0) {
      s.seeking = true;
      this.seekPending = true;
      fire(this.el, 'seeking');
    }
    this.send('seek', { time });
  }
  set(prop: 'volume' | 'muted' | 'rate', value: number | boolean): void {
    const s = this.state as unknown as Record<string, number | boolean>;
    if (s[prop] === value) return;
    s[prop] = value;
    if (prop === 'rate') {
      this.state.currentTime = this.position();
      this.at = performance.now();
    }
    fire(this.el, prop === 'rate' ? 'ratechange' : 'volumechange');
    if (this.loaded) this.send('set', { [prop]: value });
  }
  onDevice(e: MediaEventParams): void {
    if (!this.ofCurrentLoad(e)) return;
    const s = this.state;
    const d = e.state;
    const caughtUp = this.caughtUp(e);
    const was = { paused: s.paused, volume: s.volume, muted: s.muted, rate: s.rate, seeking: s.seeking };
    s.readyState = d.readyState;
    s.networkState = d.networkState;
    s.duration = decodeDuration(d.duration);
    s.buffered = d.buffered;
    s.seekable = d.seekable;
    s.videoWidth = d.videoWidth;
    s.videoHeight = d.videoHeight;
    if (caughtUp) {
      // The device has done everything the app asked: its word is the truth now.
      s.paused = d.paused;
      s.ended = d.ended;
      s.volume = d.volume;
      s.muted = d.muted;
      s.rate = d.rate;
      s.seeking = d.seeking;
      if (!d.seeking) this.seekPending = false;
    }
    if (caughtUp || (!this.seekPending && d.paused === s.paused)) {
      s.currentTime = d.currentTime;
      this.at = performance.now();
    }
    switch (e.type) {
      case 'play':
      case 'pause':
        if (caughtUp && s.paused !== was.paused) fireNow(this.el, s.paused ? 'pause' : 'play');
        return;
      case 'seeking':
        if (caughtUp && !was.seeking) fireNow(this.el, 'seeking');
        return;
      case 'volumechange':
        if (caughtUp && (s.volume !== was.volume || s.muted !== was.muted)) fireNow(this.el, 'volumechange');
        return;
      case 'ratechange':
        if (caughtUp && s.rate !== was.rate) fireNow(this.el, 'ratechange');
        return;
      case 'seeked':
        if (!caughtUp) return;
        this.showPoster = false;
        fireNow(this.el, 'timeupdate');
        fireNow(this.el, 'seeked');
        return;
      case 'loadstart':
        return;
      case 'error': {
        const code = e.error && e.error.code >= 1 && e.error.code <= 4 ? e.error.code : 4;
        this.error = mediaError(code, (e.error && e.error.message) || 'media error on the device');
        s.networkState = code === 4 ? 3 : s.networkState;
        fireNow(this.el, 'error');
        this.rejectPlays(new DOMException(this.error.message, code === 4 ? 'NotSupportedError' : 'AbortError'));
        return;
      }
      case 'ended':
        if (!caughtUp) return;
        if (!s.paused) {
          s.paused = true;
          fireNow(this.el, 'pause');
        }
        fireNow(this.el, 'ended');
        return;
      case 'playing':
        this.showPoster = false;
        fireNow(this.el, e.type);
        return;
      default:
        fireNow(this.el, e.type);
    }
  }
}
