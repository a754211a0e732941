import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { Router } from 'express';
import { StratusError } from '@stratus/protocol';
import { forgetNoProxy, GuardedProxy } from './guarded-proxy';
import { probe } from './probe';
import { corsFor } from './cors';
import { guardSource } from './source-guard';
import { OutputProfile, profileKey, Transcode } from './transcode';

export interface BridgeOptions {
  ffmpegPath: string;
  ffprobePath: string;
  /** Parent of the transcodes' folders; empty: a fresh folder under the OS temp dir. */
  workDir: string;
  segmentSeconds: number;
  preset: string;
  /** Transcodes at once; one more gets STRATUS_BRIDGE_BUSY. */
  maxTranscodes: number;
  /** How long a transcode nobody watches lives on (a quick re-open reuses it). */
  idleMs: number;
  /** How long a segment request waits for ffmpeg. */
  segmentWaitMs: number;
  probeTimeoutMs: number;
  maxAheadSegments: number;
  /** Private hosts ("host" or "host:port") a source may be on. */
  allowPrivate: string[];
  /** Device page origins ("*": any) that may fetch the transcodes with XHR; empty: same origin only. */
  corsOrigins: string[];
}

/** One viewer's hold on a transcode; release it when the player goes. */
export interface Lease {
  /** The transcode, shared by every viewer of the same source and profile. */
  id: string;
  /** Playlist path, relative to where the bridge's router is mounted. */
  playlist: string;
  duration: number | null;
  release(): void;
  /** Called once if ffmpeg fails while the lease is held. */
  onFailed(cb: (err: StratusError) => void): void;
}

interface Job {
  id: string;
  key: string;
  transcode: Transcode;
  viewers: Set<symbol>;
  idleTimer: NodeJS.Timeout | null;
}

/**
 * The media-bridge: transcodes sources a device cannot decode into H.264/AAC HLS it can, one
 * ffmpeg per source and output profile however many sessions watch, within a concurrency limit,
 * and stops each ffmpeg (deleting its files) once its last viewer has been gone for `idleMs`.
 */
export class MediaBridge {
  private readonly byKey = new Map<string, Job>();
  private readonly byId = new Map<string, Job>();
  private readonly opening = new Map<string, Promise<Job>>();
  /** Transcodes being stopped: close() waits for their ffmpeg to exit. */
  private readonly stopping = new Set<Promise<void>>();
  private readonly root: string;
  private readonly ownRoot: boolean;
  private closed = false;
  /** ffprobe's and ffmpeg's only way out: the source guard on every request they make. */
  private readonly proxy: GuardedProxy;
  readonly stats = { opened: 0, shared: 0, refused: 0, failed: 0, ffmpegRuns: 0 };

  constructor(private readonly opts: BridgeOptions) {
    this.ownRoot = !opts.workDir;
    this.root = opts.workDir ? opts.workDir : mkdtempSync(join(tmpdir(), 'stratus-bridge-'));
    forgetNoProxy();
    this.proxy = new GuardedProxy(opts.allowPrivate);
  }

  /** Transcodes running or idling. */
  get active(): number {
    return this.byId.size;
  }

  /** Viewers holding transcode `id` now; an idle stop is armed only at 0. */
  viewersOf(id: string): number {
    return this.byId.get(id)?.viewers.size ?? 0;
  }

  /** ffmpeg processes started so far, including restarts after seeks. */
  get ffmpegStarted(): number {
    let n = this.stats.ffmpegRuns;
    for (const job of this.byId.values()) n += job.transcode.runs;
    return n;
  }

  /** ffmpeg processes alive right now (a paused one counts). */
  get processes(): number {
    let n = 0;
    for (const job of this.byId.values()) if (job.transcode.pid !== undefined) n++;
    return n;
  }

  async open(source: string, profile: OutputProfile): Promise<Lease> {
    if (this.closed) throw new StratusError('STRATUS_BRIDGE_FAILED', 'the media-bridge is closed');
    const url = (await guardSource(source, this.opts.allowPrivate)).href;
    const key = `${url} ${profileKey(profile)}`;
    let job = this.byKey.get(key);
    if (job) {
      this.stats.shared++;
    } else {
      let pending = this.opening.get(key);
      if (pending) {
        this.stats.shared++;
      } else {
        pending = this.start(key, url, profile);
        this.opening.set(key, pending);
        pending.finally(() => this.opening.delete(key)).catch(() => undefined);
      }
      job = await pending;
    }
    return this.lease(job);
  }

  private lease(job: Job): Lease {
    const viewer = Symbol('viewer');
    job.viewers.add(viewer);
    if (job.idleTimer) clearTimeout(job.idleTimer);
    job.idleTimer = null;
    let released = false;
    let failedCb: ((err: StratusError) => void) | null = null;
    const onFail = (err: StratusError): void => {
      if (!released && failedCb) failedCb(err);
    };
    job.transcode.once('failed', onFail);
    return {
      id: job.id,
      playlist: `${job.id}/index.m3u8`,
      duration: job.transcode.duration,
      release: () => {
        if (released) return;
        released = true;
        job.transcode.off('failed', onFail);
        job.viewers.delete(viewer);
        if (job.viewers.size === 0) this.idle(job);
      },
      onFailed: (cb) => {
        failedCb = cb;
        if (job.transcode.failure) cb(job.transcode.failure);
      }
    };
  }

