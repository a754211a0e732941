import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What a session is doing, as /metrics counts them. */
export type SessionState = 'starting' | 'attached' | 'detached' | 'reserved' | 'closing';
export const SESSION_STATES: readonly SessionState[] = ['starting', 'attached', 'detached', 'reserved', 'closing'];

/** What the metrics read from the orchestrator when they are scraped. */
export interface MetricsSource {
  sessionStates(): Record<SessionState, number>;
  ready(): boolean;
  draining(): boolean;
  /** ffmpeg runs and transcodes opened by the embedded media-bridge, or null without one. */
  transcodes(): { opened: number; ffmpegRuns: number; failed: number } | null;
}

/**
 * The process metrics (CPU, memory, event loop, handles) are per process, however many
 * orchestrators it runs (the tests run several): one registry for them, made once.
 */
let processRegistry: Registry | null = null;
/**
 * How often the event loop's delay is sampled. prom-client's default (10 ms) wakes Node 100 times
 * a second: 0.009 cores of an idle node, the whole of an idle orchestrator's CPU (measured). At
 * 100 ms a scrape every 15 s still holds 150 samples, and a stall shows whole.
 */
const EVENT_LOOP_SAMPLE_MS = 100;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }
  return processRegistry;
}

/**
 * An orchestrator's Prometheus metrics. No per-session label anywhere: a node holds many
 * sessions and a label per session would be a series per session.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly sessionStarts: Counter<'result'>;
  readonly keyToPaint: Histogram;
  readonly frames: Counter<'kind'>;
  readonly frameBytes: Counter;
  readonly captureSeconds: Histogram;
  readonly encodeSeconds: Histogram;
  readonly chromiumCrashes: Counter;
  readonly sessionsMoved: Counter<'reason'>;
  readonly directoryErrors: Counter;

  constructor(source: MetricsSource) {
    // Made now, not at the first scrape: prom-client counts process CPU from the registry's
    // making, and a first scrape right after it read 0 CPU seconds (the ops e2e test failed so).
    processMetrics();
    const register = [this.registry];
    new Gauge({
      name: 'stratus_sessions',
      help: 'Sessions on this node by state: starting (app loading), attached (device connected), detached (waiting for a resume), reserved (pre-warmed, no device yet), closing.',
      labelNames: ['state'],
      registers: register,
      collect() {
        const counts = source.sessionStates();
        for (const s of SESSION_STATES) this.set({ state: s }, counts[s]);
      }
    });
    new Gauge({
      name: 'stratus_ready',
      help: '1 while the node takes new sessions (what /readyz answers), else 0.',
      registers: register,
      collect() {
        this.set(source.ready() ? 1 : 0);
      }
    });
    new Gauge({
      name: 'stratus_draining',
      help: '1 while the node drains (takes no new sessions and moves its own away), else 0.',
      registers: register,
      collect() {
        this.set(source.draining() ? 1 : 0);
      }
    });
    this.sessionStarts = new Counter({
      name: 'stratus_session_starts_total',
      help: 'Session starts (device hellos and pre-warms) by result: ok, or the error code that refused or failed them.',
      labelNames: ['result'],
      registers: register
    });
    this.keyToPaint = new Histogram({
      name: 'stratus_key_to_paint_seconds',
      help: 'As devices report it: from a key press to the painted frame that first includes it.',
      buckets: [0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5],
      registers: register
    });
    this.frames = new Counter({
      name: 'stratus_ui_frames_total',
      help: 'UI layer frames sent to devices, by kind: keyframe, delta (lossless), lossy (with JPEG rectangles).',
      labelNames: ['kind'],
      registers: register
    });
    this.frameBytes = new Counter({ name: 'stratus_ui_bytes_total', help: 'Bytes of UI layer frames sent to devices.', registers: register });
    this.captureSeconds = new Histogram({
      name: 'stratus_capture_seconds',
      help: 'Time to capture the cloud page for one frame.',
      buckets: [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28],
      registers: register
    });
    this.encodeSeconds = new Histogram({
      name: 'stratus_encode_seconds',
      help: 'Time to diff and encode one frame.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32],
      registers: register
    });
    this.chromiumCrashes = new Counter({ name: 'stratus_chromium_crashes_total', help: 'Times the cloud Chromium died and was relaunched.', registers: register });
    this.sessionsMoved = new Counter({
      name: 'stratus_sessions_moved_total',
      help: 'Sessions this node asked their devices to take elsewhere, by reason (drain).',
      labelNames: ['reason'],
      registers: register
    });
    this.directoryErrors = new Counter({
      name: 'stratus_directory_errors_total',
      help: 'Calls to the session directory (Redis) that failed: lease renewals, lookups, claims.',
      registers: register
    });
    // Counted by the media-bridge itself; read when scraped.
    const bridgeCounter = (name: string, help: string, pick: (t: { opened: number; ffmpegRuns: number; failed: number }) => number): void => {
      new Counter({
        name,
        help,
        registers: register,
        collect() {
          const t = source.transcodes();
          this.reset();
          if (t) this.inc(pick(t));
        }
      });
    };
    bridgeCounter('stratus_transcodes_total', 'Transcodes the embedded media-bridge opened (a shared one counts once).', (t) => t.opened);
    bridgeCounter('stratus_transcode_failures_total', 'Transcodes that failed.', (t) => t.failed);
    bridgeCounter('stratus_ffmpeg_runs_total', 'ffmpeg processes started, restarts after seeks included.', (t) => t.ffmpegRuns);
  }

  /** The exposition text: this node's metrics and the process's. */
  async text(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([this.registry, processMetrics()]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}
