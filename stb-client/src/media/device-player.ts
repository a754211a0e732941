import { CarriedMedia, isDashType, isHlsType, MediaChannel, MediaEventParams, MediaLoadParams, MediaState, MediaTrack } from '@stratus/protocol/device';
import { hiddenBox, placeBox } from './place';
import { loadScript } from './script-loader';
import { hlsTracks, nativeTracks, shakaTracks, TrackReport } from './track-source';

export type Engine = 'native' | 'hls.js' | 'shaka' | 'tuner';

/** A failure answered to the cloud: a registry code and a message. */
export interface PlayerFailure {
  code: string;
  message: string;
}

export type Done = (err: PlayerFailure | null, result?: object) => void;

/** What a player needs from its surroundings. */
export interface PlayerHost {
  /** The video plane: players put their <video> here, under the UI layer's canvas. */
  plane: HTMLElement;
  /** Where hls.min.js and shaka-player.dash.js are served. */
  vendorBase: string;
  /** Forces an engine for HLS/DASH (the emulator's ?engine=, tests); null lets the box decide. */
  forceEngine: Engine | null;
  emit(e: MediaEventParams): void;
}

/** Events mirrored to the cloud page as they happen on the <video>. */
var FORWARDED = [
  'loadstart', 'loadedmetadata', 'durationchange', 'loadeddata', 'canplay', 'canplaythrough', 'play', 'playing',
  'pause', 'waiting', 'seeking', 'seeked', 'progress', 'ratechange', 'volumechange', 'ended', 'resize', 'stalled'
];
/** timeupdate fires 4-66 times a second; the cloud extrapolates between reports, so 4/s is plenty. */
var TIMEUPDATE_MIN_MS = 250;
var MAX_RANGES = 32;

interface HlsInstance {
  loadSource(url: string): void;
  attachMedia(v: HTMLVideoElement): void;
  on(event: string, fn: (name: string, data: { fatal?: boolean; type?: string; details?: string }) => void): void;
  destroy(): void;
}
interface ShakaPlayer {
  attach(v: HTMLVideoElement): { then(ok: () => void, fail: (e: { code?: number; category?: number }) => void): void };
  load(url: string, start?: number): { then(ok: () => void, fail: (e: { code?: number; category?: number }) => void): void };
  addEventListener(type: string, fn: (e: { detail?: { code?: number; category?: number } }) => void): void;
  destroy(): void;
}

function ranges(r: TimeRanges | null): number[][] {
  var out: number[][] = [];
  if (!r) return out;
  for (var i = 0; i < r.length && i < MAX_RANGES; i++) out.push([finite(r.start(i)), finite(r.end(i))]);
  return out;
}

function finite(n: number): number {
  return n === n && n !== Infinity && n >= 0 ? Math.min(n, 1e9) : 0;
}

function mediaSourceAvailable(): boolean {
  var w = window as unknown as { MediaSource?: { isTypeSupported?: (t: string) => boolean } };
  return !!(w.MediaSource && w.MediaSource.isTypeSupported);
}

/**
 * One media element of the cloud page, played for real on the box: a <video> in the video plane,
 * fed natively, by hls.js or by shaka-player. It carries out the cloud's requests and reports
 * every event with a snapshot of its state.
 */
export class DevicePlayer {
  readonly video: HTMLVideoElement;
  engine: Engine | null = null;
  /** What the box plays: the app's own URL, or the media-bridge's transcode of it. */
  url = '';
  /** The last cloud command carried out; echoed in every event. */
  cmd = 0;
  private hls: HlsInstance | null = null;
  private shaka: ShakaPlayer | null = null;
  private lastTimeupdate = 0;
  private timeupdateTimer: number | null = null;
  private released = false;
  /** Bumped on every load, so a library that finishes loading late does not attach to a newer source. */
  private generation = 0;
  private channel: MediaChannel | null = null;
  private tunedReported = false;
  private listeners: Array<{ type: string; fn: (e: Event) => void }> = [];
  /**
   * False while an MSE engine is still attaching: it swaps the <video>'s src for its MediaSource,
   * which would abort a play() made before. Plays asked for meanwhile wait here.
   */
  private ready = true;
  private waitingPlays: Done[] = [];
  /** The engine's tracks, reported when they change. */
  private tracks: TrackReport;

