/**
 * The AV components of A/V Control and video/broadcast objects (OIPF DAE vol. 5, 7.16.5; HbbTV
 * TS 102 796 A.2): getComponents, getCurrentActiveComponents, selectComponent, unselectComponent
 * and the SelectedComponentChanged / ComponentChanged events, over the device player's tracks.
 */
import type { MediaTrack } from '@stratus/protocol';
import { collection } from '../collection';
import { announce } from '../tasks';
import type { Player } from './player';
import type { TrackKind } from './track-mirror';

export const COMPONENT_TYPES: Record<string, number> = { COMPONENT_TYPE_VIDEO: 0, COMPONENT_TYPE_AUDIO: 1, COMPONENT_TYPE_SUBTITLE: 2 };
const KIND_OF_TYPE: TrackKind[] = ['video', 'audio', 'text'];

/** ISO 639-1 to ISO 639-2/T, for streams that name languages in two letters (DASH, most HLS). */
const TWO_TO_THREE: Record<string, string> = {
  ar: 'ara', bg: 'bul', ca: 'cat', cs: 'ces', cy: 'cym', da: 'dan', de: 'deu', el: 'ell', en: 'eng', es: 'spa',
  et: 'est', eu: 'eus', fa: 'fas', fi: 'fin', fr: 'fra', ga: 'gle', gd: 'gla', he: 'heb', hi: 'hin', hr: 'hrv',
  hu: 'hun', is: 'isl', it: 'ita', ja: 'jpn', ko: 'kor', lt: 'lit', lv: 'lav', nl: 'nld', no: 'nor', nb: 'nob',
  nn: 'nno', pl: 'pol', pt: 'por', ro: 'ron', ru: 'rus', sk: 'slk', sl: 'slv', sq: 'sqi', sr: 'srp', sv: 'swe',
  tr: 'tur', uk: 'ukr', zh: 'zho'
};
/** ISO 639-2/B codes that differ from /T: a viewer's "ger" prefers a "deu" track. */
const BIBLIOGRAPHIC: Record<string, string> = {
  alb: 'sqi', arm: 'hye', baq: 'eus', chi: 'zho', cze: 'ces', dut: 'nld', fre: 'fra', geo: 'kat', ger: 'deu',
  gre: 'ell', ice: 'isl', mac: 'mkd', may: 'msa', per: 'fas', rum: 'ron', slo: 'slk', wel: 'cym'
};

/** The ISO 639-2 code a component reports for a stream's language tag ("en", "en-GB", "eng"). */
export function iso6392(tag: string): string {
  const primary = tag.toLowerCase().split(/[-_]/)[0];
  if (primary.length === 2) return TWO_TO_THREE[primary] ?? primary;
  return BIBLIOGRAPHIC[primary] ?? primary;
}

/** Which component objects stand for which device track, so selectComponent(c) finds it. */
const trackOf = new WeakMap<object, { kind: TrackKind; id: string }>();

function component(p: Player, t: MediaTrack, tag: number): object {
  const type = KIND_OF_TYPE.indexOf(t.kind);
  const base: Record<string, unknown> = { componentTag: tag, pid: tag, type, encoding: t.encoding ?? '', encrypted: false, ...COMPONENT_TYPES };
  if (t.kind === 'video') {
    const s = p.state;
    base.aspectRatio = s.videoWidth && s.videoHeight ? Math.round((s.videoWidth / s.videoHeight) * 100) / 100 : 1.78;
  } else if (t.kind === 'audio') {
    base.language = iso6392(t.language);
    base.audioDescription = t.role === 'description';
    base.audioChannels = t.channels ?? 2;
    base.label = t.label ?? '';
  } else {
    base.language = iso6392(t.language);
    base.hearingImpaired = t.role === 'caption';
    base.label = t.label ?? '';
  }
  const o = Object.freeze(base);
  trackOf.set(o, { kind: t.kind, id: t.id });
  return o;
}

function kindsOf(type: unknown): TrackKind[] {
  if (type === undefined || type === null) return KIND_OF_TYPE;
  const k = KIND_OF_TYPE[Number(type)];
  return k ? [k] : [];
}

function list(p: Player, type: unknown, onlySelected: boolean): object {
  const kinds = kindsOf(type);
  const out: object[] = [];
  p.tracks.tracks.forEach((t, i) => {
    if (kinds.includes(t.kind) && (!onlySelected || t.selected)) out.push(component(p, t, i));
  });
  return collection(out);
}

export function getComponents(p: Player, type: unknown): object {
  return list(p, type, false);
}

export function getCurrentActiveComponents(p: Player, type: unknown): object {
  return list(p, type, true);
}

/** The device track a component argument names: one of ours, or one the app made with the same type and language. */
function trackFor(p: Player, c: unknown): MediaTrack | null {
  if (!c || typeof c !== 'object') return null;
  const known = trackOf.get(c);
  if (known) return p.tracks.byId(known.kind, known.id);
  const o = c as Record<string, unknown>;
  const kind = KIND_OF_TYPE[Number(o.type)];
  if (!kind) return null;
  return p.tracks.of(kind).find((t) => typeof o.language === 'string' && iso6392(t.language) === iso6392(o.language as string)) ?? null;
}

/** The viewer's preferred languages (configuration's comma-separated ISO 639-2 lists). */
let preferred = { audio: [] as string[], text: [] as string[] };

export function usePreferredLanguages(audio: string, subtitle: string): void {
  const split = (s: string): string[] => s.split(',').map((x) => iso6392(x.trim())).filter(Boolean);
  preferred = { audio: split(audio), text: split(subtitle) };
}

/** selectComponent(type): the terminal's choice for that type, by the viewer's preferred languages. */
function preferredTrack(p: Player, kind: TrackKind): MediaTrack | null {
  const tracks = p.tracks.of(kind);
  const langs = kind === 'audio' ? preferred.audio : preferred.text;
  for (const l of langs) {
    const t = tracks.find((x) => iso6392(x.language) === l && x.role !== 'description');
    if (t) return t;
  }
  return tracks[0] ?? null;
}

export function selectComponent(p: Player, c: unknown): void {
  const t = typeof c === 'number' ? preferredTrack(p, KIND_OF_TYPE[c]) : trackFor(p, c);
  // One video plays: there is nothing to switch to.
  if (!t || t.kind === 'video') return;
  p.tracks.select(t.kind, t.id, true);
}

/** Subtitles go off; audio and video stay (the device's players present both, or neither). */
export function unselectComponent(p: Player, c: unknown): void {
  const kind = typeof c === 'number' ? KIND_OF_TYPE[c] : trackFor(p, c)?.kind;
  if (kind !== 'text') return;
  const on = typeof c === 'number' ? p.tracks.of('text').find((t) => t.selected) : trackFor(p, c);
  if (on) p.tracks.select('text', on.id, false);
}

/** The object's SelectedComponentChanged and ComponentChanged events, from the device's reports. */
export function announceComponents(p: Player & { onSelectedComponentChanged: unknown; onComponentChanged: unknown }): void {
  p.tracks.watch((c) => {
    for (const k of c.listed) {
      const type = KIND_OF_TYPE.indexOf(k);
      announce(p.el, () => p.onComponentChanged, 'ComponentChanged', [type], { componentType: type });
    }
    for (const k of c.selected) {
      const type = KIND_OF_TYPE.indexOf(k);
      announce(p.el, () => p.onSelectedComponentChanged, 'SelectedComponentChanged', [type], { componentType: type });
    }
  });
}
