/**
 * `audioTracks` and `textTracks` of a proxied <video>/<audio> (HTML, "media resources with
 * multiple media tracks"): lists of the device player's tracks, whose `enabled` and `mode`
 * setters pick the track on the device. Chromium has no `audioTracks` of its own without a
 * feature flag, and its `textTracks` would list tracks of a cloud element that never plays.
 *
 * Subtitles render on the device, over its video: cues are not relayed, so `cues` and
 * `activeCues` are null and `cuechange` never fires (docs/hbbtv.md).
 */
import type { MediaTrack } from '@stratus/protocol';
import { queueTask } from '../tasks';
import type { Player } from './player';
import type { TrackChanges, TrackMirror } from './track-mirror';

/** EventTarget with the `on<type>` handler attributes a built-in list or track has. */
class HandlerTarget extends EventTarget {
  [handler: string]: unknown;
  protected fire(type: string, track?: object): void {
    queueTask(() => {
      const ev = new Event(type);
      if (track) Object.defineProperty(ev, 'track', { value: track });
      const fn = this[`on${type}`];
      if (typeof fn === 'function') fn.call(this, ev);
      this.dispatchEvent(ev);
    });
  }
}

const AUDIO_KIND: Record<string, string> = { main: 'main', alternate: 'alternative', description: 'description' };

export class CloudAudioTrack {
  constructor(
    private readonly mirror: TrackMirror,
    readonly id: string
  ) {}
  private get t(): MediaTrack | null {
    return this.mirror.byId('audio', this.id);
  }
  get kind(): string {
    return AUDIO_KIND[this.t?.role ?? ''] ?? 'main';
  }
  get label(): string {
    return this.t?.label ?? '';
  }
  get language(): string {
    return this.t?.language ?? '';
  }
  get enabled(): boolean {
    return this.t?.selected ?? false;
  }
  /** The device plays one audio track: enabling one switches to it; disabling the one playing does nothing. */
  set enabled(v: boolean) {
    if (v) this.mirror.select('audio', this.id, true);
  }
}

export class CloudTextTrack extends HandlerTarget {
  /** What the app set; the device only knows shown or not. */
  private hiddenByApp = false;
  oncuechange: unknown = null;
  readonly cues = null;
  readonly activeCues = null;
  readonly inBandMetadataTrackDispatchType = '';
  constructor(
    private readonly mirror: TrackMirror,
    readonly id: string
  ) {
    super();
  }
  private get t(): MediaTrack | null {
    return this.mirror.byId('text', this.id);
  }
  get kind(): string {
    return this.t?.role === 'caption' ? 'captions' : 'subtitles';
  }
  get label(): string {
    return this.t?.label ?? '';
  }
  get language(): string {
    return this.t?.language ?? '';
  }
  get mode(): string {
    if (this.t?.selected) return 'showing';
    return this.hiddenByApp ? 'hidden' : 'disabled';
  }
  set mode(v: string) {
    const m = String(v);
    if (m !== 'showing' && m !== 'hidden' && m !== 'disabled') return;
    this.hiddenByApp = m === 'hidden';
    this.mirror.select('text', this.id, m === 'showing');
  }
  addCue(): void {}
  removeCue(): void {}
}

/** AudioTrackList / TextTrackList: index access, length, getTrackById and their three events. */
class CloudTrackList<T extends { id: string }> extends HandlerTarget {
  onchange: unknown = null;
  onaddtrack: unknown = null;
  onremovetrack: unknown = null;
  private items: T[] = [];
  private readonly made = new Map<string, T>();
  constructor(
    private readonly mirror: TrackMirror,
    private readonly kind: 'audio' | 'text',
    private readonly make: (id: string) => T
  ) {
    super();
    this.rebuild();
    mirror.watch((c) => this.changed(c));
  }
  get length(): number {
    return this.items.length;
  }
  getTrackById(id: unknown): T | null {
    return this.items.find((t) => t.id === String(id)) ?? null;
  }
  /** Index properties for the mirror's tracks of this kind; a track keeps its object while it stays. */
  private rebuild(): void {
    for (let i = 0; i < this.items.length; i++) delete this[i];
    this.items = this.mirror.of(this.kind).map((t) => {
      let o = this.made.get(t.id);
      if (!o) this.made.set(t.id, (o = this.make(t.id)));
      return o;
    });
    this.items.forEach((t, i) => Object.defineProperty(this, i, { value: t, enumerable: true, configurable: true }));
  }
  private changed(c: TrackChanges): void {
    if (c.listed.includes(this.kind)) {
      const removed = c.removed.filter((t) => t.kind === this.kind).map((t) => this.made.get(t.id));
      this.rebuild();
      for (const r of removed) {
        if (!r) continue;
        if (!this.items.includes(r)) this.made.delete(r.id);
        this.fire('removetrack', r);
      }
      for (const a of c.added) if (a.kind === this.kind) this.fire('addtrack', this.made.get(a.id));
    }
    if (c.selected.includes(this.kind)) this.fire('change');
  }
}

const lists = new WeakMap<Player, { audio: CloudTrackList<CloudAudioTrack>; text: CloudTrackList<CloudTextTrack> }>();

function listsOf(p: Player): { audio: CloudTrackList<CloudAudioTrack>; text: CloudTrackList<CloudTextTrack> } {
  let l = lists.get(p);
  if (!l) {
    const m = p.tracks;
    l = {
      audio: new CloudTrackList(m, 'audio', (id) => new CloudAudioTrack(m, id)),
      text: new CloudTrackList(m, 'text', (id) => new CloudTextTrack(m, id))
    };
    lists.set(p, l);
  }
  return l;
}

export function audioTrackList(p: Player): object {
  return listsOf(p).audio;
}

export function textTrackList(p: Player): object {
  return listsOf(p).text;
}
