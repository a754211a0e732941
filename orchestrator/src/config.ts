import { StratusError } from '@stratus/protocol';
import type { DeviceProfile } from '@stratus/protocol';
import { coerce, illegal } from './config-check';
import type { LineupChannel } from './media/media-proxy';
import { LOG_LEVELS } from './ops/log';

/** An app the orchestrator may run, and the resolution (CSS pixels) it is authored for. */
export interface AppEntry {
  /** Absolute URL, or a path on the orchestrator's own server such as /apps/portal/. */
  url: string;
  width: number;
  height: number;
  /** Origins besides its own that the app may start with HbbTV createApplication. */
  allowedOrigins?: string[];
  /** The broadcaster whose API keys may run and drive it (protocol/src/api.ts); none: operators only. */
  owner?: string;
  /** The HbbTV keyset mask it has before it sets one; absent: every key. */
  keyset?: number;
  /** Whether its storage lasts for the session (the default) or is kept per device. */
  storage?: 'session' | 'device';
}

/** The built-in secret for development. It is public, so production mode refuses it. */
export const INSECURE_DEV_SECRET = 'stratus-development-secret-INSECURE-do-not-deploy';

/**
 * The one defaults object. Every value names the component that reads it. Environment variables
 * (STRATUS_SECTION_KEY) and CLI flags (--section.key=value) go on top; see mergeConfig.
 */
