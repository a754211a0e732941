import { codecOf } from '@stratus/protocol';
import { StratusError } from '@stratus/protocol';
import { guardedGet } from './guarded-net';
import { GuardedProxy } from './guarded-proxy';
import { probe } from './probe';
import { guardSource } from './source-guard';
import { tsCodecs } from './ts-codecs';

/** One way to play the source: its codecs (protocol names, or raw strings nobody knows) and size. */
export interface Variant {
  url: string;
  codecs: string[];
  width: number;
  height: number;
}

export interface SourceInfo {
  format: 'hls' | 'dash' | 'file';
  /** For files: mp4, webm, mp2t, mp3 or ffprobe's name for another container. */
  container: string | null;
  /** Best first. A file or media playlist has one. */
  variants: Variant[];
}

export interface InspectOptions {
  ffprobePath: string;
  timeoutMs: number;
  allowPrivate: readonly string[];
  /** ffprobe's only way out (guarded-proxy.ts). */
  proxy: GuardedProxy;
}

const MANIFEST_BYTES = 512 * 1024;
const MAX_REDIRECTS = 3;

/**
 * What a source is, enough to decide native or virtual playback: an HLS or DASH manifest is read
 * for its CODECS and resolutions; anything else (or a manifest that does not say) goes to
 * ffprobe. Every URL it touches, redirects included, passes the source guard first.
 */
export async function inspectSource(source: string, opts: InspectOptions): Promise<SourceInfo> {
  const deadline = Date.now() + opts.timeoutMs;
  const head = await fetchHead(source, opts, deadline);
  const text = head.body.toString('utf8', 0, Math.min(head.body.length, 64));
  if (/^\uFEFF?#EXTM3U/.test(text)) return inspectHls(head.url, head.body.toString('utf8'), opts, deadline);
  if (/<MPD[\s>]/.test(head.body.toString('utf8'))) return inspectDash(head.url, head.body.toString('utf8'));
  if (/^\s*</.test(text) || /^text\/html/i.test(head.contentType)) {
    throw new StratusError('STRATUS_MEDIA_NOT_MEDIA', `${source.slice(0, 200)} is a ${head.contentType || 'text'} document`);
  }
  return fileInfo(head.url, opts, deadline);
}

async function fileInfo(url: string, opts: InspectOptions, deadline: number): Promise<SourceInfo> {
  const p = await probe(url, opts.ffprobePath, Math.max(500, deadline - Date.now()), opts.proxy);
  const video = p.streams.find((s) => s.kind === 'video');
  return {
    format: 'file',
    container: p.container,
    variants: [{ url, codecs: uniq(p.streams.map((s) => s.codec)), width: video?.width ?? 0, height: video?.height ?? 0 }]
  };
}

/** GETs the start of a source (following redirects by hand, each one guarded) and stops reading. */
async function fetchHead(source: string, opts: InspectOptions, deadline: number): Promise<{ url: string; body: Buffer; contentType: string }> {
  let url = source;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    await guardSource(url, opts.allowPrivate);
    let res: Response;
    try {
      // The address is checked again as the socket connects: a name may answer differently now.
      res = await guardedGet(url, opts.allowPrivate, { signal: AbortSignal.timeout(Math.max(100, deadline - Date.now())) });
    } catch (err) {
      if (err instanceof StratusError) throw err;
      const e = err as Error & { cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? 'timed out' : e.cause?.code ?? e.message;
      throw new StratusError('STRATUS_MEDIA_SOURCE_UNREACHABLE', `${url.slice(0, 200)}: ${why}`);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel();
      url = new URL(res.headers.get('location')!, url).href;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new StratusError('STRATUS_MEDIA_SOURCE_UNREACHABLE', `${url.slice(0, 200)}: HTTP ${res.status}`);
    }
    const body = await readUpTo(res, MANIFEST_BYTES, deadline, url);
    return { url, body, contentType: res.headers.get('content-type') ?? '' };
  }
  throw new StratusError('STRATUS_MEDIA_SOURCE_UNREACHABLE', `${source.slice(0, 200)}: more than ${MAX_REDIRECTS} redirects`);
}

/**
 * Reads a manifest whole (up to `max`), but only the first chunk of anything else: a video file
 * is ffprobe's to read, not ours to download.
 */
async function readUpTo(res: Response, max: number, deadline: number, url: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  try {
    while (size < max) {
      if (size > 0 && !looksLikeManifest(chunks[0])) break;
      if (Date.now() > deadline) throw new StratusError('STRATUS_MEDIA_SOURCE_UNREACHABLE', `${url.slice(0, 200)}: timed out`);
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      size += value.length;
    }
  } catch (err) {
    if (err instanceof StratusError) throw err;
    throw new StratusError('STRATUS_MEDIA_SOURCE_UNREACHABLE', `${url.slice(0, 200)}: ${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`);
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks);
}

function looksLikeManifest(head: Buffer): boolean {
  const text = head.toString('utf8', 0, Math.min(head.length, 256)).replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('#EXTM3U') || text.startsWith('<');
}

function attrs(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("([^"]*)"|[^,]*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out[m[1]] = m[3] ?? m[2];
  return out;
}

function codecNames(list: string): string[] {
  return uniq(list.split(',').map((c) => c.trim()).filter(Boolean).map((c) => codecOf(c) ?? c.toLowerCase()));
}

