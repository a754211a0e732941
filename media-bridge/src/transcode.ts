import { EventEmitter } from 'node:events';
import { existsSync, FSWatcher, mkdirSync, readdirSync, rmSync, watch } from 'node:fs';
import { join } from 'node:path';
import ffmpeg, { FfmpegCommand } from 'fluent-ffmpeg';
import { StratusError } from '@stratus/protocol';
import { GuardedProxy, inputGuardArgs, ProxyTicket } from './guarded-proxy';

/** The output a device gets: H.264 + AAC in HLS, no larger than the device shows. */
export interface OutputProfile {
  maxWidth: number;
  maxHeight: number;
}

export function profileKey(p: OutputProfile): string {
  return `h264-aac-${p.maxWidth}x${p.maxHeight}`;
}

export interface TranscodeOptions {
  ffmpegPath: string;
  /** Where this transcode's segments go; deleted when it stops. */
  dir: string;
  segmentSeconds: number;
  /** x264 preset: ultrafast keeps several transcodes real-time on two cores. */
  preset: string;
  /** Segments ffmpeg may run ahead of the furthest one requested before it is paused. */
  maxAheadSegments: number;
  /** A request this far beyond what ffmpeg has written restarts it there (a seek). */
  restartGapSegments: number;
  /** ffmpeg's only way out (guarded-proxy.ts). */
  proxy: GuardedProxy;
}

interface Run {
  cmd: FfmpegCommand;
  /** First segment this run writes. */
  start: number;
  /** Next segment it will finish. */
  next: number;
  paused: boolean;
  /** Stopped by us: its exit is not a failure. */
  cancelled: boolean;
  started: boolean;
}

export interface TranscodeEvents {
  /** ffmpeg failed or crashed; the transcode is unusable. */
  failed: [StratusError];
}

/**
 * One ffmpeg job turning one source into H.264/AAC HLS for one output profile.
 *
 * VOD is cut on a fixed grid of `segmentSeconds`, so the playlist is known before any segment
 * exists, and ffmpeg runs on demand: it starts where the player asks, runs ahead a little, pauses
 * (SIGSTOP) when far enough ahead, and restarts at the new position after a seek. Key frames are
 * forced on the grid and timestamps keep their source time (`-output_ts_offset`), so segments
 * from different runs line up in one timeline.
 *
 * A live source (no duration) runs linearly and its own sliding playlist is served.
 */
export class Transcode extends EventEmitter<TranscodeEvents> {
  readonly segments: number;
  private readonly done = new Set<number>();
  private readonly waiters = new Map<number, Array<(err?: StratusError) => void>>();
  private run: Run | null = null;
  /** Settle when each ffmpeg started (and not yet reaped) has exited. */
  private readonly exits = new Set<Promise<void>>();
  private watcher: FSWatcher | null = null;
  private furthestAsked = 0;
  failure: StratusError | null = null;
  stopped = false;
  /** ffmpeg processes started, for the bench and the tests. */
  runs = 0;

  constructor(
    readonly source: string,
    readonly profile: OutputProfile,
    /** Seconds, or null for a live source. */
    readonly duration: number | null,
    private readonly opts: TranscodeOptions
  ) {
    super();
    // One 'failed' listener per viewer: a popular source has many.
    this.setMaxListeners(0);
    this.segments = duration === null ? 0 : Math.max(1, Math.ceil(duration / opts.segmentSeconds - 1e-6));
    mkdirSync(opts.dir, { recursive: true });
    this.watcher = watch(opts.dir, (_event, name) => {
      const m = name ? /^seg(\d+)\.ts$/.exec(String(name)) : null;
      if (m && existsSync(join(opts.dir, String(name)))) this.finished(Number(m[1]));
    });
    this.watcher.on('error', () => undefined);
  }

  get live(): boolean {
    return this.duration === null;
  }

