import { execFileSync } from 'node:child_process';
import { request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import express from 'express';
import { StratusError } from '@stratus/protocol';
import { until } from '@stratus/testkit';
import { BridgeOptions, guardedGet, GuardedProxy, inspectSource, MediaBridge } from '../src';

const MEDIA = join(__dirname, '..', '..', '..', 'fixtures', 'media');

function ffmpegChildren(): number {
  const out = execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim() === 'ffmpeg' || l.trim() === 'ffprobe').length;
}

async function listen(app: express.Express): Promise<{ server: Server; base: string; port: number }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  return { server, base: `http://127.0.0.1:${port}`, port };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'resolved', (e: StratusError) => e.code ?? String(e));
}

/** ffmpeg and ffprobe say who they are; Node's fetches do not say Lavf. */
const isFfmpeg = (req: express.Request): boolean => /Lavf/i.test(req.headers['user-agent'] ?? '');

/**
 * Nothing may reach a private address through the media path: not Node's own fetches, not
 * ffprobe's, not ffmpeg's, whatever the source's playlists and redirects say. A "private" service
 * listens on a loopback port that media.allowPrivate does not list (only the origin's port is).
 */
describe('media fetches are confined: no request reaches a private address through ffprobe or ffmpeg', function () {
  this.timeout(60000);
  let origin: Awaited<ReturnType<typeof listen>>;
  let inner: Awaited<ReturnType<typeof listen>>;
  const innerHits: string[] = [];
  let allow: string[];
  let proxy: GuardedProxy;
  let bridge: MediaBridge | null = null;
  /** Lavf requests for the "two-faced" source so far: the first (ffprobe's) gets the file. */
  let twoFacedLavf = 0;

  before(async () => {
    const secret = express();
    secret.use((req, res) => {
      innerHits.push(req.url);
      res.sendFile(join(MEDIA, 'vod', 'hevc-720p.mp4'));
    });
    inner = await listen(secret);
    const app = express();
    // (a) a master playlist whose variant names no CODECS, on the private host.
    app.get('/a/master.m3u8', (_req, res) => {
      res.type('application/vnd.apple.mpegurl').send(`#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n${inner.base}/variant.m3u8\n`);
    });
    // (b) a media playlist whose segments are on the private host.
    app.get('/b/index.m3u8', (_req, res) => {
      res.type('application/vnd.apple.mpegurl').send(`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n${inner.base}/seg0.ts\n#EXTINF:2,\n${inner.base}/seg1.ts\n#EXT-X-ENDLIST\n`);
    });
    // (c) the file to Node, and to ffmpeg a redirect to the private host.
    app.get('/c/video.mp4', (req, res) => {
      if (isFfmpeg(req)) res.redirect(302, `${inner.base}/video.mp4`);
      else res.sendFile(join(MEDIA, 'vod', 'hevc-720p.mp4'));
    });
    // (c') the file to ffprobe's first look, then a redirect to the private host for the transcode.
    app.get('/c2/video.mp4', (req, res) => {
      if (isFfmpeg(req) && ++twoFacedLavf > 1) res.redirect(302, `${inner.base}/video.mp4`);
      else res.sendFile(join(MEDIA, 'vod', 'hevc-720p.mp4'));
    });
    app.use('/media', express.static(MEDIA));
    origin = await listen(app);
    allow = [`127.0.0.1:${origin.port}`];
    proxy = new GuardedProxy(allow);
  });
  afterEach(async () => {
    await bridge?.close();
    bridge = null;
    await until('no ffmpeg or ffprobe left', () => ffmpegChildren() === 0);
  });
  after(async () => {
    await proxy.close();
    origin.server.close();
    inner.server.close();
  });

  const inspect = (url: string): Promise<unknown> => inspectSource(url, { ffprobePath: 'ffprobe', timeoutMs: 5000, allowPrivate: allow, proxy });
  const options = (): BridgeOptions => ({
    ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', workDir: '', segmentSeconds: 2, preset: 'ultrafast', maxTranscodes: 2,
    idleMs: 100, segmentWaitMs: 20000, probeTimeoutMs: 5000, maxAheadSegments: 3, allowPrivate: allow, corsOrigins: []
  });

  it('(a) a master playlist whose codec-less variant is on a private host is refused, and the variant is never fetched', async () => {
    expect(await codeOf(inspect(`${origin.base}/a/master.m3u8`))).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    expect(innerHits).to.deep.equal([]);
  });

  it('(b) a media playlist with segments on a private host is refused whole, and no segment is fetched', async () => {
    expect(await codeOf(inspect(`${origin.base}/b/index.m3u8`))).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    expect(innerHits).to.deep.equal([]);
  });

  it('(c) ffprobe is redirected to a private host: the guard refuses the hop and the source is forbidden', async () => {
    expect(await codeOf(inspect(`${origin.base}/c/video.mp4`))).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    bridge = new MediaBridge(options());
    expect(await codeOf(bridge.open(`${origin.base}/c/video.mp4`, { maxWidth: 1280, maxHeight: 720 }))).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    expect(innerHits).to.deep.equal([]);
  });

  it("(c') ffmpeg is redirected to a private host after the probe: the transcode fails as forbidden and serves nothing of it", async () => {
    bridge = new MediaBridge(options());
    const lease = await bridge.open(`${origin.base}/c2/video.mp4`, { maxWidth: 1280, maxHeight: 720 });
    const failed = await new Promise<StratusError>((resolve) => lease.onFailed(resolve));
    expect(failed.code).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    expect(twoFacedLavf).to.be.above(1);
    expect(innerHits).to.deep.equal([]);
    lease.release();
  });

  it('checks the address when the socket connects: a name for a private address is refused by the fetch itself', async () => {
    expect(await codeOf(guardedGet(`http://localhost:${inner.port}/x`, allow))).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    expect(innerHits).to.deep.equal([]);
  });

  it('the proxy serves only its own tickets, and allowed sources still play through it', async () => {
    const port = new URL(proxy.ticket().url).port;
    // Without a ticket's credentials (and with a made-up one), nothing is forwarded.
    for (const auth of [undefined, `Basic ${Buffer.from('someone:guess').toString('base64')}`]) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: `${origin.base}/media/vod/vp9.webm`, headers: auth ? { 'proxy-authorization': auth } : {} }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).to.equal(407);
    }
    const hls = (await inspect(`${origin.base}/media/vod/h264/index.m3u8`)) as { variants: Array<{ codecs: string[] }> };
    expect(hls.variants[0].codecs).to.deep.equal(['avc', 'aac']);
    const webm = (await inspect(`${origin.base}/media/vod/vp9.webm`)) as { variants: Array<{ codecs: string[] }> };
    expect(webm.variants[0].codecs).to.deep.equal(['vp9', 'opus']);
  });
});
