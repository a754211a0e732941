import { MAX_TRACKS, MediaTrack } from '@stratus/protocol/device';

/**
 * The tracks of what a device player plays, as its engine lists them, and the app's choices
 * carried out on that engine. Each engine names tracks its own way; the ids given to the cloud
 * are this module's and stay the same while the source does.
 */
export interface TrackSource {
  list(): MediaTrack[];
  /** Switches audio to `id`, or shows (`on`) / hides text track `id`. False when there is no such track. */
  select(kind: string, id: string, on: boolean): boolean;
  detach(): void;
}

interface Subscribable {
  on?(event: string, fn: () => void): void;
  off?(event: string, fn: () => void): void;
  addEventListener?(type: string, fn: () => void): void;
  removeEventListener?(type: string, fn: () => void): void;
}

/** Listens to `events` on `target` (hls.js's on/off or the DOM's), and returns the undoing. */
function listenAll(target: Subscribable, events: string[], fn: () => void): () => void {
  for (var i = 0; i < events.length; i++) {
    if (target.on) target.on(events[i], fn);
    else if (target.addEventListener) target.addEventListener(events[i], fn);
  }
  return function () {
    for (var j = 0; j < events.length; j++) {
      if (target.off) target.off(events[j], fn);
      else if (target.removeEventListener) target.removeEventListener(events[j], fn);
    }
  };
}

function indexOf(id: string, prefix: string): number {
  if (id.charAt(0) !== prefix) return -1;
  var n = parseInt(id.slice(1), 10);
  return String(n) === id.slice(1) ? n : -1;
}

function clip(s: unknown, n: number): string {
  return typeof s === 'string' ? s.slice(0, n) : '';
}

function track(id: string, kind: MediaTrack['kind'], language: unknown, label: unknown, role: string, selected: boolean): MediaTrack {
  return { id: id, kind: kind, language: clip(language, 35), label: clip(label, 256), role: role, selected: selected };
}

interface HlsMediaPlaylist {
  lang?: string;
  name?: string;
  channels?: string;
  audioCodec?: string;
  characteristics?: string;
  type?: string;
  forced?: boolean;
}
interface HlsLike extends Subscribable {
  audioTracks: HlsMediaPlaylist[];
  audioTrack: number;
  subtitleTracks: HlsMediaPlaylist[];
  subtitleTrack: number;
  subtitleDisplay: boolean;
  levels: Array<{ videoCodec?: string; audioCodec?: string }>;
  currentLevel: number;
}