  /** The VOD playlist: every segment of the grid, whether written yet or not. */
  playlist(): string {
    const s = this.opts.segmentSeconds;
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${Math.ceil(s)}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-INDEPENDENT-SEGMENTS'];
    for (let i = 0; i < this.segments; i++) {
      const len = Math.min(s, (this.duration as number) - i * s);
      lines.push(`#EXTINF:${len.toFixed(3)},`, `seg${i}.ts`);
    }
    lines.push('#EXT-X-ENDLIST', '');
    return lines.join('\n');
  }

  livePlaylistPath(): string {
    return join(this.opts.dir, 'live.m3u8');
  }

  segmentPath(index: number): string {
    return join(this.opts.dir, `seg${index}.ts`);
  }

  isWritten(index: number): boolean {
    return this.done.has(index);
  }

  /** Starts ffmpeg at the beginning (VOD) or the live edge. */
  begin(): void {
    this.startRun(0);
  }

  /**
   * Resolves when segment `index` is on disk: waits for the running ffmpeg when it is about to
   * write it, restarts ffmpeg there when it is far away (a seek), and wakes a paused ffmpeg.
   */
  async waitFor(index: number, timeoutMs: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.stopped) throw new StratusError('STRATUS_BRIDGE_FAILED', 'the transcode has stopped');
    if (!Number.isInteger(index) || index < 0 || index >= this.segments) throw new StratusError('STRATUS_INVALID_PARAMS', `no segment ${index}`);
    this.furthestAsked = index;
    if (this.done.has(index)) {
      this.throttle();
      return;
    }
    const run = this.run;
    if (!run || index < run.start || index > run.next + this.opts.restartGapSegments) this.startRun(index);
    else this.throttle();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new StratusError('STRATUS_BRIDGE_FAILED', `segment ${index} not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (err?: StratusError): void => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const remove = (): void => {
        const list = this.waiters.get(index) ?? [];
        list.splice(list.indexOf(waiter), 1);
        if (list.length === 0) this.waiters.delete(index);
      };
      const list = this.waiters.get(index) ?? [];
      list.push(waiter);
      this.waiters.set(index, list);
    });
  }

  /** Kills ffmpeg and deletes the files; resolves once every ffmpeg it started has exited. */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.stopRun();
      this.watcher?.close();
      this.watcher = null;
      this.wake(new StratusError('STRATUS_BRIDGE_FAILED', 'the transcode has stopped'));
    }
    await Promise.all([...this.exits]);
    rmSync(this.opts.dir, { recursive: true, force: true });
  }

  /** The ffmpeg process id while one runs (tests kill it to check the failure path). */
  get pid(): number | undefined {
    return (this.run?.cmd as unknown as { ffmpegProc?: { pid?: number } } | undefined)?.ffmpegProc?.pid;
  }

  private finished(index: number): void {
    if (this.done.has(index)) return;
    this.done.add(index);
    const run = this.run;
    if (run && index >= run.next) run.next = index + 1;
    const list = this.waiters.get(index);
    this.waiters.delete(index);
    for (const w of list ?? []) w();
    this.throttle();
  }

  /** Pauses ffmpeg when it is far enough ahead of the viewer, wakes it when the viewer catches up. */
  private throttle(): void {
    const run = this.run;
    if (!run || !run.started || this.live) return;
    const ahead = run.next - this.furthestAsked;
    const pause = ahead > this.opts.maxAheadSegments;
    if (pause === run.paused) return;
    run.paused = pause;
    run.cmd.kill(pause ? 'SIGSTOP' : 'SIGCONT');
  }

  private wake(err: StratusError): void {
    for (const list of this.waiters.values()) for (const w of list) w(err);
    this.waiters.clear();
  }

  private stopRun(): void {
    const run = this.run;
    this.run = null;
    if (!run) return;
    run.cancelled = true;
    // A stopped process takes SIGKILL too; one not spawned yet is killed when it starts.
    if (run.started) run.cmd.kill('SIGKILL');
  }

  private startRun(index: number): void {
    this.stopRun();
    if (this.stopped) return;
    let ticket: ProxyTicket;
    try {
      // The proxy runs: the source was probed through it.
      ticket = this.opts.proxy.ticket();
    } catch (err) {
      this.fail(err as StratusError);
      return;
    }
    this.spawnRun(index, ticket);
  }

  private fail(failure: StratusError): void {
    this.failure = failure;
    this.wake(failure);
    this.emit('failed', failure);
  }

  private spawnRun(index: number, ticket: ProxyTicket): void {
    const o = this.opts;
    const offset = index * o.segmentSeconds;
    const { maxWidth: w, maxHeight: h } = this.profile;
    const input = ['-nostdin', ...inputGuardArgs(ticket), '-rw_timeout', '15000000'];
    if (offset > 0) input.push('-ss', offset.toFixed(3));
    const output = [
      '-map', '0:v:0?', '-map', '0:a:0?', '-sn', '-dn',
      '-vf', `scale=w='min(iw,${w})':h='min(ih,${h})':force_original_aspect_ratio=decrease:force_divisible_by=2`,
      '-c:v', 'libx264', '-preset', o.preset, '-profile:v', 'main', '-pix_fmt', 'yuv420p',
      '-force_key_frames', `expr:gte(t,n_forced*${o.segmentSeconds})`,
      '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000',
      '-f', 'hls', '-hls_time', String(o.segmentSeconds), '-hls_segment_type', 'mpegts',
      '-hls_segment_filename', join(o.dir, 'seg%d.ts')
    ];
    if (this.live) {
      output.push('-hls_list_size', '6', '-hls_flags', 'temp_file+delete_segments+independent_segments');
    } else {
      output.push('-output_ts_offset', offset.toFixed(3), '-start_number', String(index), '-hls_list_size', '0', '-hls_flags', 'temp_file+independent_segments');
    }
    const cmd = ffmpeg(this.source)
      .setFfmpegPath(o.ffmpegPath)
      .inputOptions(input)
      .outputOptions(output)
      .output(this.live ? this.livePlaylistPath() : join(o.dir, `run${this.runs}.m3u8`));
    const run: Run = { cmd, start: index, next: index, paused: false, cancelled: false, started: false };
    this.runs++;
    this.run = run;
    // fluent-ffmpeg reports 'end' or 'error' once the process has exited and its pipes closed.
    const exited = new Promise<void>((resolve) => {
      cmd.once('end', () => resolve());
      cmd.once('error', () => resolve());
    });
    this.exits.add(exited);
    void exited.then(() => {
      this.exits.delete(exited);
      ticket.close();
    });
    cmd.on('start', () => {
      run.started = true;
      if (run.cancelled) cmd.kill('SIGKILL');
    });
    cmd.on('end', () => {
      if (run.cancelled) return;
      // The last segment is renamed into place as ffmpeg exits; a late watch event must not be needed.
      this.rescan();
      if (this.run === run) this.run = null;
    });
    cmd.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      if (run.cancelled || this.stopped) return;
      // The reason travels to the app (its MediaError and cloud-browser error): no file of ours in it.
      const hide = (text: string): string => text.split(this.opts.dir).join('…');
      const last = hide(String(stderr ?? '').trim().split('\n').slice(-2).join(' | '));
      if (this.run === run) this.run = null;
      // A source that led ffmpeg to a private address is refused as such.
      this.fail(GuardedProxy.verdict(ticket, new StratusError('STRATUS_BRIDGE_FAILED', `ffmpeg: ${hide(err.message)}${last ? ` (${last.slice(0, 300)})` : ''}`)));
    });
    cmd.run();
  }

  private rescan(): void {
    let names: string[] = [];
    try {
      names = readdirSync(this.opts.dir);
    } catch {
      return;
    }
    for (const n of names) {
      const m = /^seg(\d+)\.ts$/.exec(n);
      if (m) this.finished(Number(m[1]));
    }
  }
}
