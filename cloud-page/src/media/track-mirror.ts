/**
 * The tracks of a device player as the page knows them: the device's last `tracks` report, with
 * the app's own choices applied at once (a browser's `enabled`/`mode` setters take effect
 * synchronously), sent to the device with media.select, and corrected by its next report.
 */
import type { MediaTrack } from '@stratus/protocol';

export type TrackKind = MediaTrack['kind'];

export interface TrackChanges {
  /** Kinds whose list of tracks changed (added or removed). */
  listed: TrackKind[];
  /** Kinds whose selection changed. */
  selected: TrackKind[];
  added: MediaTrack[];
  removed: MediaTrack[];
}

export class TrackMirror {
  tracks: MediaTrack[] = [];
  /** The device's last report, which a refused selection falls back to. */
  private reported: MediaTrack[] = [];
  private readonly watchers: Array<(c: TrackChanges) => void> = [];

  constructor(private readonly send: (kind: 'audio' | 'text', id: string, on: boolean) => Promise<unknown>) {}

  watch(fn: (c: TrackChanges) => void): void {
    this.watchers.push(fn);
  }

  of(kind: TrackKind): MediaTrack[] {
    return this.tracks.filter((t) => t.kind === kind);
  }

  byId(kind: TrackKind, id: string): MediaTrack | null {
    return this.tracks.find((t) => t.kind === kind && t.id === id) ?? null;
  }

  /** The device's report: the truth, once it has caught up with the app's selections. */
  update(next: MediaTrack[]): void {
    this.reported = next;
    this.apply(next.map((t) => ({ ...t })));
  }

  /** A new source: its tracks are not known until the device reports them. */
  reset(): void {
    this.reported = [];
    this.apply([]);
  }

  /**
   * The app picks a track. Audio switches (one plays at a time); a text track shows or hides,
   * at most one showing. A refusal by the device (the track went with its source) puts back the
   * selection of the device's last report.
   */
  select(kind: 'audio' | 'text', id: string, on: boolean): void {
    const t = this.byId(kind, id);
    if (!t || (kind === 'audio' && !on) || t.selected === on) return;
    const next = this.tracks.map((x) => {
      if (x.kind !== kind) return x;
      if (x.id === id) return { ...x, selected: on };
      return on && x.selected ? { ...x, selected: false } : x;
    });
    this.apply(next);
    this.send(kind, id, on).catch(() => this.apply(this.reported.map((x) => ({ ...x }))));
  }

  private apply(next: MediaTrack[]): void {
    const key = (t: MediaTrack): string => `${t.kind}\n${t.id}\n${t.language}\n${t.label ?? ''}\n${t.role ?? ''}`;
    const before = new Map(this.tracks.map((t) => [key(t), t]));
    const after = new Map(next.map((t) => [key(t), t]));
    const added = next.filter((t) => !before.has(key(t)));
    const removed = this.tracks.filter((t) => !after.has(key(t)));
    const listed = new Set<TrackKind>([...added, ...removed].map((t) => t.kind));
    const selected = new Set<TrackKind>();
    for (const t of next) if ((before.get(key(t))?.selected ?? false) !== t.selected) selected.add(t.kind);
    for (const t of removed) if (t.selected) selected.add(t.kind);
    this.tracks = next;
    if (!listed.size && !selected.size) return;
    const c: TrackChanges = { listed: [...listed], selected: [...selected], added, removed };
    for (const w of this.watchers) w(c);
  }
}