export const DEFAULTS = {
  server: {
    /** server.ts: interface to listen on. */
    host: '127.0.0.1',
    /** server.ts: TCP port; 0 picks a free one. */
    port: 8080,
    /** connection/peer-connection.ts: largest inbound message from a device or control client, in bytes. */
    maxMessageBytes: 16384,
    /** connection/peer-connection.ts: time a new connection has to send its handshake (hello, resume or join). */
    handshakeTimeoutMs: 10000,
    /** server.ts (with identity.ts): proxies (comma-separated IPs) whose X-Forwarded-For is believed. */
    trustedProxies: '',
    /**
     * server.ts: page origins (comma separated, e.g. https://tv.example) whose device pages may
     * open the device WebSocket besides the orchestrator's own; a client that sends no Origin
     * (a box's native client, a server) is not a page and connects.
     */
    allowedOrigins: '',
    /** server.ts: PEM certificate and key files; with both, the server speaks HTTPS and WSS. */
    tlsCert: '',
    tlsKey: '',
    /** main.ts (orchestrator.ts): how long a shutdown may take before Chromium is killed and the process exits. */
    shutdownDeadlineMs: 10000
  },
  control: {
    /** session/session.ts (the channel's channel/pending-calls.ts): how long a cloud-to-device request waits for its answer. */
    rpcTimeoutMs: 5000,
    /** connection/peer-connection.ts (channel/rate-limit.ts): messages per second, sustained, per connection. */
    ratePerS: 200,
    /** connection/peer-connection.ts (channel/rate-limit.ts): messages allowed in a burst. */
    rateBurst: 400,
    /** orchestrator.ts (for session/session-channels.ts): control clients (session.join) a session accepts besides its device. */
    maxChannels: 4
  },
  api: {
    /**
     * orchestrator.ts (api/json-store.ts): folder of the integration API's stores (API keys, the catalogue's changes,
     * webhooks), relative to the working directory; empty keeps them in memory only.
     */
    dataDir: 'data',
    /** api/rest.ts: API calls per second, sustained, per API key (or per address before authentication). */
    ratePerS: 50,
    /** api/rest.ts: calls allowed in a burst. */
    rateBurst: 100,
    /** api/rest.ts: largest request body, in bytes. */
    maxBodyBytes: 65536,
    /** orchestrator.ts (api/event-log.ts): recent events kept for SSE clients resuming with Last-Event-ID. */
    eventBuffer: 2000,
    /** orchestrator.ts (for session/session.ts): app.error events per session per minute; more are counted, not sent. */
    appErrorsPerMin: 20,
    /** orchestrator.ts (api/webhooks.ts): how long one delivery may take before it counts as failed. */
    webhookTimeoutMs: 5000,
    /** orchestrator.ts (api/webhooks.ts): events queued per endpoint; beyond, the oldest is dropped and counted. */
    webhookQueue: 1000,
    /** orchestrator.ts (api/webhooks.ts): first retry delay, doubled per failure up to webhookRetryMaxMs. */
    webhookRetryMs: 250,
    webhookRetryMaxMs: 30000,
    /** orchestrator.ts (api/webhooks.ts): private hosts ("host" or "host:port", comma separated) webhooks may post to. */
    webhookAllowPrivate: '',
    /** orchestrator.ts: how long a pre-warmed session waits for its device before it closes. */
    prewarmTtlMs: 120000
  },
  ops: {
    /** orchestrator.ts (ops/log.ts): the node's name in logs and metrics; empty: the host name and a random suffix. */
    nodeId: '',
    /** orchestrator.ts (ops/log.ts): JSON log level: fatal, error, warn, info, debug, trace or silent. */
    logLevel: 'info',
    /** server.ts (ops/metrics.ts): Prometheus metrics at /metrics, "on" or "off". */
    metrics: 'on',
    /** server.ts: the bearer token /metrics asks for; empty: none (keep the port private then). */
    metricsToken: '',
    /** orchestrator.ts: how long a draining node waits for its sessions before it moves the rest anyway. */
    drainDeadlineMs: 60000,
    /** orchestrator.ts: a draining node moves a session first once its viewer has pressed no key for this long. */
    drainIdleMs: 5000
  },
  cluster: {
    /** orchestrator.ts (cluster/directory.ts): the session directory, redis://host:port; empty: this node runs alone. */
    redisUrl: '',
    /** orchestrator.ts: where devices reach this node itself (http(s)://host:port), for redirects; empty: its own address. */
    publicUrl: '',
    /** orchestrator.ts (cluster/directory.ts): a node that has not renewed its record for this long counts as gone. */
    leaseMs: 2000,
    /** orchestrator.ts (cluster/ticket.ts): how long a redirect ticket is good for. */
    ticketTtlMs: 30000,
    /** orchestrator.ts (cluster/directory.ts): prefix of the directory's keys, to share a Redis with others. */
    keyPrefix: 'stratus:'
  },
  storage: {
    /**
     * orchestrator.ts (storage/device-state.ts): the AES-256 key (64 hex characters) of per-device app state at rest
     * (catalogue entries with storage "device"); empty: one derived from auth.secret.
     */
    key: '',
    /** orchestrator.ts (session/session.ts): how often a running session saves its app's state (and at its end). */
    saveIntervalMs: 30000,
    /** orchestrator.ts (storage/device-state.ts): how long a device's kept state lasts without a new save. */
    ttlDays: 90
  },
  identity: {
    /** orchestrator.ts: "latitude,longitude" reported to apps when the device sends no location; empty: none. */
    defaultLocation: ''
  },
  chromium: {
    /** chromium.ts: Debian's Chromium. */
    executablePath: '/usr/bin/chromium',
    /** chromium.ts: extra command-line switches, space separated. */
    extraArgs: '',
    /** chromium.ts: how long launching may take. */
    launchTimeoutMs: 30000,
    /** chromium.ts: the longest any DevTools call may take before it fails (a safety net; puppeteer's own is 180 s). */
    protocolTimeoutMs: 30000,
    /**
     * page/cloud-page.ts: a capture or evaluation of the app's page taking longer than this means
     * its renderer hangs: it is crashed and the app reloaded (session/session.ts).
     */
    hangTimeoutMs: 5000,
    /** browser-supervisor.ts: how long a hello waits for a relaunching browser before STRATUS_BROWSER_UNAVAILABLE. */
    relaunchWaitMs: 20000,
    /**
     * browser-pool.ts: cloud browser processes on the node, sessions spread over them (the fewest
     * first). A browser that dies takes only its own sessions' pages along, and each carries only
     * its own sessions' input and frames; each costs ~120 MB more (its browser, GPU and network
     * processes; docs/benchmarks.md, session 44).
     */
    browsers: 2
  },
  auth: {
    /** config.ts: "development" runs with the built-in secret and says so; "production" refuses it. */
    mode: 'development',
    /** auth/device-token.ts: HMAC-SHA256 key of device tokens. */
    secret: INSECURE_DEV_SECRET,
    /** orchestrator.ts: device ids whose tokens are refused, comma separated. */
    revokedDevices: '',
    /** server.ts: bearer token of the operator API (/operator/...); empty disables the API. */
    operatorToken: '',
    /** server.ts: lifetime of the tokens /dev/token hands the emulator (development mode only). */
    devTokenTtlS: 86400
  },
  sessions: {
    /** orchestrator.ts: sessions at once; the next hello gets STRATUS_SESSION_LIMIT. */
    max: 16,
    /** orchestrator.ts: sessions one device id may hold at once; the next hello gets STRATUS_DEVICE_SESSION_LIMIT. */
    maxPerDevice: 4,
    /** orchestrator.ts: the largest screen a hello may ask for (its layer costs memory in proportion); larger: STRATUS_SCREEN_TOO_LARGE. */
    maxScreenWidth: 1920,
    maxScreenHeight: 1080,
    /** session/session.ts (session/idle-timer.ts): a session without keys for this long closes with STRATUS_IDLE_TIMEOUT. */
    idleTimeoutMs: 1800000,
    /** page/cloud-page.ts: after pagehide, how long the page may still send beacons before teardown. */
    unloadGraceMs: 1000,
    /** session/session-channels.ts: how long a session whose device dropped waits for session.resume. */
    resumeGraceMs: 30000,
    /** page/cloud-page.ts: how long the app page may take to load. */
    appLoadTimeoutMs: 15000,
    /** session/session.ts: page crashes (or hangs) within sessions.crashWindowMs that close the session with STRATUS_PAGE_CRASHED. */
    maxCrashes: 3,
    crashWindowMs: 60000
  },
  ui: {
    /** layer/layer-stream.ts (layer/damage.ts): edge of the square tiles the diff works in, in layer pixels. */
    tileSize: 32,
    /** layer/layer-stream.ts: UI frames in flight before the server waits for acks. */
    window: 2,
    /** layer/frame-builder.ts (png/encode.ts): zlib level of the rectangle PNGs; 6 is ~23% smaller than 1 for ~1 ms (docs/benchmarks.md). */
    pngLevel: 6,
    /** layer/layer-stream.ts: captures that may fail in a row before the session closes. */
    maxCaptureFailures: 3,
    /**
     * session/session.ts (cloud-page/src/damage-hint.ts): "on" captures a key-down's frame from the area the page reports it
     * changed (~10 ms sooner), then the whole layer to correct it, and, while the screencast is quiet, a change the page
     * makes by itself (a clock) likewise; "off" always the whole layer.
     */
    damageHints: 'on',
    /**
     * session/session.ts (layer/layer-stream.ts): at scale 1, "on" takes the layer's changed pixels from the page's own
     * screencast frames (exact wherever a pixel is opaque or clear), capturing only changed areas with translucent
     * pixels; a key costs the page's one paint instead of two captures. "off" captures every change (with damageHints).
     */
    screencastPixels: 'on',
    /** layer/layer-stream.ts: how long a key-down may go unclaimed by any frame before a capture checks it (in pixels mode, a key that paints nothing waits this long). */
    keyPaintWaitMs: 150,
    /**
     * session/session.ts (layer/quiet-screencast.ts, cloud-page/src/paint-watch.ts): "on" stops the cloud page's
     * screencast while the page is still and vouches for its paints (no canvas, media, frames, animated images,
     * caret or running animation), and captures on the page's own reports of what changed; "off" keeps it on.
     */
    quietScreencast: 'on',
    /**
     * layer/layer-stream.ts: while quiet, every frame sent (a key's clip, a reported change) is checked by a whole capture at
     * most this long after it (the frames in between share the check); each check that finds nothing doubles the span, up to
     * four times this. While keys come, a check due runs right after the next key's frame (at most twice this later).
     */
    quietVerifyMs: 1000,
    /** session/session.ts (page/cloud-page.ts): largest hinted area, in percent of the layer; bigger gets a full capture. */
    damageHintMaxPercent: 25,
    /**
     * layer/layer-stream.ts (layer/motion.ts): "lossy" sends opaque photographic changes as JPEG (when the device
     * decodes it) and their exact pixels once they have stood still for motionSettleMs; "lossless" sends PNG only.
     */
    motion: 'lossy',
    /**
     * layer/layer-stream.ts (layer/damage-signal.ts): JPEG quality of lossy rectangles and of live
     * frames. They show for a motion's length and are replaced by exact pixels after it: at 60 a
     * carousel's live frame is 33 KB against 48 at 80 (a 720p full frame's mean error 2.4 levels
     * against 2.0), and 20 frames a second need 5.3 Mbit/s instead of 7.7, of a 10 Mbit/s access link.
     */
    motionQuality: 60,
    /** layer/layer-stream.ts: how long a lossy region, or a live motion, must receive no damage before its exact pixels are sent. */
    motionSettleMs: 100,
    /** layer/layer-stream.ts: longest run of JPEG-only captures before the whole layer is captured again. */
    motionMaxMs: 1000,
    /**
     * layer/layer-stream.ts (layer/damage-signal.ts): "on" sends an opaque layer without video holes, while it moves, as
     * the page's own JPEG screencast frames, as fast as the device acknowledges them; "off" captures the moving region.
     */
    motionLive: 'on',
    /**
     * layer/layer-stream.ts (layer/live-crop.ts): "on" cuts each live frame to the MCUs that changed since the frame the
     * device shows, without decoding it (a menu's sliding highlight is a few KB, not the whole screen); "off" sends it whole.
     */
    motionCrop: 'on',
    /**
     * layer/layer-stream.ts (layer/live-motion.ts): live frames per second at most, on average. The
     * screencast's frames come unevenly and each waits for its cut and the device's window, so 40
     * delivers 25–28 a second on the rows and the carousel, 30 delivered 20–22 (benchmarks.md,
     * session 45); the bytes a key stayed the same (each frame is what changed since the last).
     */
    motionMaxFps: 40,
    /**
     * layer/layer-stream.ts (layer/copy-rect.ts): "on" moves content that scrolled or slid on the device (to devices
     * whose hello lists "copy") and sends only what the move does not explain; "off" always sends the pixels.
     */
    copyRects: 'on',
    /**
     * layer/layer-stream.ts (layer/tile-cache.ts): "on" draws tiles the device has shown before from its tile cache
     * (devices whose hello lists "stash" and "cached") instead of sending them again; "off" always sends the pixels.
     */
    tileCache: 'on'
  },
  media: {
    /** media/media-proxy.ts: how long an app's play() waits for the device's player to start. */
    playTimeoutMs: 20000,
    /** server.ts: "on" serves the generated media fixtures at /media/ (VOD and looping live channels); never in production mode. */
    fixtureOrigin: 'on',
    /**
     * media/media-proxy.ts: the channel line-up of video/broadcast. `url` is the stream a device
     * without a real tuner plays (the emulator); real terminals tune by onid/tsid/sid.
     */
    channels: [
      {
        ccid: 'ccid:1',
        lcn: 1,
        name: 'Stratus Red',
        onid: 8916,
        tsid: 1,
        sid: 101,
        url: '/media/live/ch1/index.m3u8',
        programmes: [
          { name: 'Stratus Red News', description: 'The news, in red', durationS: 1800 },
          { name: 'Stratus Red Film', description: 'A film in red', durationS: 5400 }
        ],
        // Scripted DSM-CC events, so L-shape and ad-insertion apps can be tried in the emulator.
        streamEvents: [
          { name: 'lshape', afterS: 10, everyS: 30, data: '01', text: 'L-shape on' },
          { name: 'lshape', afterS: 25, everyS: 30, data: '00', text: 'L-shape off' }
        ]
      },
      { ccid: 'ccid:2', lcn: 2, name: 'Stratus Green', onid: 8916, tsid: 1, sid: 102, url: '/media/live/ch2/index.m3u8' },
      { ccid: 'ccid:3', lcn: 3, name: 'Stratus Blue', onid: 8916, tsid: 1, sid: 103, url: '/media/live/ch3/index.m3u8' }
    ] as LineupChannel[],
    /**
     * media/capabilities.ts: canPlayType's answer for what the device plays only through the
     * media-bridge. "virtually" is the W3C cloud browser answer; "maybe" suits apps that break on
     * strings they do not know.
     */
    virtualAnswer: 'virtually',
    /**
     * orchestrator.ts (media-bridge/src/source-guard.ts): private hosts ("host" or "host:port", comma separated) media sources
     * may be on. Everything else private (loopback, RFC 1918, link-local) is refused, so an app
     * cannot turn the cloud into a proxy into its own network. The fixture origin is always allowed.
     */
    allowPrivate: '',
    /**
     * server.ts (dev/media-origin.ts) and orchestrator.ts (for media-bridge/src/bridge.ts): device page
     * origins (comma separated, "*" for any) that may fetch /media and /bridge with XHR. Empty:
     * only pages of the same origin (the orchestrator's emulator and /tv/ page need nothing more).
     * A standalone bridge serves devices whose page is the orchestrator's: list that origin there.
     */
    corsOrigins: '',
    /** orchestrator.ts (media/playback-route.ts, the media-bridge's probes): how long reading a source's manifest or probing it may take. */
    inspectTimeoutMs: 5000
  },
  bridge: {
    /** orchestrator.ts: "embedded" runs the media-bridge in-process, "remote" uses bridge.url, "off" disables virtual playback. */
    mode: 'embedded',
    /** orchestrator.ts: a standalone bridge's base URL (remote mode), e.g. http://bridge.internal:7100 */
    url: '',
    /** bridge-main.ts and the remote client: bearer token of a standalone bridge's API; empty disables the check. */
    token: '',
    /** bridge-main.ts: where a standalone bridge listens. */
    host: '127.0.0.1',
    port: 7100,
    /** media-bridge/src/bridge.ts: Debian's ffmpeg and ffprobe. */
    ffmpegPath: 'ffmpeg',
    ffprobePath: 'ffprobe',
    /** media-bridge/src/bridge.ts: parent folder of the transcodes' segments; empty: a fresh folder under /tmp. */
    workDir: '',
    /** media-bridge/src/bridge.ts: HLS segment length in seconds. */
    segmentSeconds: 2,
    /** media-bridge/src/transcode.ts: x264 preset; ultrafast keeps several 720p transcodes real-time on two cores. */
    preset: 'ultrafast',
    /** media-bridge/src/bridge.ts: transcodes at once; one more gets STRATUS_BRIDGE_BUSY. */
    maxTranscodes: 4,
    /** media-bridge/src/bridge.ts: how long a transcode nobody watches lives on before ffmpeg stops and its files go. */
    idleMs: 10000,
    /** media-bridge/src/bridge.ts: how long a segment request waits for ffmpeg. */
    segmentWaitMs: 20000,
    /** media-bridge/src/transcode.ts: segments ffmpeg may run ahead of the viewer before it is paused. */
    maxAheadSegments: 15
  },
  devices: {
    /**
     * server.ts (/device/profiles.json): boxes the emulator can pretend to be. Each says what it
     * decodes (codec names of protocol/src/capabilities.ts), its containers, how it plays HLS and
     * DASH, its largest video and its screen.
     */
    profiles: {
      legacy: {
        name: 'Legacy STB (H.264/AAC, 720p, native HLS, no MSE)',
        codecs: ['avc', 'aac', 'mp3'],
        containers: ['mp4', 'mp2t', 'mp3'],
        hls: 'native',
        dash: 'none',
        maxVideo: { width: 1280, height: 720 },
        screen: { width: 1280, height: 720 }
      },
      modern: {
        name: 'Modern STB (H.264/HEVC/AAC, 1080p, MSE)',
        codecs: ['avc', 'hevc', 'aac', 'mp3', 'ac3', 'eac3'],
        containers: ['mp4', 'mp2t', 'mp3'],
        hls: 'mse',
        dash: 'mse',
        maxVideo: { width: 1920, height: 1080 },
        screen: { width: 1280, height: 720 }
      }
    } as Record<string, DeviceProfile>,
    /** server.ts: the emulator's profile when its URL names none; "host" reports the desktop browser as it is. */
    emulatorProfile: 'modern'
  },
  hbbtv: {
    /** page/hbbtv-config.ts: what the cloud page's HbbTV objects report (localSystem); the model is the device's own. */
    vendorName: 'Stratus',
    softwareVersion: '1.0',
    hardwareVersion: '1.0',
    /** page/hbbtv-config.ts: configuration.countryId (ISO 3166-1 alpha-3). */
    countryId: 'DEU',
    /** page/hbbtv-config.ts: the viewer's preferred languages (ISO 639-2), as configuration reports them. */
    audioLanguage: 'eng',
    subtitleLanguage: 'eng',
    uiLanguage: 'eng',
    /** page/hbbtv-config.ts: the parental rating schemes (comma separated), the age threshold, and the PIN ("" for none). */
    parentalSchemes: 'dvb-si',
    parentalThreshold: 18,
    parentalPin: '',
    /** page/hbbtv-config.ts: origins (comma separated) createApplication may start besides the app's own. */
    allowedOrigins: ''
  },
  apps: {
    /** orchestrator.ts: the app a device gets when its hello names none. */
    default: 'portal',
    /** orchestrator.ts: the catalogue. A device can only ask for an app by id from here. */
    catalog: {
      portal: { url: '/apps/portal/', width: 1280, height: 720 },
      'portal-1080': { url: '/apps/portal/?authored=1080', width: 1920, height: 1080 },
      media: { url: '/apps/media/', width: 1280, height: 720 },
      // A photo carousel moved with CSS transforms (fixtures/apps/carousel), authored at both sizes.
      carousel: { url: '/apps/carousel/', width: 1920, height: 1080 },
      'carousel-720': { url: '/apps/carousel/', width: 1280, height: 720 },
      // Rows of posters scrolled smoothly on both axes (fixtures/apps/rows), authored at both sizes.
      rows: { url: '/apps/rows/', width: 1920, height: 1080 },
      'rows-720': { url: '/apps/rows/', width: 1280, height: 720 },
      // A card grid scrolled in animated jumps (fixtures/apps/grid), authored at both sizes.
      grid: { url: '/apps/grid/', width: 1920, height: 1080 },
      'grid-720': { url: '/apps/grid/', width: 1280, height: 720 },
      // A main menu of transitions over a picture (fixtures/apps/menu), authored at both sizes.
      menu: { url: '/apps/menu/', width: 1920, height: 1080 },
      'menu-720': { url: '/apps/menu/', width: 1280, height: 720 },
      // A broadcaster's news app driven from its backend (fixtures/apps/newsroom), owned by the "newsroom" scope.
      newsroom: { url: '/apps/newsroom/', width: 1280, height: 720, owner: 'newsroom' },
      // A service's account screen whose login lasts across sessions (fixtures/apps/login): its state is kept per device.
      login: { url: '/apps/login/', width: 1280, height: 720, storage: 'device' }
    } as Record<string, AppEntry>
  }
};

