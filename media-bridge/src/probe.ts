import { execFile } from 'node:child_process';
import { StratusError } from '@stratus/protocol';
import { GuardedProxy, inputGuardArgs } from './guarded-proxy';

/** One elementary stream as ffprobe sees it; `codec` uses the protocol's codec names where one fits. */
export interface ProbedStream {
  kind: 'video' | 'audio';
  codec: string;
  width: number;
  height: number;
}

export interface ProbeResult {
  /** mp4, webm, mp2t, mp3, or ffprobe's own name for anything else (matroska, hls, ...). */
  container: string;
  streams: ProbedStream[];
  /** Seconds; null for a live or unbounded source. */
  duration: number | null;
}

/** ffprobe's codec names that differ from the protocol's. */
const CODEC_NAMES: Record<string, string> = { h264: 'avc', hevc: 'hevc', vp9: 'vp9', av1: 'av1', aac: 'aac', mp3: 'mp3', ac3: 'ac3', eac3: 'eac3', opus: 'opus', vorbis: 'vorbis' };
const WEBM_CODECS = new Set(['vp8', 'vp9', 'av1', 'opus', 'vorbis']);

function containerOf(formatName: string, codecs: string[]): string {
  const names = formatName.split(',');
  if (names.includes('mp4') || names.includes('mov')) return 'mp4';
  if (names.includes('webm')) return codecs.every((c) => WEBM_CODECS.has(c)) ? 'webm' : 'matroska';
  if (names.includes('mpegts')) return 'mp2t';
  return names[0] || 'unknown';
}

interface FfprobeJson {
  streams?: Array<{ codec_type?: string; codec_name?: string; width?: number; height?: number }>;
  format?: { format_name?: string; duration?: string };
}

/**
 * Runs ffprobe on a URL with a hard deadline: a source that stalls is killed, not waited for.
 * Everything it fetches goes through the guarded proxy. Throws STRATUS_MEDIA_NOT_MEDIA when
 * ffprobe finds no audio or video, _UNREACHABLE when it cannot fetch the source, _FORBIDDEN when
 * any part of it (a redirect, a playlist, a segment) is on a private address.
 */
export async function probe(url: string, ffprobePath: string, timeoutMs: number, proxy: GuardedProxy): Promise<ProbeResult> {
  await proxy.start();
  const ticket = proxy.ticket();
  try {
    return await runProbe(url, ffprobePath, timeoutMs, inputGuardArgs(ticket));
  } catch (err) {
    throw err instanceof StratusError ? GuardedProxy.verdict(ticket, err) : err;
  } finally {
    ticket.close();
  }
}

function runProbe(url: string, ffprobePath: string, timeoutMs: number, guard: string[]): Promise<ProbeResult> {
  const args = [
    '-v', 'error', ...guard, '-rw_timeout', String(timeoutMs * 1000), '-print_format', 'json', '-show_format', '-show_streams', url
  ];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why = String(stderr).trim().split('\n').pop() ?? '';
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new StratusError('STRATUS_BRIDGE_FAILED', `ffprobe not found at ${ffprobePath}`));
        } else if (err.killed || /Connection refused|timed out|Server returned|resolve|No route|Network is unreachable|Input\/output error/i.test(why)) {
          reject(new StratusError('STRATUS_MEDIA_SOURCE_UNREACHABLE', `${url.slice(0, 200)}: ${err.killed ? 'timed out' : why}`));
        } else {
          reject(new StratusError('STRATUS_MEDIA_NOT_MEDIA', `${url.slice(0, 200)}: ${why || 'ffprobe failed'}`));
        }
        return;
      }
      let json: FfprobeJson;
      try {
        json = JSON.parse(String(stdout)) as FfprobeJson;
      } catch {
        reject(new StratusError('STRATUS_MEDIA_NOT_MEDIA', `${url.slice(0, 200)}: unreadable ffprobe output`));
        return;
      }
      const streams: ProbedStream[] = [];
      for (const s of json.streams ?? []) {
        if (s.codec_type !== 'video' && s.codec_type !== 'audio') continue;
        // Cover art in an audio file is a "video" stream of one picture; it is not video.
        if (s.codec_type === 'video' && (s.codec_name === 'mjpeg' || s.codec_name === 'png')) continue;
        const name = s.codec_name ?? 'unknown';
        streams.push({ kind: s.codec_type, codec: CODEC_NAMES[name] ?? name, width: s.width ?? 0, height: s.height ?? 0 });
      }
      if (streams.length === 0) {
        reject(new StratusError('STRATUS_MEDIA_NOT_MEDIA', `${url.slice(0, 200)}: no audio or video stream`));
        return;
      }
      const duration = Number(json.format?.duration);
      resolve({
        container: containerOf(json.format?.format_name ?? '', streams.map((s) => s.codec)),
        streams,
        duration: Number.isFinite(duration) && duration > 0 ? duration : null
      });
    });
  });
}