/** hls.js: EXT-X-MEDIA audio and subtitle renditions, switched by index; subtitles render natively. */
export function hlsTracks(hls: HlsLike, changed: () => void): TrackSource {
  var undo = listenAll(
    hls,
    ['hlsManifestParsed', 'hlsAudioTracksUpdated', 'hlsAudioTrackSwitched', 'hlsSubtitleTracksUpdated', 'hlsSubtitleTrackSwitch', 'hlsLevelSwitched'],
    changed
  );
  // A media playlist without a master names no codecs: the buffers' codecs say what is there.
  var buffers: { video?: string; audio?: string } = {};
  var onCodecs = function (_name: string, data: { video?: { codec?: string }; audio?: { codec?: string } }): void {
    buffers = { video: data.video ? data.video.codec || 'video' : undefined, audio: data.audio ? data.audio.codec || 'audio' : undefined };
    changed();
  };
  var h = hls as unknown as { on(e: string, fn: typeof onCodecs): void; off(e: string, fn: typeof onCodecs): void };
  h.on('hlsBufferCodecs', onCodecs);
  return {
    list: function () {
      var out: MediaTrack[] = [];
      var level = hls.levels && hls.levels[Math.max(0, hls.currentLevel)];
      var videoCodec = (level && level.videoCodec) || buffers.video;
      if (videoCodec) out.push(encoded(track('v0', 'video', '', '', 'main', true), videoCodec === 'video' ? '' : videoCodec));
      var audio = hls.audioTracks || [];
      for (var i = 0; i < audio.length; i++) {
        var a = audio[i];
        var role = (a.characteristics || '').indexOf('public.accessibility.describes-video') >= 0 ? 'description' : i === 0 ? 'main' : 'alternate';
        var t = track('a' + i, 'audio', a.lang, a.name, role, hls.audioTrack === i);
        var ch = parseInt(a.channels || '', 10);
        if (ch > 0 && ch <= 64) t.channels = ch;
        out.push(encoded(t, a.audioCodec));
      }
      // Audio muxed with the video has no rendition of its own: it is the one audio track.
      var muxed = (level && level.audioCodec) || buffers.audio;
      if (!audio.length && muxed) out.push(encoded(track('a0', 'audio', '', '', 'main', true), muxed === 'audio' ? '' : muxed));
      var text = hls.subtitleTracks || [];
      for (var j = 0; j < text.length; j++) {
        var s = text[j];
        out.push(track('t' + j, 'text', s.lang, s.name, s.type === 'CLOSED-CAPTIONS' || (s.characteristics || '').indexOf('public.accessibility.transcribes-spoken-dialog') >= 0 ? 'caption' : 'subtitle', hls.subtitleDisplay && hls.subtitleTrack === j));
      }
      return out.slice(0, MAX_TRACKS);
    },
    select: function (kind, id, on) {
      if (kind === 'audio') {
        var a = indexOf(id, 'a');
        if (a < 0 || a >= (hls.audioTracks || []).length) return a === 0;
        if (hls.audioTrack !== a) hls.audioTrack = a;
        return true;
      }
      var t = indexOf(id, 't');
      if (t < 0 || t >= (hls.subtitleTracks || []).length) return false;
      if (on) {
        hls.subtitleDisplay = true;
        hls.subtitleTrack = t;
      } else if (hls.subtitleTrack === t) hls.subtitleTrack = -1;
      changed();
      return true;
    },
    detach: function () {
      undo();
      h.off('hlsBufferCodecs', onCodecs);
    }
  };
}

function encoded(t: MediaTrack, codec: string | null | undefined): MediaTrack {
  if (codec) t.encoding = codec.slice(0, 64);
  return t;
}

interface ShakaAudioTrack {
  active: boolean;
  channelsCount: number | null;
  codecs: string | null;
  label: string | null;
  language: string;
  roles: string[];
}
interface ShakaTextTrack {
  active: boolean;
  id: number;
  kind: string | null;
  label: string | null;
  language: string;
  roles: string[];
}
interface ShakaLike extends Subscribable {
  getAudioTracks(): ShakaAudioTrack[];
  selectAudioTrack(t: ShakaAudioTrack): void;
  getTextTracks(): ShakaTextTrack[];
  selectTextTrack(t: ShakaTextTrack | null): void;
  getVariantTracks(): Array<{ active: boolean; videoCodec: string | null }>;
}

/** shaka-player: audio tracks by language and role, text tracks by shaka's id; a selected text track shows. */
export function shakaTracks(player: ShakaLike, changed: () => void): TrackSource {
  var undo = listenAll(player, ['loaded', 'trackschanged', 'variantchanged', 'audiotrackschanged', 'textchanged', 'adaptation'], changed);
  var audio = function (): ShakaAudioTrack[] {
    try {
      return player.getAudioTracks() || [];
    } catch (e) {
      return [];
    }
  };
  var text = function (): ShakaTextTrack[] {
    try {
      return player.getTextTracks() || [];
    } catch (e) {
      return [];
    }
  };
  return {
    list: function () {
      var out: MediaTrack[] = [];
      var variants = player.getVariantTracks ? player.getVariantTracks() : [];
      for (var v = 0; v < variants.length; v++) {
        if (variants[v].active && variants[v].videoCodec) out.push(encoded(track('v0', 'video', '', '', 'main', true), variants[v].videoCodec));
      }
      var a = audio();
      for (var i = 0; i < a.length; i++) {
        var role = a[i].roles.indexOf('description') >= 0 ? 'description' : a[i].roles.indexOf('alternate') >= 0 ? 'alternate' : 'main';
        var t = track('a' + i, 'audio', a[i].language, a[i].label, role, a[i].active);
        if (a[i].channelsCount && a[i].channelsCount! <= 64) t.channels = a[i].channelsCount!;
        out.push(encoded(t, a[i].codecs));
      }
      var s = text();
      for (var j = 0; j < s.length; j++) {
        out.push(track('t' + s[j].id, 'text', s[j].language, s[j].label, s[j].kind === 'caption' ? 'caption' : 'subtitle', s[j].active));
      }
      return out.slice(0, MAX_TRACKS);
    },
    select: function (kind, id, on) {
      if (kind === 'audio') {
        var a = audio()[indexOf(id, 'a')];
        if (!a) return false;
        if (!a.active) player.selectAudioTrack(a);
        return true;
      }
      var n = indexOf(id, 't');
      var s = text();
      for (var i = 0; i < s.length; i++) {
        if (s[i].id !== n) continue;
        if (on) player.selectTextTrack(s[i]);
        else if (s[i].active) player.selectTextTrack(null);
        changed();
        return true;
      }
      return false;
    },
    detach: undo
  };
}