async function inspectHls(url: string, text: string, opts: InspectOptions, deadline: number): Promise<SourceInfo> {
  const lines = text.split(/\r?\n/);
  const variants: Variant[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('#EXT-X-STREAM-INF:')) continue;
    const a = attrs(lines[i].slice(18));
    let j = i + 1;
    while (j < lines.length && (lines[j].startsWith('#') || !lines[j].trim())) j++;
    if (j >= lines.length) break;
    const [w, h] = (a.RESOLUTION ?? '0x0').split('x').map(Number);
    variants.push({ url: new URL(lines[j].trim(), url).href, codecs: a.CODECS ? codecNames(a.CODECS) : [], width: w || 0, height: h || 0 });
  }
  // Any part of a source on a forbidden address refuses the whole source, before anything fetches it.
  const parts = variants.length ? variants.map((v) => v.url) : uris(lines, url);
  // Other schemes (a DRM key's skd:, data:) are nothing ffprobe or a bridge could fetch.
  for (const host of new Set(parts.filter((u) => /^https?:/i.test(u)).map(hostOf))) await guardSource(host, opts.allowPrivate);
  if (variants.length === 0) {
    // A media playlist names no codecs: its first TS segment's PMT does, else ffprobe reads it.
    const fromTs = lines.some((l) => l.startsWith('#EXT-X-MAP')) ? null : await firstSegmentCodecs(url, lines, opts, deadline);
    if (fromTs) return { format: 'hls', container: null, variants: [{ url, codecs: fromTs, width: 0, height: 0 }] };
    const info = await fileInfo(url, opts, deadline);
    return { format: 'hls', container: null, variants: info.variants };
  }
  for (const v of variants) {
    if (v.codecs.length) continue;
    const info = await fileInfo(v.url, opts, deadline);
    v.codecs = info.variants[0].codecs;
    v.width ||= info.variants[0].width;
    v.height ||= info.variants[0].height;
  }
  variants.sort((a, b) => b.height - a.height);
  return { format: 'hls', container: null, variants };
}

async function firstSegmentCodecs(url: string, lines: string[], opts: InspectOptions, deadline: number): Promise<string[] | null> {
  const first = lines.find((l) => l.trim() && !l.startsWith('#'));
  if (!first) return null;
  try {
    const seg = new URL(first.trim(), url).href;
    const res = await guardedGet(seg, opts.allowPrivate, { headers: { range: 'bytes=0-65535' }, signal: AbortSignal.timeout(Math.max(100, deadline - Date.now())) });
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    return tsCodecs(await readUpTo(res, 65536, deadline, seg));
  } catch (err) {
    // A segment on a forbidden address is no reason to ask ffprobe instead: the source is refused.
    if (err instanceof StratusError && err.code === 'STRATUS_MEDIA_SOURCE_FORBIDDEN') throw err;
    return null;
  }
}

/** The URIs a media playlist names: segments, and the URI attributes of its tags (keys, maps). */
function uris(lines: string[], base: string): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const l = line.trim();
    if (!l) continue;
    if (!l.startsWith('#')) out.push(l);
    else for (const m of l.matchAll(/URI="([^"]*)"/g)) out.push(m[1]);
  }
  return out.flatMap((u) => {
    try {
      return [new URL(u, base).href];
    } catch {
      return [];
    }
  });
}

/** The origin of a URL, which is what the guard judges. */
function hostOf(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}/`;
}

function tagAttrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z:]+)="([^"]*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(tag))) out[m[1]] = m[2];
  return out;
}

/** DASH: video representations, each paired with the codecs of the first audio representation. */
function inspectDash(url: string, text: string): SourceInfo {
  const videos: Variant[] = [];
  const audio: string[] = [];
  for (const set of text.split(/<AdaptationSet\b/).slice(1)) {
    const setAttrs = tagAttrs(set.slice(0, set.indexOf('>')));
    const reps = set.split(/<Representation\b/).slice(1).map((r) => tagAttrs(r.slice(0, r.indexOf('>'))));
    for (const r of reps.length ? reps : [{}]) {
      const mime = r.mimeType ?? setAttrs.mimeType ?? setAttrs.contentType ?? '';
      const codecs = codecNames(r.codecs ?? setAttrs.codecs ?? '');
      if (/^video/.test(mime) || setAttrs.contentType === 'video') {
        videos.push({ url, codecs, width: Number(r.width ?? setAttrs.width ?? 0), height: Number(r.height ?? setAttrs.height ?? 0) });
      } else if ((/^audio/.test(mime) || setAttrs.contentType === 'audio') && audio.length === 0) {
        audio.push(...codecs);
      }
    }
  }
  const variants = videos.length ? videos.map((v) => ({ ...v, codecs: uniq([...v.codecs, ...audio]) })) : [{ url, codecs: audio, width: 0, height: 0 }];
  if (variants.some((v) => v.codecs.length === 0)) throw new StratusError('STRATUS_MEDIA_NOT_MEDIA', `${url.slice(0, 200)}: the MPD names no codecs`);
  variants.sort((a, b) => b.height - a.height);
  return { format: 'dash', container: null, variants };
}

function uniq<T>(list: T[]): T[] {
  return [...new Set(list)];
}