  constructor(
    readonly id: string,
    readonly kind: string,
    private host: PlayerHost
  ) {
    var v = document.createElement('video');
    v.setAttribute('playsinline', '');
    v.setAttribute('data-player', id);
    hiddenBox(v.style);
    this.video = v;
    host.plane.appendChild(v);
    var self = this;
    this.tracks = new TrackReport(function (list) {
      self.send('tracks', undefined, list);
    });
    for (var i = 0; i < FORWARDED.length; i++) this.listen(FORWARDED[i], this.onEvent);
    this.listen('timeupdate', function () {
      self.onTimeupdate();
    });
    this.listen('error', function () {
      var e = v.error;
      self.fail(e ? e.code : 4, e && e.message ? e.message : 'media error');
    });
  }

  private listen(type: string, fn: (e: Event) => void): void {
    var self = this;
    var bound = function (e: Event): void {
      fn.call(self, e);
    };
    this.listeners.push({ type: type, fn: bound });
    this.video.addEventListener(type, bound, false);
  }

  private onEvent(e: Event): void {
    if (e.type === 'playing' && this.channel && !this.tunedReported) {
      this.tunedReported = true;
      this.send('tuned');
    }
    this.send(e.type);
  }

  private onTimeupdate(): void {
    var self = this;
    var wait = this.lastTimeupdate + TIMEUPDATE_MIN_MS - new Date().getTime();
    if (wait <= 0) {
      this.lastTimeupdate = new Date().getTime();
      this.send('timeupdate');
    } else if (this.timeupdateTimer === null) {
      // The last update of a burst still goes out, so a pause leaves the exact position behind.
      this.timeupdateTimer = setTimeout(function () {
        self.timeupdateTimer = null;
        self.lastTimeupdate = new Date().getTime();
        self.send('timeupdate');
      }, wait) as unknown as number;
    }
  }

  state(): MediaState {
    var v = this.video;
    var d = v.duration;
    return {
      currentTime: finite(v.currentTime),
      duration: d !== d ? -1 : d === Infinity ? -2 : Math.min(d, 1e9),
      paused: v.paused,
      ended: v.ended,
      seeking: v.seeking,
      readyState: v.readyState,
      networkState: v.networkState,
      volume: v.volume,
      muted: v.muted,
      rate: v.playbackRate,
      buffered: ranges(v.buffered),
      seekable: ranges(v.seekable),
      videoWidth: v.videoWidth || 0,
      videoHeight: v.videoHeight || 0
    };
  }

  private send(type: string, error?: { code: number; message?: string }, tracks?: MediaTrack[]): void {
    if (this.released) return;
    var e: MediaEventParams = { player: this.id, cmd: this.cmd, type: type, state: this.state() };
    if (error) e.error = { code: error.code, message: (error.message || '').slice(0, 500) };
    if (tracks) e.tracks = tracks;
    if (this.engine) e.engine = this.engine;
    this.host.emit(e);
  }

  /** A failure of the source or the engine: an 'error' event with a MediaError code (1-4). */
  private fail(code: number, message: string): void {
    this.rejectWaitingPlays('NotSupportedError: ' + message);
    if (this.channel) {
      // A tuner failure is a channel change error: 1 "cannot tune", 8 "cannot resolve the URI".
      this.send('tuneerror', { code: code === 2 ? 8 : 1, message: message });
      return;
    }
    this.send('error', { code: code, message: message });
  }

  /** The app picked a track: done with STRATUS_MEDIA_UNKNOWN_TRACK when the engine has no such one. */
  select(cmd: number, kind: string, id: string, on: boolean, done: Done): void {
    this.cmd = cmd;
    if (!this.tracks.select(kind, id, on)) {
      done({ code: 'STRATUS_MEDIA_UNKNOWN_TRACK', message: kind + ' track ' + id + ' is not in what the device plays' });
      return;
    }
    done(null, {});
  }

  /** Picks the engine: native when the box plays the type, else an MSE player if it has MSE. */
  private chooseEngine(type: string): Engine | null {
    var forced = this.host.forceEngine;
    var hls = isHlsType(type);
    var dash = isDashType(type);
    if (forced && forced !== 'native' && (hls || dash)) return forced;
    // A native HLS player without audioTracks (desktop Chromium) can neither list nor switch the
    // stream's audio renditions: hls.js can, where there is MSE. A channel (the emulator's tuner)
    // has its one audio muxed in: native starts faster.
    if (hls && !forced && !this.channel && !('audioTracks' in this.video) && mediaSourceAvailable()) return 'hls.js';
    if (!type || this.video.canPlayType(type) !== '') return 'native';
    if (!mediaSourceAvailable()) return null;
    if (hls) return 'hls.js';
    if (dash) return 'shaka';
    return null;
  }

