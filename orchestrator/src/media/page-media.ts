/**
 * The media proxy's page half. `installMediaProxy` runs in every document of a session before
 * the app's code (it is serialized with Function.prototype.toString, so it must not use anything
 * from this module's scope). It makes media elements, HbbTV A/V Control objects and the
 * video/broadcast object proxies of a player on the device:
 *
 * - calls become requests through a CDP binding, which the orchestrator forwards as media.*;
 * - device events come back through `inbox.event` and update a state mirror, so getters answer at
 *   once (currentTime is extrapolated between reports), and the DOM events fire as a browser would;
 * - the element's layout box is tracked and sent as the device's video window;
 * - MediaSource is hidden, so MSE player libraries fall back to src playback the proxy can forward.
 *
 * docs/media.md describes the behaviour; orchestrator/test/e2e/media*.test.ts check it.
 */

import { mediaTypeOf, MediaEventParams, MediaState } from '@stratus/protocol';
import type { PlaybackSupport } from './capabilities';

export interface ShimChannel {
  ccid: string;
  lcn: number;
  name: string;
  onid: number;
  tsid: number;
  sid: number;
}

export interface MediaShimConfig {
  /** Name of the CDP binding the page calls; removed from window before the app runs. */
  binding: string;
  /** Name of the hidden global through which the orchestrator answers and reports events. */
  inbox: string;
  channels: ShimChannel[];
  /** What the device plays natively and what only through the media-bridge (capabilities.ts). */
  support: PlaybackSupport;
}