  private async start(key: string, url: string, profile: OutputProfile): Promise<Job> {
    if (this.byId.size + this.opening.size >= this.opts.maxTranscodes) {
      // An idle transcode gives way to a wanted one.
      const idle = [...this.byId.values()].find((j) => j.viewers.size === 0);
      if (idle) void this.stopJob(idle);
    }
    if (this.byId.size + this.opening.size >= this.opts.maxTranscodes) {
      this.stats.refused++;
      throw new StratusError('STRATUS_BRIDGE_BUSY', `${this.opts.maxTranscodes} transcodes are running`);
    }
    const info = await probe(url, this.opts.ffprobePath, this.opts.probeTimeoutMs, this.proxy);
    if (this.closed) throw new StratusError('STRATUS_BRIDGE_FAILED', 'the media-bridge is closed');
    const id = randomBytes(8).toString('hex');
    const transcode = new Transcode(url, profile, info.duration, {
      ffmpegPath: this.opts.ffmpegPath,
      dir: join(this.root, id),
      segmentSeconds: this.opts.segmentSeconds,
      preset: this.opts.preset,
      maxAheadSegments: this.opts.maxAheadSegments,
      restartGapSegments: 3,
      proxy: this.proxy
    });
    const job: Job = { id, key, transcode, viewers: new Set(), idleTimer: null };
    transcode.on('failed', () => {
      this.stats.failed++;
      // A new viewer gets a fresh attempt; the current ones keep the failed job until they let go.
      if (this.byKey.get(key) === job) this.byKey.delete(key);
    });
    this.byKey.set(key, job);
    this.byId.set(id, job);
    this.stats.opened++;
    transcode.begin();
    return job;
  }

  private idle(job: Job): void {
    if (job.idleTimer) clearTimeout(job.idleTimer);
    if (job.transcode.failure) {
      void this.stopJob(job);
      return;
    }
    job.idleTimer = setTimeout(() => {
      if (job.viewers.size === 0) void this.stopJob(job);
    }, this.opts.idleMs);
  }

  private stopJob(job: Job): Promise<void> {
    if (job.idleTimer) clearTimeout(job.idleTimer);
    job.idleTimer = null;
    this.stats.ffmpegRuns += job.transcode.runs;
    this.byId.delete(job.id);
    if (this.byKey.get(job.key) === job) this.byKey.delete(job.key);
    const stopped = job.transcode.stop();
    this.stopping.add(stopped);
    void stopped.then(() => this.stopping.delete(stopped));
    return stopped;
  }

  /** The transcode serving `id`, for tests and the bench. */
  transcode(id: string): Transcode | undefined {
    return this.byId.get(id)?.transcode;
  }

  /** Serves playlists and segments: GET /<id>/index.m3u8 and /<id>/seg<n>.ts. */
  router(): Router {
    const r = express.Router();
    // A standalone bridge is of another origin than the device page: those pages are listed.
    r.use(corsFor(this.opts.corsOrigins));
    r.get('/:id/:file', (req, res) => {
      const job = this.byId.get(req.params.id);
      if (!job) {
        res.status(404).type('text/plain').send('no such transcode');
        return;
      }
      const t = job.transcode;
      const file = req.params.file;
      if (file === 'index.m3u8') {
        res.setHeader('Cache-Control', t.live ? 'no-cache' : 'max-age=60');
        res.type('application/vnd.apple.mpegurl');
        if (!t.live) {
          res.send(t.playlist());
          return;
        }
        void waitForFile(t.livePlaylistPath(), this.opts.segmentWaitMs, () => t.failure ?? (t.stopped ? new StratusError('STRATUS_BRIDGE_FAILED') : null)).then(
          () => res.sendFile(t.livePlaylistPath()),
          (err: StratusError) => res.status(502).json({ code: err.code })
        );
        return;
      }
      const m = /^seg(\d+)\.ts$/.exec(file);
      if (!m) {
        res.status(404).type('text/plain').send('no such file');
        return;
      }
      const index = Number(m[1]);
      const send = (): void => {
        res.setHeader('Cache-Control', 'max-age=3600');
        res.type('video/mp2t').sendFile(t.segmentPath(index), (err) => {
          if (err && !res.headersSent) res.status(404).end();
        });
      };
      if (t.live) {
        if (existsSync(t.segmentPath(index))) send();
        else res.status(404).type('text/plain').send('segment gone or not yet written');
        return;
      }
      if (index >= t.segments) {
        res.status(404).type('text/plain').send('no such segment');
        return;
      }
      t.waitFor(index, this.opts.segmentWaitMs).then(send, (err: StratusError) => {
        // A device gets the code only: ffmpeg's words name our files.
        if (!res.headersSent) res.status(502).json({ code: err.code });
      });
    });
    return r;
  }

  /** Stops every ffmpeg and deletes every file. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.opening.values()]);
    for (const job of [...this.byId.values()]) void this.stopJob(job);
    await Promise.all([...this.stopping]);
    await this.proxy.close();
    if (this.ownRoot) rmSync(this.root, { recursive: true, force: true });
  }
}

function waitForFile(path: string, timeoutMs: number, failed: () => StratusError | null): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const err = failed();
      if (err) reject(err);
      else if (existsSync(path)) resolve();
      else if (Date.now() > until) reject(new StratusError('STRATUS_BRIDGE_FAILED', 'the live transcode wrote no playlist in time'));
      else setTimeout(tick, 100);
    };
    tick();
  });
}