  /** What it plays, for a new session after the old one was lost (CarriedMedia). */
  carried(): CarriedMedia[number] {
    var v = this.video;
    var s: CarriedMedia[number] = { kind: this.channel ? 'broadcast' : this.kind === 'audio' ? 'audio' : 'video', currentTime: isFinite(v.currentTime) ? v.currentTime : 0, paused: v.paused };
    if (this.channel) s.channel = this.channel;
    else if (this.url) s.url = this.url.slice(0, 2048);
    return s;
  }

  load(p: MediaLoadParams, done: Done): void {
    this.cmd = p.cmd;
    this.channel = null;
    this.start(p.url, p.type || '', p, done);
  }

  /** Emulator tuner: the line-up maps the channel to a looping live HLS stream. */
  tune(channel: MediaChannel, cmd: number, done: Done): void {
    this.cmd = cmd;
    if (!channel.url) {
      done({ code: 'STRATUS_UNKNOWN_CHANNEL', message: 'channel ' + channel.ccid + ' has no stream on this device' });
      return;
    }
    this.channel = channel;
    this.tunedReported = false;
    var self = this;
    this.start(channel.url, 'application/vnd.apple.mpegurl', { autoplay: true, muted: this.video.muted, volume: this.video.volume, rate: 1 }, function (err) {
      if (err) {
        done(err);
        return;
      }
      self.engine = 'tuner';
      done(null, { engine: 'tuner' });
    });
  }

  private start(url: string, type: string, p: { startTime?: number; autoplay?: boolean; muted: boolean; volume: number; rate: number; loop?: boolean }, done: Done): void {
    var engine = this.chooseEngine(type);
    if (!engine) {
      done({ code: 'STRATUS_MEDIA_UNSUPPORTED', message: 'no native support and no MSE player for ' + (type || url) });
      return;
    }
    this.unloadEngine();
    this.url = url;
    var v = this.video;
    var gen = ++this.generation;
    v.muted = p.muted;
    v.volume = p.volume;
    v.playbackRate = p.rate > 0 ? p.rate : 1;
    v.loop = !!p.loop;
    v.autoplay = !!p.autoplay;
    this.engine = engine;
    var self = this;
    var start = p.startTime || 0;
    if (engine === 'native') {
      this.tracks.use(nativeTracks(v, function () {
        self.tracks.changed();
      }));
      v.src = url;
      if (start > 0) this.seekWhenReady(start);
      v.load();
      done(null, { engine: engine });
      return;
    }
    this.ready = false;
    var lib = engine === 'hls.js' ? 'hls.min.js' : 'shaka-player.dash.js';
    loadScript(this.host.vendorBase + lib, function (err) {
      if (self.released || gen !== self.generation) return;
      if (err) {
        done({ code: 'STRATUS_MEDIA_UNSUPPORTED', message: err });
        return;
      }
      if (engine === 'hls.js') self.startHls(url, start);
      else self.startShaka(url, start);
      done(null, { engine: engine });
    });
  }

  private seekWhenReady(t: number): void {
    var v = this.video;
    var once = function (): void {
      v.removeEventListener('loadedmetadata', once, false);
      v.currentTime = t;
    };
    v.addEventListener('loadedmetadata', once, false);
  }

  private startHls(url: string, start: number): void {
    var Hls = (window as unknown as { Hls: { new (cfg: object): HlsInstance; Events: { ERROR: string; MEDIA_ATTACHED: string } } }).Hls;
    var hls = new Hls({ startPosition: start > 0 ? start : -1 });
    this.hls = hls;
    var self = this;
    this.tracks.use(hlsTracks(hls as unknown as Parameters<typeof hlsTracks>[0], function () {
      self.tracks.changed();
    }));
    hls.on(Hls.Events.ERROR, function (_n, data) {
      if (!data.fatal) return;
      // MediaError codes: 2 network, 3 decode, 4 not supported.
      self.fail(data.type === 'networkError' ? 2 : data.type === 'mediaError' ? 3 : 4, 'hls.js ' + (data.details || data.type));
    });
    hls.on(Hls.Events.MEDIA_ATTACHED, function () {
      if (self.hls === hls) self.becomeReady();
    });
    hls.loadSource(url);
    hls.attachMedia(this.video);
  }