export function installMediaProxy(cfg: MediaShimConfig, typeOf: (url: string) => string): void {
  const w = window as unknown as Record<string, unknown>;
  const binding = w[cfg.binding] as ((payload: string) => void) | undefined;
  if (typeof binding !== 'function') return;
  delete w[cfg.binding];

  // ---- calls to the orchestrator -------------------------------------------------------------
  interface Failure {
    code: string;
    message: string;
  }
  let nextCall = 1;
  const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Failure) => void }>();
  function call(player: string, method: string, params: object): Promise<unknown> {
    const id = nextCall++;
    return new Promise((resolve, reject) => {
      calls.set(id, { resolve, reject });
      binding!(JSON.stringify({ id, player, method, params }));
    });
  }
  const queued: Array<() => void> = [];
  /** Events fire from a task, as the HTML spec queues them, never inside the app's own call. */
  function queueTask(fn: () => void): void {
    queued.push(fn);
    if (queued.length === 1) {
      setTimeout(() => {
        const run = queued.splice(0, queued.length);
        for (const f of run) f();
      }, 0);
    }
  }
  function fireNow(target: EventTarget, type: string, props?: Record<string, unknown>): void {
    const ev = new Event(type);
    if (props) for (const k of Object.keys(props)) Object.defineProperty(ev, k, { value: props[k] });
    target.dispatchEvent(ev);
  }
  function fire(target: EventTarget, type: string, props?: Record<string, unknown>): void {
    queueTask(() => fireNow(target, type, props));
  }
  /**
   * An HbbTV intrinsic event: the object's on<Name> handler with its arguments, then the DOM event
   * of the same name, from a task as terminals deliver them. The handler is read when the task
   * runs, so one the app sets right after its call still hears of it.
   */
  function announce(el: HTMLElement, handler: () => unknown, type: string, args: unknown[], props: Record<string, unknown>): void {
    queueTask(() => {
      const fn = handler();
      if (typeof fn === 'function') fn.apply(el, args);
      fireNow(el, type, props);
    });
  }
  /** A cloud-browser error on window, as the orchestrator raises it (see page-shim.ts). */
  function cloudError(code: string, message: string): void {
    const e = new Error(message) as Error & Record<string, unknown>;
    e.name = 'StratusError';
    e.code = code;
    e.type = 'cloudbrowser';
    e.source = 'media';
    queueTask(() => window.dispatchEvent(new ErrorEvent('error', { message, error: e, cancelable: true })));
  }
  function domError(f: Failure): DOMException {
    const m = /^(NotAllowedError|NotSupportedError|AbortError):/.exec(f.message);
    if (m) return new DOMException(f.message, m[1]);
    if (f.code === 'STRATUS_MEDIA_SOURCE_UNSUPPORTED' || mediaErrorCode(f.code) === 4) return new DOMException(`${f.code}: ${f.message}`, 'NotSupportedError');
    return new DOMException(`${f.code}: ${f.message}`, 'AbortError');
  }

  // ---- state mirror ------------------------------------------------------------------------------
  // Types only (erased): the wire's own state and event shapes.
  type DeviceState = MediaState;
  type DeviceEvent = MediaEventParams;
  function decodeDuration(d: number): number {
    return d === -1 ? NaN : d === -2 ? Infinity : d;
  }
  function timeRanges(list: number[][]): TimeRanges {
    const ranges = list.slice();
    const check = (i: number): number[] => {
      if (!(i >= 0 && i < ranges.length)) throw new DOMException(`index ${i} is out of range`, 'IndexSizeError');
      return ranges[i];
    };
    return Object.create(TimeRanges.prototype, {
      length: { value: ranges.length },
      start: { value: (i: number) => check(i)[0] },
      end: { value: (i: number) => check(i)[1] }
    }) as TimeRanges;
  }
  function mediaError(code: number, message: string): MediaError {
    return Object.create(MediaError.prototype, { code: { value: code }, message: { value: message } }) as MediaError;
  }
  /** The MediaError code a refused load becomes: the source cannot play (4), a fetch (2), a decode (3). */
  function mediaErrorCode(code: string): number {
    if (/^STRATUS_(MEDIA_UNSUPPORTED|MEDIA_NOT_MEDIA|MEDIA_SOURCE_FORBIDDEN|MEDIA_VIRTUAL_OFF)$/.test(code)) return 4;
    return code === 'STRATUS_BRIDGE_FAILED' ? 3 : 2;
  }
  function baseType(type: string): string {
    return type.split(';')[0].trim().toLowerCase();
  }
  const support = cfg.support;
  function codecName(rfc6381: string): string | null {
    for (const name of Object.keys(support.prefixes)) {
      if (support.prefixes[name].some((p) => rfc6381 === p || rfc6381.startsWith(p + '.'))) return name;
    }
    return null;
  }
  /** How the device would get a type: natively, through the media-bridge, or not at all. */
  function route(type: string): 'native' | 'virtual' | '' {
    const how = support.types[baseType(type)];
    if (!how) return '';
    const codecs = /codecs\s*=\s*"?([^";]*)"?/i.exec(type);
    if (!codecs) return how;
    const list = codecs[1].split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
    let result: 'native' | 'virtual' = how;
    for (const c of list) {
      const name = codecName(c);
      if (name && support.native.includes(name)) continue;
      if (name && support.virtual.includes(name)) result = 'virtual';
      else return '';
    }
    return result;
  }
  function canPlay(type: string): CanPlayTypeResult {
    const how = route(type);
    if (how === 'virtual') return support.virtualAnswer as CanPlayTypeResult;
    if (how === '') return '';
    return /codecs\s*=/i.test(type) ? 'probably' : 'maybe';
  }

  let nextPlayer = 1;
  const players = new Map<string, Player>();

  /** What every proxied thing shares: an id, a command counter and the device's last state. */
  abstract class Player {
    readonly id = `m${nextPlayer++}`;
    cmd = 0;
    loaded = false;
    state: DeviceState = {
      currentTime: 0,
      duration: NaN,
      paused: true,
      ended: false,
      seeking: false,
      readyState: 0,
      networkState: 0,
      volume: 1,
      muted: false,
      rate: 1,
      buffered: [],
      seekable: [],
      videoWidth: 0,
      videoHeight: 0
    };
    /** performance.now() when state.currentTime was last reported. */
    at = performance.now();
    lastWindow = '';
    constructor(readonly el: HTMLElement) {
      players.set(this.id, this);
      scheduleWindows();
    }
    command(method: string, params: object = {}): Promise<unknown> {
      this.cmd++;
      return call(this.id, method, { ...params, cmd: this.cmd });
    }
    /** Fire and forget: a failure is reported through events, or does not matter. */
    send(method: string, params: object = {}): void {
      this.command(method, params).catch(() => undefined);
    }
    /** Position now, extrapolated from the last report while playing. */
    position(): number {
      const s = this.state;
      if (s.paused || s.seeking || s.ended || s.readyState < 3) return s.currentTime;
      const t = s.currentTime + ((performance.now() - this.at) / 1000) * s.rate;
      return s.duration === s.duration && s.duration !== Infinity ? Math.min(t, s.duration) : t;
    }
    visual(): boolean {
      return true;
    }
    /** The video window in CSS pixels of the top-level viewport, or null when nothing shows. */
    windowRect(): { x: number; y: number; width: number; height: number; visible: boolean } {
      const el = this.el;
      if (!el.isConnected) return { x: 0, y: 0, width: 0, height: 0, visible: false };
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      let x = r.left;
      let y = r.top;
      let win: Window = window;
      try {
        // A player in a same-origin iframe: add the frames' offsets. Cross-origin stays frame-relative.
        while (win !== win.parent && win.frameElement) {
          const fr = win.frameElement.getBoundingClientRect();
          x += fr.left;
          y += fr.top;
          win = win.parent;
        }
      } catch {
        /* cross-origin parent */
      }
      const visible = cs.display !== 'none' && cs.visibility !== 'hidden' && cs.opacity !== '0' && r.width > 0 && r.height > 0;
      return { x, y, width: r.width, height: r.height, visible };
    }
    updateWindow(): void {
      if (!this.loaded || !this.visual()) return;
      const r = this.windowRect();
      const key = `${r.x},${r.y},${r.width},${r.height},${r.visible}`;
      if (key === this.lastWindow) return;
      this.lastWindow = key;
      this.send('window', { rect: { x: r.x, y: r.y, width: r.width, height: r.height }, visible: r.visible });
    }
    release(): void {
      if (this.loaded) this.send('release');
      this.loaded = false;
      this.lastWindow = '';
    }
    abstract onDevice(e: DeviceEvent): void;
  }

  // ---- <video> and <audio> ---------------------------------------------------------------------
  const MEDIA = HTMLMediaElement.prototype;
  const nativeSrc = Object.getOwnPropertyDescriptor(MEDIA, 'src')!;
  const nativeSrcObject = Object.getOwnPropertyDescriptor(MEDIA, 'srcObject');
  const elements = new WeakMap<HTMLMediaElement, ElementPlayer>();

  class ElementPlayer extends Player {
    declare readonly el: HTMLMediaElement;
    error: MediaError | null = null;
    url = '';
    /** The source the proxy last loaded: src attribute and <source> children. */
    sourceKey = '';
    seekPending = false;
    pendingPlays: Array<{ resolve: () => void; reject: (e: DOMException) => void }> = [];
    constructor(el: HTMLMediaElement) {
      super(el);
      this.state.muted = el.hasAttribute('muted');
    }
    override visual(): boolean {
      return this.el instanceof HTMLVideoElement;
    }
    sources(): { key: string; url: string; type: string } {
      const el = this.el;
      if (el.hasAttribute('src')) {
        const url = nativeSrc.get!.call(el) as string;
        return { key: `src ${url}`, url, type: typeOf(url) };
      }
      const list = Array.prototype.filter.call(el.children, (c: Element) => c instanceof HTMLSourceElement) as HTMLSourceElement[];
      for (const s of list) {
        if (!s.hasAttribute('src')) continue;
        const type = s.type || typeOf(s.src);
        if (!s.type || canPlay(s.type) !== '') return { key: `source ${s.src} ${type}`, url: s.src, type };
      }
      return { key: list.length ? `sources ${list.length}` : '', url: '', type: '' };
    }
    /** Runs the load algorithm if the source changed since the last one (attribute set, child added). */
    sync(): void {
      if (this.sources().key !== this.sourceKey) this.load();
    }
    load(): void {
      const src = this.sources();
      this.sourceKey = src.key;
      const s = this.state;
      const hadSource = s.networkState !== 0;
      this.rejectPlays(new DOMException('The play() request was interrupted by a new load request.', 'AbortError'));
      if (hadSource) fire(this.el, 'emptied');
      if (this.loaded) this.send('release');
      this.loaded = false;
      this.lastWindow = '';
      Object.assign(s, { currentTime: 0, duration: NaN, ended: false, seeking: false, readyState: 0, buffered: [], seekable: [], videoWidth: 0, videoHeight: 0 });
      this.at = performance.now();
      this.error = null;
      if (!s.paused) s.paused = true;
      this.url = src.url;
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
    failSource(message: string): void {
      this.state.networkState = 3;
      this.error = mediaError(4, message);
      fire(this.el, 'error');
      cloudError('STRATUS_MEDIA_SOURCE_UNSUPPORTED', message);
      this.rejectPlays(new DOMException(message, 'NotSupportedError'));
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
    onDevice(e: DeviceEvent): void {
      const s = this.state;
      const d = e.state;
      const caughtUp = e.cmd >= this.cmd;
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
        default:
          fireNow(this.el, e.type);
      }
    }
  }

  function media(el: HTMLMediaElement): ElementPlayer {
    let p = elements.get(el);
    if (!p) {
      p = new ElementPlayer(el);
      elements.set(el, p);
    }
    return p;
  }

  function define(proto: object, name: string, desc: PropertyDescriptor): void {
    Object.defineProperty(proto, name, { configurable: true, enumerable: true, ...desc });
  }
  function getter(name: string, fn: (p: ElementPlayer) => unknown, set?: (p: ElementPlayer, v: unknown) => void): void {
    define(MEDIA, name, {
      get(this: HTMLMediaElement) {
        return fn(media(this));
      },
      set: set
        ? function (this: HTMLMediaElement, v: unknown) {
            set(media(this), v);
          }
        : undefined
    });
  }
  define(MEDIA, 'play', { value: function (this: HTMLMediaElement) { return media(this).play(); }, writable: true });
  define(MEDIA, 'pause', { value: function (this: HTMLMediaElement) { media(this).pause(); }, writable: true });
  define(MEDIA, 'load', { value: function (this: HTMLMediaElement) { media(this).load(); }, writable: true });
  define(MEDIA, 'canPlayType', { value: (type: string) => canPlay(String(type)), writable: true });
  define(MEDIA, 'fastSeek', { value: function (this: HTMLMediaElement, t: number) { media(this).seek(Number(t)); }, writable: true });
  define(MEDIA, 'src', {
    get(this: HTMLMediaElement) {
      return nativeSrc.get!.call(this);
    },
    set(this: HTMLMediaElement, v: string) {
      // The attribute keeps reflecting the URL; the native fetch it starts is blocked by the
      // orchestrator (media never decodes in the cloud), and the proxy loads on the device.
      nativeSrc.set!.call(this, v);
      media(this).load();
    }
  });
  if (nativeSrcObject) {
    define(MEDIA, 'srcObject', {
      get(this: HTMLMediaElement) {
        return null;
      },
      set(this: HTMLMediaElement, v: unknown) {
        if (v !== null && v !== undefined) media(this).failSource('srcObject (MediaSource, MediaStream) cannot play on the device');
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
  define(HTMLVideoElement.prototype, 'videoWidth', { get(this: HTMLVideoElement) { return media(this).state.videoWidth; } });
  define(HTMLVideoElement.prototype, 'videoHeight', { get(this: HTMLVideoElement) { return media(this).state.videoHeight; } });

  // Native media events (the blocked fetch's error, abort, emptied...) never reach the app: every
  // event it sees comes from the proxy.
  const NATIVE_EVENTS = [
    'loadstart', 'progress', 'suspend', 'abort', 'error', 'emptied', 'stalled', 'loadedmetadata', 'loadeddata', 'canplay',
    'canplaythrough', 'playing', 'waiting', 'seeking', 'seeked', 'ended', 'durationchange', 'timeupdate', 'play', 'pause',
    'ratechange', 'resize', 'volumechange', 'encrypted', 'waitingforkey'
  ];
  for (const type of NATIVE_EVENTS) {
    window.addEventListener(
      type,
      (ev) => {
        if (ev.isTrusted && (ev.target instanceof HTMLMediaElement || ev.target instanceof HTMLSourceElement)) ev.stopImmediatePropagation();
      },
      true
    );
  }

  // MSE stays hidden: hls.js, shaka and dash.js then see no MediaSource and fall back to src
  // playback, which the proxy forwards. docs/media.md explains the choice.
  for (const name of ['MediaSource', 'ManagedMediaSource', 'WebKitMediaSource', 'SourceBuffer', 'SourceBufferList']) {
    try {
      delete w[name];
    } catch {
      /* not configurable: leave it */
    }
  }

  // ---- HbbTV A/V Control object ------------------------------------------------------------------
  const AV_TYPES = ['video/mp4', 'video/mpeg', 'video/mpeg4', 'video/mp2t', 'audio/mp4', 'audio/mpeg', 'application/dash+xml', 'application/vnd.apple.mpegurl'];
  const OBJECT = HTMLObjectElement.prototype;
  const nativeData = Object.getOwnPropertyDescriptor(OBJECT, 'data')!;
  const objects = new WeakMap<HTMLObjectElement, Player>();
  /** MediaError code to A/V Control error: 0 format, 1 connection, 2 unidentified, 4 corrupt. */
  const AV_ERROR: Record<number, number> = { 1: 2, 2: 1, 3: 4, 4: 0 };

  function objType(el: HTMLObjectElement): string {
    return baseType(el.getAttribute('type') || '');
  }

  class AvPlayer extends Player {
    declare readonly el: HTMLObjectElement;
    data = '';
    playState = 0;
    error: number | undefined = undefined;
    speed = 0;
    onPlayStateChange: unknown = null;
    setState(next: number, error?: number): void {
      if (next === this.playState) return;
      this.playState = next;
      this.error = next === 6 ? error : undefined;
      if (next !== 1) this.speed = next === 0 || next === 5 || next === 6 ? 0 : this.speed;
      announce(this.el, () => this.onPlayStateChange, 'PlayStateChange', [next], { state: next, playState: next, error });
    }
    play(speed: number): boolean {
      const sp = speed === undefined ? 1 : Number(speed);
      if (sp === 0) {
        if (this.playState === 1 || this.playState === 3 || this.playState === 4) {
          this.send('pause');
          this.setState(2);
        }
        return true;
      }
      if (sp < 0) return false;
      if (!this.data) return false;
      this.speed = sp;
      if (this.playState === 0 || this.playState === 5 || this.playState === 6 || !this.loaded) {
        this.loaded = true;
        this.lastWindow = '';
        this.setState(3);
        this.command('load', {
          kind: 'avcontrol',
          url: this.data,
          type: objType(this.el),
          autoplay: true,
          muted: false,
          volume: 1,
          rate: sp
        }).catch((f: Failure) => {
          // OIPF A/V Control error: 0 format not supported, 1 cannot connect, 2 unidentified.
          const code = mediaErrorCode(f.code);
          this.setState(6, code === 4 ? 0 : code === 2 ? 1 : 2);
          cloudError(f.code, f.message);
        });
        this.updateWindow();
        return true;
      }
      this.send('set', { rate: sp });
      if (this.playState === 2) this.send('play');
      return true;
    }
    stop(): boolean {
      if (this.playState === 0) return true;
      this.send('stop');
      this.state.currentTime = 0;
      this.state.paused = true;
      this.loaded = false;
      this.setState(0);
      return true;
    }
    seek(ms: number): boolean {
      if (this.playState !== 1 && this.playState !== 2 && this.playState !== 4) return false;
      this.state.currentTime = Math.max(0, Number(ms) / 1000);
      this.at = performance.now();
      this.send('seek', { time: this.state.currentTime });
      return true;
    }
    onDevice(e: DeviceEvent): void {
      const s = this.state;
      const caughtUp = e.cmd >= this.cmd;
      s.duration = decodeDuration(e.state.duration);
      s.readyState = e.state.readyState;
      if (caughtUp) {
        s.currentTime = e.state.currentTime;
        s.paused = e.state.paused;
        s.seeking = e.state.seeking;
        s.rate = e.state.rate;
        this.at = performance.now();
      }
      if (!this.loaded && e.type !== 'error') return;
      switch (e.type) {
        case 'playing':
          if (caughtUp) this.setState(1);
          return;
        case 'waiting':
          if (this.playState === 1) this.setState(4);
          return;
        case 'pause':
          if (caughtUp && (this.playState === 1 || this.playState === 4) && !e.state.ended) this.setState(2);
          return;
        case 'ended':
          this.setState(5);
          return;
        case 'error':
          this.setState(6, AV_ERROR[e.error ? e.error.code : 4] ?? 2);
          return;
      }
    }
  }

  class BroadcastPlayer extends Player {
    declare readonly el: HTMLObjectElement;
    playState = 0;
    current: ShimChannel | null = null;
    pending: ShimChannel | null = null;
    volume = 100;
    onPlayStateChange: unknown = null;
    onChannelChangeSucceeded: unknown = null;
    onChannelChangeError: unknown = null;
    setState(next: number, error?: number): void {
      if (next === this.playState) return;
      this.playState = next;
      announce(this.el, () => this.onPlayStateChange, 'PlayStateChange', [next, error], { state: next, playState: next, error });
    }
    tune(ch: ShimChannel): void {
      this.pending = ch;
      this.loaded = true;
      this.setState(1);
      this.command('tune', { ccid: ch.ccid }).catch((f: Failure) => this.tuneFailed(ch, f.code === 'STRATUS_UNKNOWN_CHANNEL' ? 5 : 100));
      this.updateWindow();
    }
    tuneFailed(ch: ShimChannel, state: number): void {
      if (this.pending !== ch) return;
      this.pending = null;
      announce(this.el, () => this.onChannelChangeError, 'ChannelChangeError', [channelObject(ch), state], { channel: channelObject(ch), errorState: state });
      this.setState(0, state);
    }
    onDevice(e: DeviceEvent): void {
      const ch = this.pending;
      if (e.type === 'tuned' && ch && e.cmd >= this.cmd) {
        this.pending = null;
        this.current = ch;
        this.setState(2);
        announce(this.el, () => this.onChannelChangeSucceeded, 'ChannelChangeSucceeded', [channelObject(ch)], { channel: channelObject(ch) });
      } else if (e.type === 'tuneerror' && ch) {
        this.tuneFailed(ch, e.error ? e.error.code : 100);
      }
    }
  }

  const channelObjects = new Map<string, object>();
  function channelObject(ch: ShimChannel): object {
    let o = channelObjects.get(ch.ccid);
    if (!o) {
      o = Object.freeze({
        ccid: ch.ccid,
        name: ch.name,
        majorChannel: ch.lcn,
        lcn: ch.lcn,
        onid: ch.onid,
        tsid: ch.tsid,
        sid: ch.sid,
        idType: 12,
        channelType: 0
      });
      channelObjects.set(ch.ccid, o);
    }
    return o;
  }
  function lineupEntry(ch: unknown): ShimChannel | null {
    if (!ch || typeof ch !== 'object') return null;
    const c = ch as Partial<ShimChannel>;
    return (
      cfg.channels.find((x) => x.ccid === c.ccid) ??
      cfg.channels.find((x) => x.onid === c.onid && x.tsid === c.tsid && x.sid === c.sid) ??
      null
    );
  }
  const channelList = Object.freeze(
    Object.assign(cfg.channels.map(channelObject), {
      item: (i: number) => (cfg.channels[i] ? channelObject(cfg.channels[i]) : null),
      getChannel: (ccid: string) => {
        const c = cfg.channels.find((x) => x.ccid === ccid);
        return c ? channelObject(c) : null;
      },
      getChannelByTriplet: (onid: number, tsid: number, sid: number) => {
        const c = cfg.channels.find((x) => x.onid === onid && x.tsid === tsid && x.sid === sid);
        return c ? channelObject(c) : null;
      }
    })
  );

  function avObject(el: HTMLObjectElement): Player | null {
    const type = objType(el);
    const kind = type === 'video/broadcast' ? 'broadcast' : AV_TYPES.includes(type) ? 'av' : null;
    let p = objects.get(el) ?? null;
    if (p && ((kind === 'broadcast') !== p instanceof BroadcastPlayer || !kind)) {
      p.release();
      p = null;
      objects.delete(el);
    }
    if (!p && kind) {
      p = kind === 'broadcast' ? new BroadcastPlayer(el) : new AvPlayer(el);
      objects.set(el, p);
      // An object Chromium has no plugin for paints an opaque grey placeholder over the video
      // window, unless it has fallback content: a comment is enough, and shows nothing.
      el.appendChild(document.createComment(' Stratus: this object plays on the device '));
    }
    if (p instanceof AvPlayer && el.hasAttribute('data')) {
      // Keep the object from loading its data natively (it would decode in the cloud).
      p.data = nativeData.get!.call(el) as string;
      el.removeAttribute('data');
    }
    return p;
  }
  function av(el: HTMLObjectElement): AvPlayer | null {
    const p = avObject(el);
    return p instanceof AvPlayer ? p : null;
  }
  function bc(el: HTMLObjectElement): BroadcastPlayer | null {
    const p = avObject(el);
    return p instanceof BroadcastPlayer ? p : null;
  }
  define(OBJECT, 'data', {
    get(this: HTMLObjectElement) {
      const p = av(this);
      return p ? p.data : nativeData.get!.call(this);
    },
    set(this: HTMLObjectElement, v: string) {
      const p = av(this);
      if (!p) {
        nativeData.set!.call(this, v);
        return;
      }
      const a = document.createElement('a');
      a.href = String(v);
      p.data = a.href;
    }
  });
  const AV_PROPS: Record<string, (p: AvPlayer) => unknown> = {
    playState: (p) => p.playState,
    playPosition: (p) => Math.round(p.position() * 1000),
    playTime: (p) => (p.state.duration === p.state.duration && p.state.duration !== Infinity ? Math.round(p.state.duration * 1000) : 0),
    speed: (p) => (p.playState === 1 ? p.speed : 0),
    error: (p) => p.error
  };
  const BC_PROPS: Record<string, (p: BroadcastPlayer) => unknown> = {
    playState: (p) => p.playState,
    currentChannel: (p) => (p.current ? channelObject(p.current) : null)
  };
  for (const name of new Set([...Object.keys(AV_PROPS), ...Object.keys(BC_PROPS)])) {
    define(OBJECT, name, {
      get(this: HTMLObjectElement) {
        const a = av(this);
        if (a && AV_PROPS[name]) return AV_PROPS[name](a);
        const b = bc(this);
        if (b && BC_PROPS[name]) return BC_PROPS[name](b);
        return undefined;
      }
    });
  }
  for (const name of ['onPlayStateChange', 'onChannelChangeSucceeded', 'onChannelChangeError']) {
    define(OBJECT, name, {
      get(this: HTMLObjectElement) {
        const p = avObject(this) as unknown as Record<string, unknown> | null;
        return p && name in p ? p[name] : undefined;
      },
      set(this: HTMLObjectElement, v: unknown) {
        const p = avObject(this) as unknown as Record<string, unknown> | null;
        if (p && name in p) p[name] = v;
      }
    });
  }
  function method(name: string, fn: (el: HTMLObjectElement, args: unknown[]) => unknown): void {
    define(OBJECT, name, {
      value: function (this: HTMLObjectElement, ...args: unknown[]) {
        return fn(this, args);
      },
      writable: true
    });
  }
  function notSupported(name: string): never {
    throw new DOMException(`${name}() is not available on this object`, 'NotSupportedError');
  }
  method('play', (el, [speed]) => (av(el) ?? notSupported('play')).play(speed as number));
  method('seek', (el, [ms]) => (av(el) ?? notSupported('seek')).seek(ms as number));
  method('stop', (el) => {
    const a = av(el);
    if (a) return a.stop();
    const b = bc(el) ?? notSupported('stop');
    if (b.playState === 2 || b.playState === 1) {
      b.send('stop');
      b.setState(3);
    }
    return undefined;
  });
  method('setFullScreen', (el, [full]) => {
    avObject(el) ?? notSupported('setFullScreen');
    el.style.cssText += full ? ';position:fixed;left:0;top:0;width:100vw;height:100vh' : '';
    scheduleWindows();
  });
  method('bindToCurrentChannel', (el) => {
    const b = bc(el) ?? notSupported('bindToCurrentChannel');
    const ch = b.current ?? cfg.channels[0] ?? null;
    if (ch && (b.playState === 0 || b.playState === 3)) b.tune(ch);
    return ch ? channelObject(ch) : null;
  });
  method('setChannel', (el, [channel]) => {
    const b = bc(el) ?? notSupported('setChannel');
    if (channel === null) {
      b.release();
      b.current = null;
      b.setState(0);
      return;
    }
    const ch = lineupEntry(channel);
    if (!ch) {
      announce(el, () => b.onChannelChangeError, 'ChannelChangeError', [channel, 5], { channel, errorState: 5 });
      return;
    }
    b.tune(ch);
  });
  function step(el: HTMLObjectElement, by: number): void {
    const b = bc(el) ?? notSupported(by > 0 ? 'nextChannel' : 'prevChannel');
    const n = cfg.channels.length;
    if (!n) return;
    const i = b.current ? cfg.channels.findIndex((c) => c.ccid === b.current!.ccid) : -1;
    b.tune(cfg.channels[(((i + by) % n) + n) % n]);
  }
  method('nextChannel', (el) => step(el, 1));
  method('prevChannel', (el) => step(el, -1));
  method('release', (el) => {
    const b = bc(el) ?? notSupported('release');
    b.release();
    b.setState(0);
  });
  method('getChannelConfig', (el) => {
    bc(el) ?? notSupported('getChannelConfig');
    return { channelList };
  });
  method('createChannelObject', (el, [idType, onid, tsid, sid]) => {
    bc(el) ?? notSupported('createChannelObject');
    const ch = cfg.channels.find((x) => x.onid === onid && x.tsid === tsid && x.sid === sid);
    return ch ? channelObject(ch) : Object.freeze({ idType, onid, tsid, sid, ccid: '', name: '' });
  });
  method('getVolume', (el) => (bc(el) ?? notSupported('getVolume')).volume);
  method('setVolume', (el, [v]) => {
    const b = bc(el) ?? notSupported('setVolume');
    const n = Math.max(0, Math.min(100, Number(v)));
    b.volume = n;
    b.send('set', { volume: n / 100 });
    return true;
  });

  // ---- following the page ------------------------------------------------------------------------
  let windowsScheduled = false;
  let animating = 0;
  function scheduleWindows(): void {
    if (windowsScheduled || players.size === 0) return;
    windowsScheduled = true;
    requestAnimationFrame(() => {
      windowsScheduled = false;
      for (const p of players.values()) p.updateWindow();
      // CSS transitions and animations move boxes without DOM mutations: follow them per frame
      // while they run, and not at all otherwise (idle costs nothing).
      if (animating > 0) scheduleWindows();
    });
  }
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      const t = r.target;
      if (r.type === 'attributes' && t instanceof HTMLMediaElement && r.attributeName === 'src') media(t).sync();
      else if (r.type === 'attributes' && t instanceof HTMLObjectElement && (r.attributeName === 'data' || r.attributeName === 'type')) avObject(t);
      if (r.type === 'childList') {
        if (t instanceof HTMLMediaElement) media(t).sync();
        r.addedNodes.forEach((n) => adopt(n));
        r.removedNodes.forEach((n) => removed(n));
      }
    }
    scheduleWindows();
  });
  function adopt(n: Node): void {
    if (!(n instanceof Element)) return;
    const found = [n, ...Array.from(n.querySelectorAll('video,audio,object'))];
    for (const el of found) {
      if (el instanceof HTMLMediaElement) media(el).sync();
      else if (el instanceof HTMLObjectElement) avObject(el);
    }
  }
  /** A media element taken out of the document pauses, as the HTML spec says. */
  function removed(n: Node): void {
    if (!(n instanceof Element)) return;
    const found = [n, ...Array.from(n.querySelectorAll('video,audio'))];
    for (const el of found) if (el instanceof HTMLMediaElement && !el.isConnected && elements.has(el)) elements.get(el)!.pause();
  }
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: false });
  for (const type of ['resize', 'scroll', 'fullscreenchange']) window.addEventListener(type, scheduleWindows, true);
  for (const type of ['transitionrun', 'animationstart']) {
    window.addEventListener(type, () => {
      animating++;
      scheduleWindows();
    }, true);
  }
  for (const type of ['transitionend', 'transitioncancel', 'animationend', 'animationcancel']) {
    window.addEventListener(type, () => {
      animating = Math.max(0, animating - 1);
      scheduleWindows();
    }, true);
  }

  // ---- navigator.mediaCapabilities agrees with canPlayType ---------------------------------
  interface DecodingConfig {
    type?: string;
    video?: { contentType?: string; width?: number; height?: number };
    audio?: { contentType?: string };
  }
  /** Native only if every track is and the picture fits the device; the bridge scales it down. */
  function decodingRoute(c: DecodingConfig): 'native' | 'virtual' | '' {
    const parts: Array<'native' | 'virtual' | ''> = [];
    if (c.video) {
      let how = route(String(c.video.contentType ?? ''));
      const tooBig = Number(c.video.width) > support.maxVideo.width || Number(c.video.height) > support.maxVideo.height;
      if (how === 'native' && tooBig) how = support.virtual.length ? 'virtual' : '';
      parts.push(how);
    }
    if (c.audio) parts.push(route(String(c.audio.contentType ?? '')));
    if (parts.length === 0 || parts.includes('')) return '';
    return parts.includes('virtual') ? 'virtual' : 'native';
  }
  const mediaCapabilities = navigator.mediaCapabilities as unknown as Record<string, unknown> | undefined;
  if (mediaCapabilities) {
    Object.defineProperty(Object.getPrototypeOf(mediaCapabilities), 'decodingInfo', {
      value: function decodingInfo(config: DecodingConfig) {
        if (!config || typeof config !== 'object' || (!config.video && !config.audio)) {
          return Promise.reject(new TypeError("Failed to execute 'decodingInfo': the configuration needs audio or video."));
        }
        const how = decodingRoute(config);
        return Promise.resolve({
          supported: how !== '',
          smooth: how !== '',
          powerEfficient: how === 'native',
          // Not in the Media Capabilities spec: says which side of the cloud browser plays it.
          virtual: how === 'virtual',
          configuration: config
        });
      },
      writable: true,
      configurable: true
    });
  }

  Object.defineProperty(window, cfg.inbox, {
    value: Object.freeze({
      support(type: unknown): string {
        return route(String(type));
      },
      reply(id: number, error: Failure | null, result: unknown) {
        const c = calls.get(id);
        if (!c) return;
        calls.delete(id);
        if (error) c.reject(error);
        else c.resolve(result);
      },
      event(e: DeviceEvent) {
        const p = players.get(e.player);
        if (p) p.onDevice(e);
      }
    }),
    enumerable: false,
    configurable: false,
    writable: false
  });
}

/**
 * The script that installs the proxy, for Page.addScriptToEvaluateOnNewDocument. The protocol's
 * own (ES5, self-contained) mediaTypeOf goes along, so both sides infer types the same way.
 */
export function mediaShim(cfg: MediaShimConfig): string {
  return `(${installMediaProxy.toString()})(${JSON.stringify(cfg)}, ${mediaTypeOf.toString()});`;
}