interface NativeTrack {
  id: string;
  kind: string;
  label: string;
  language: string;
  enabled?: boolean;
  mode?: string;
}
interface NativeTrackList extends Subscribable {
  length: number;
  [i: number]: NativeTrack;
}

/**
 * The browser's own player: `audioTracks` where it has them (terminals, Safari; Chromium only with
 * its AudioVideoTracks feature) and `textTracks` (in-band and `<track>` text).
 */
export function nativeTracks(video: HTMLVideoElement, changed: () => void): TrackSource {
  var audio = (video as unknown as { audioTracks?: NativeTrackList }).audioTracks || null;
  var text = (video.textTracks as unknown as NativeTrackList) || null;
  var undo: Array<() => void> = [];
  if (audio) undo.push(listenAll(audio, ['addtrack', 'removetrack', 'change'], changed));
  if (text) undo.push(listenAll(text, ['addtrack', 'removetrack', 'change'], changed));
  undo.push(listenAll(video, ['loadedmetadata', 'loadeddata', 'playing'], changed));
  // Without audioTracks (most desktop browsers), decoded audio still says the stream has one.
  var v = video as unknown as { webkitAudioDecodedByteCount?: number; mozHasAudio?: boolean };
  var roleOf = function (kind: string): string {
    return kind === 'descriptions' || kind === 'description' ? 'description' : kind === 'captions' ? 'caption' : kind === 'subtitles' ? 'subtitle' : kind === 'alternative' ? 'alternate' : 'main';
  };
  return {
    list: function () {
      var out: MediaTrack[] = [];
      if (video.videoWidth) out.push(track('v0', 'video', '', '', 'main', true));
      var i: number;
      if (audio) for (i = 0; i < audio.length; i++) out.push(track('a' + i, 'audio', audio[i].language, audio[i].label, roleOf(audio[i].kind), !!audio[i].enabled));
      else if ((v.webkitAudioDecodedByteCount || 0) > 0 || v.mozHasAudio) out.push(track('a0', 'audio', '', '', 'main', true));
      if (text) {
        for (i = 0; i < text.length; i++) {
          var k = text[i].kind;
          if (k === 'subtitles' || k === 'captions') out.push(track('t' + i, 'text', text[i].language, text[i].label, roleOf(k), text[i].mode === 'showing'));
        }
      }
      return out.slice(0, MAX_TRACKS);
    },
    select: function (kind, id, on) {
      var list = kind === 'audio' ? audio : text;
      var n = indexOf(id, kind === 'audio' ? 'a' : 't');
      if (!list && kind === 'audio') return n === 0;
      if (!list || n < 0 || n >= list.length) return false;
      for (var i = 0; i < list.length; i++) {
        if (kind === 'audio') list[i].enabled = i === n;
        else if (i === n) list[i].mode = on ? 'showing' : 'disabled';
        else if (on && list[i].mode === 'showing') list[i].mode = 'disabled';
      }
      changed();
      return true;
    },
    detach: function () {
      for (var i = 0; i < undo.length; i++) undo[i]();
    }
  };
}