  private becomeReady(): void {
    this.ready = true;
    var list = this.waitingPlays;
    this.waitingPlays = [];
    for (var i = 0; i < list.length; i++) this.play(this.cmd, list[i]);
  }

  private startShaka(url: string, start: number): void {
    var shaka = (window as unknown as { shaka: { polyfill: { installAll(): void }; Player: { new (): ShakaPlayer } } }).shaka;
    shaka.polyfill.installAll();
    var player = new shaka.Player();
    this.shaka = player;
    var self = this;
    this.tracks.use(shakaTracks(player as unknown as Parameters<typeof shakaTracks>[0], function () {
      self.tracks.changed();
    }));
    var onError = function (e: { code?: number; category?: number }): void {
      // shaka categories: 1 network, 3 media, 4 manifest.
      var code = e.category === 1 ? 2 : e.category === 3 ? 3 : 4;
      self.fail(code, 'shaka-player error ' + (e.code || 'unknown'));
    };
    player.addEventListener('error', function (ev) {
      onError(ev.detail || {});
    });
    player.attach(this.video).then(function () {
      if (self.shaka !== player) return;
      player.load(url, start > 0 ? start : undefined).then(function () {
        if (self.shaka === player) self.becomeReady();
      }, onError);
    }, onError);
  }

  /** Plays that waited for an engine that will never attach; the message starts with the DOMException name. */
  private rejectWaitingPlays(message: string): void {
    var waiting = this.waitingPlays;
    this.waitingPlays = [];
    for (var i = 0; i < waiting.length; i++) waiting[i]({ code: 'STRATUS_MEDIA_PLAY_REJECTED', message: message });
  }

  private unloadEngine(): void {
    this.ready = true;
    this.tracks.use(null);
    this.rejectWaitingPlays('AbortError: a new source replaced this one');
    if (this.hls) this.hls.destroy();
    this.hls = null;
    if (this.shaka) this.shaka.destroy();
    this.shaka = null;
    this.engine = null;
  }

  play(cmd: number, done: Done): void {
    this.cmd = cmd;
    if (!this.ready) {
      this.waitingPlays.push(done);
      return;
    }
    var r = this.video.play() as unknown as { then?: (ok: () => void, fail: (e: { name?: string; message?: string }) => void) => void } | undefined;
    if (r && typeof r.then === 'function') {
      r.then(
        function () {
          done(null, {});
        },
        function (e) {
          done({ code: 'STRATUS_MEDIA_PLAY_REJECTED', message: (e && e.name ? e.name : 'AbortError') + ': ' + (e && e.message ? e.message : 'play() failed') });
        }
      );
    } else {
      done(null, {});
    }
  }

  pause(cmd: number): void {
    this.cmd = cmd;
    this.video.pause();
  }

  seek(cmd: number, time: number): void {
    this.cmd = cmd;
    this.video.currentTime = time;
  }

  /** A/V Control stop(): paused at the start, engine unloaded; the next play loads again. */
  stop(cmd: number): void {
    this.cmd = cmd;
    this.channel = null;
    this.generation++;
    this.video.pause();
    this.unloadEngine();
    this.video.removeAttribute('src');
    this.video.load();
  }

  set(cmd: number, p: { volume?: number; muted?: boolean; rate?: number; loop?: boolean }): void {
    this.cmd = cmd;
    var v = this.video;
    if (p.volume !== undefined) v.volume = p.volume;
    if (p.muted !== undefined) v.muted = p.muted;
    if (p.rate !== undefined && p.rate > 0) v.playbackRate = p.rate;
    if (p.loop !== undefined) v.loop = p.loop;
  }

  /** Puts the picture where the element is in the cloud page, in layer pixels. */
  setWindow(cmd: number, rect: { x: number; y: number; width: number; height: number }, visible: boolean): void {
    this.cmd = cmd;
    placeBox(this.video.style, rect, visible);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.timeupdateTimer !== null) clearTimeout(this.timeupdateTimer);
    this.generation++;
    this.video.pause();
    this.unloadEngine();
    for (var i = 0; i < this.listeners.length; i++) this.video.removeEventListener(this.listeners[i].type, this.listeners[i].fn, false);
    this.video.removeAttribute('src');
    this.video.load();
    if (this.video.parentNode) this.video.parentNode.removeChild(this.video);
  }
}
