import { existsSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { corsFor } from '@stratus/media-bridge';

/** What scripts/generate-fixtures.js wrote about the live channels. */
export interface FixtureChannel {
  lcn: number;
  name: string;
  colour: string;
  rgb: [number, number, number];
}

export interface FixtureCatalogue {
  segmentSeconds: number;
  channels: FixtureChannel[];
}

/** Segments a live playlist lists: enough for a player to start ~2 segments behind the edge. */
const LIVE_WINDOW = 3;

export function readFixtureCatalogue(mediaRoot: string): FixtureCatalogue {
  const file = join(mediaRoot, 'channels.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run node scripts/generate-fixtures.js`);
  return JSON.parse(readFileSync(file, 'utf8')) as FixtureCatalogue;
}

function segmentCount(dir: string): number {
  const source = readFileSync(join(dir, 'source.m3u8'), 'utf8');
  return source.split('\n').filter((l) => /^seg\d+\.ts$/.test(l.trim())).length;
}

/**
 * A sliding-window playlist over a channel's recorded segments, looped on the wall clock, so a
 * fixture behaves like a live channel: the media sequence grows, old segments leave the window,
 * and every wrap is marked as a discontinuity (timestamps restart there).
 */
export function livePlaylist(nowMs: number, startedMs: number, segments: number, segmentSeconds: number): string {
  const edge = Math.floor((nowMs - startedMs) / 1000 / segmentSeconds) + LIVE_WINDOW - 1;
  const first = edge - LIVE_WINDOW + 1;
  // Discontinuity tags stand before every segment k > 0 with k % segments == 0; count those that
  // already left the window.
  const discontinuitiesGone = first > 0 ? Math.floor((first - 1) / segments) : 0;
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${segmentSeconds}`,
    `#EXT-X-MEDIA-SEQUENCE:${first}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitiesGone}`
  ];
  for (let k = first; k <= edge; k++) {
    if (k > 0 && k % segments === 0) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXTINF:${segmentSeconds.toFixed(3)},`, `seg${k % segments}.ts`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Serves the generated media fixtures as a media origin would: VOD files as they are, and the live
 * channels at /live/chN/index.m3u8. Device players (hls.js, shaka) fetch with XHR, so a device page
 * of another origin needs to be in `corsOrigins`.
 */
export function mediaOriginRouter(mediaRoot: string, corsOrigins: readonly string[], startedMs = Date.now()): express.Router {
  const router = express.Router();
  router.use(corsFor(corsOrigins));
  // Segment counts per channel and the segment length are read once, on first use, not per request.
  const counts = new Map<string, number>();
  let segmentSeconds = 0;
  router.get('/live/:channel/index.m3u8', (req, res) => {
    const dir = join(mediaRoot, 'live', req.params.channel);
    let n = counts.get(dir);
    if (n === undefined) {
      if (!/^ch\d{1,3}$/.test(req.params.channel) || !existsSync(join(dir, 'source.m3u8'))) {
        res.status(404).end();
        return;
      }
      n = segmentCount(dir);
      counts.set(dir, n);
      segmentSeconds ||= readFixtureCatalogue(mediaRoot).segmentSeconds;
    }
    res.set({ 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-cache' });
    res.send(livePlaylist(Date.now(), startedMs, n, segmentSeconds));
  });
  // A stream that passes the orchestrator's inspection (its master names H.264/AAC) but whose
  // variant does not exist: the device's player fails on it, which exercises the device error path.
  router.get('/vod/broken/master.m3u8', (_req, res) => {
    res.set({ 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-cache' });
    res.send('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2"\nmissing/index.m3u8\n');
  });
  router.use(
    express.static(mediaRoot, {
      setHeaders: (res, path) => {
        if (path.endsWith('.m3u8')) res.setHeader('Content-Type', 'application/vnd.apple.mpegurl');
        else if (path.endsWith('.mpd')) res.setHeader('Content-Type', 'application/dash+xml');
        else if (path.endsWith('.ts')) res.setHeader('Content-Type', 'video/mp2t');
        else if (path.endsWith('.m4s')) res.setHeader('Content-Type', 'video/iso.segment');
      }
    })
  );
  return router;
}

export interface MediaOrigin {
  baseUrl: string;
  server: Server;
  /** Requests served, with the client's user agent: tests check the cloud browser never fetched media. */
  requests: Array<{ path: string; userAgent: string }>;
  close(): Promise<void>;
}

/** A standalone media origin on its own port, as in the field: media never crosses the orchestrator. */
export async function startMediaOrigin(mediaRoot: string, host = '127.0.0.1', port = 0): Promise<MediaOrigin> {
  const app = express();
  const requests: MediaOrigin['requests'] = [];
  app.use((req, _res, next) => {
    requests.push({ path: req.path, userAgent: String(req.headers['user-agent'] ?? '') });
    next();
  });
  // Like a public CDN, it lets any page's player fetch it.
  app.use(mediaOriginRouter(mediaRoot, ['*']));
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    baseUrl: `http://${host}:${addr.port}`,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