interface OipfComponent {
  type: number;
  language?: string;
  label?: string;
  encoding?: string;
  audioDescription?: boolean;
  audioChannels?: number;
  hearingImpaired?: boolean;
}
interface OipfCollection {
  length: number;
  item?(i: number): OipfComponent;
  [i: number]: OipfComponent;
}
export interface ComponentHolder extends Subscribable {
  getComponents?(type: number | null): OipfCollection | null;
  getCurrentActiveComponents?(type: number | null): OipfCollection | null;
  selectComponent?(c: OipfComponent): void;
  unselectComponent?(c: OipfComponent): void;
}

function items(c: OipfCollection | null | undefined): OipfComponent[] {
  var out: OipfComponent[] = [];
  if (!c) return out;
  for (var i = 0; i < c.length; i++) out.push(c.item ? c.item(i) : c[i]);
  return out;
}

/** OIPF component type to track kind: 0 video, 1 audio, 2 subtitle. */
var COMPONENT_KINDS: Array<MediaTrack['kind']> = ['video', 'audio', 'text'];

/**
 * A terminal's own video/broadcast (or A/V) object (OIPF DAE 7.16.5): its components are the
 * tracks, and the app's choice is the terminal's selectComponent / unselectComponent.
 */
export function componentTracks(o: ComponentHolder, changed: () => void): TrackSource {
  var undo = listenAll(o, ['SelectedComponentChanged', 'ComponentChanged'], changed);
  var all = function (): OipfComponent[] {
    try {
      return o.getComponents ? items(o.getComponents(null)) : [];
    } catch (e) {
      return [];
    }
  };
  var active = function (): OipfComponent[] {
    try {
      return o.getCurrentActiveComponents ? items(o.getCurrentActiveComponents(null)) : [];
    } catch (e) {
      return [];
    }
  };
  var same = function (a: OipfComponent, b: OipfComponent): boolean {
    return a === b || (a.type === b.type && a.language === b.language && a.label === b.label && a.encoding === b.encoding && a.audioDescription === b.audioDescription && a.hearingImpaired === b.hearingImpaired);
  };
  return {
    list: function () {
      var on = active();
      var comps = all();
      var out: MediaTrack[] = [];
      for (var i = 0; i < comps.length && out.length < MAX_TRACKS; i++) {
        var c = comps[i];
        var kind = COMPONENT_KINDS[c.type];
        if (!kind) continue;
        var selected = false;
        for (var j = 0; j < on.length; j++) if (same(on[j], c)) selected = true;
        var role = c.audioDescription ? 'description' : c.hearingImpaired ? 'caption' : kind === 'text' ? 'subtitle' : 'main';
        var t = encoded(track('c' + i, kind, c.language, c.label, role, selected), c.encoding);
        if (c.audioChannels && c.audioChannels > 0 && c.audioChannels <= 64) t.channels = c.audioChannels;
        out.push(t);
      }
      return out;
    },
    select: function (_kind, id, on) {
      var c = all()[indexOf(id, 'c')];
      if (!c) return false;
      if (on) {
        if (o.selectComponent) o.selectComponent(c);
      } else if (o.unselectComponent) o.unselectComponent(c);
      changed();
      return true;
    },
    detach: undo
  };
}

/**
 * Sends a player's track list when it changed. Engines announce tracks in bursts (manifest, then
 * each rendition, then the switch): the list goes out once the burst is over, and only when it
 * differs from the last one sent.
 */
export class TrackReport {
  private source: TrackSource | null = null;
  private sent = '';
  private timer: number | null = null;

  constructor(private send: (tracks: MediaTrack[]) => void) {}

  /** Reports `source`'s tracks from now on (null: none); its first list always goes out. */
  use(source: TrackSource | null): void {
    if (this.source) this.source.detach();
    this.source = source;
    this.sent = '';
    if (source) this.changed();
    else if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** The engine says its tracks may have changed. */
  changed(): void {
    if (this.timer !== null || !this.source) return;
    var self = this;
    this.timer = setTimeout(function () {
      self.timer = null;
      if (!self.source) return;
      var list = self.source.list();
      var key = JSON.stringify(list);
      if (key === self.sent) return;
      self.sent = key;
      self.send(list);
    }, 0) as unknown as number;
  }

  /** The app's choice, carried out by the engine; false when it has no such track. */
  select(kind: string, id: string, on: boolean): boolean {
    if (!this.source || !this.source.select(kind, id, on)) return false;
    this.changed();
    return true;
  }
}