export type Config = typeof DEFAULTS;

/** A comma-separated setting as its items, trimmed, empty ones dropped. */
export function listOf(csv: string): string[] {
  return csv.split(',').map((s) => s.trim()).filter(Boolean);
}

export type Overrides = { [section: string]: { [key: string]: unknown } | undefined };

/** Returns a new config: defaults, then each override layer in order. Throws STRATUS_CONFIG_INVALID. */
export function mergeConfig(...layers: Overrides[]): Config {
  const cfg = structuredClone(DEFAULTS) as Config;
  const sections = cfg as unknown as Record<string, Record<string, unknown>>;
  for (const layer of layers) {
    for (const [section, values] of Object.entries(layer)) {
      if (values === undefined) continue;
      if (!(section in sections)) throw illegal(section, 'unknown section');
      for (const [key, raw] of Object.entries(values)) {
        const path = `${section}.${key}`;
        if (!(key in sections[section])) throw illegal(path, 'unknown setting');
        sections[section][key] = coerce(path, sections[section][key], raw);
      }
    }
  }
  if (!(cfg.apps.default in cfg.apps.catalog)) throw illegal('apps.default', `no app "${cfg.apps.default}" in apps.catalog`);
  if (cfg.identity.defaultLocation && !/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/.test(cfg.identity.defaultLocation)) {
    throw illegal('identity.defaultLocation', 'expected "latitude,longitude"');
  }
  if (cfg.devices.emulatorProfile !== 'host' && !(cfg.devices.emulatorProfile in cfg.devices.profiles)) {
    throw illegal('devices.emulatorProfile', `no profile "${cfg.devices.emulatorProfile}" in devices.profiles (or "host")`);
  }
  if (!(LOG_LEVELS as readonly string[]).includes(cfg.ops.logLevel)) throw illegal('ops.logLevel', `one of ${LOG_LEVELS.join(', ')}`);
  if (cfg.ops.metrics !== 'on' && cfg.ops.metrics !== 'off') throw illegal('ops.metrics', 'on or off');
  if (cfg.storage.key && !/^[0-9a-fA-F]{64}$/.test(cfg.storage.key)) throw illegal('storage.key', '64 hexadecimal characters (32 bytes)');
  if (cfg.cluster.redisUrl && !/^rediss?:\/\//.test(cfg.cluster.redisUrl)) throw illegal('cluster.redisUrl', 'a redis:// or rediss:// URL');
  if (cfg.cluster.publicUrl && !/^https?:\/\//.test(cfg.cluster.publicUrl)) throw illegal('cluster.publicUrl', "the node's http(s) base URL");
  if (cfg.bridge.mode === 'remote' && !/^https?:\/\//.test(cfg.bridge.url)) throw illegal('bridge.url', 'remote mode needs the bridge\'s http(s) base URL');
  if (Boolean(cfg.server.tlsCert) !== Boolean(cfg.server.tlsKey)) throw illegal('server.tlsCert', 'set both tlsCert and tlsKey, or neither');
  if (cfg.auth.mode === 'production' && (cfg.auth.secret === INSECURE_DEV_SECRET || Buffer.byteLength(cfg.auth.secret) < 32)) {
    throw new StratusError('STRATUS_INSECURE_CONFIG', 'Set STRATUS_AUTH_SECRET to a random secret of 32 bytes or more.');
  }
  return cfg;
}

function camel(s: string): string {
  return s.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** STRATUS_SERVER_PORT=9000 becomes { server: { port: '9000' } }; other variables are ignored. */
export function overridesFromEnv(env: NodeJS.ProcessEnv): Overrides {
  const out: Overrides = {};
  for (const [name, value] of Object.entries(env)) {
    const m = /^STRATUS_([A-Z]+)_([A-Z0-9_]+)$/.exec(name);
    if (!m || value === undefined) continue;
    const section = m[1].toLowerCase();
    (out[section] ??= {})[camel(m[2])] = value;
  }
  return out;
}

/** --server.port=9000 or --server.port 9000. Anything else is an error, not silently ignored. */
export function overridesFromArgv(argv: string[]): Overrides {
  const out: Overrides = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-zA-Z]+)\.([a-zA-Z0-9]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw illegal(argv[i], 'flags look like --section.key=value');
    let value = m[3];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw illegal(argv[i - 1], 'needs a value');
    }
    (out[m[1]] ??= {})[m[2]] = value;
  }
  return out;
}
