import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import express from 'express';
import { StratusError } from '@stratus/protocol';
import { until } from '@stratus/testkit';
import { bridgeApp, BridgeOptions, GuardedProxy, inspectSource, MediaBridge, tsCodecs } from '../src';

const MEDIA = join(__dirname, '..', '..', '..', 'fixtures', 'media');
const P720 = { maxWidth: 1280, maxHeight: 720 };

function ffmpegChildren(): number {
  const out = execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim() === 'ffmpeg').length;
}

async function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}


async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'resolved', (e: StratusError) => e.code);
}

describe('media-bridge', function () {
  this.timeout(60000);
  let origin: { server: Server; base: string };
  let bridge: MediaBridge;
  let front: { server: Server; base: string };
  const options = (o: Partial<BridgeOptions> = {}): BridgeOptions => ({
    ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', workDir: '', segmentSeconds: 2, preset: 'ultrafast', maxTranscodes: 2,
    idleMs: 100, segmentWaitMs: 20000, probeTimeoutMs: 3000, maxAheadSegments: 3, allowPrivate: ['127.0.0.1'], corsOrigins: [], ...o
  });

  before(async () => {
    const app = express();
    app.use('/media', express.static(MEDIA));
    app.get('/page', (_req, res) => res.type('html').send('<!doctype html><p>not a video</p>'));
    app.get('/hang', () => undefined);
    origin = await listen(app);
  });
  beforeEach(async () => {
    bridge = new MediaBridge(options());
    front = await listen(bridgeApp(bridge, 'secret'));
  });
  afterEach(async () => {
    await bridge.close();
    front.server.close();
    expect(ffmpegChildren()).to.equal(0);
  });
  after(() => origin.server.close());

  it('one ffmpeg serves every viewer of the same source and profile; another profile gets its own', async () => {
    const src = `${origin.base}/media/vod/hevc-720p.mp4`;
    const leases = await Promise.all([bridge.open(src, P720), bridge.open(src, P720), bridge.open(src, P720)]);
    expect(new Set(leases.map((l) => l.id)).size).to.equal(1);
    expect(bridge.active).to.equal(1);
    await until('ffmpeg', () => bridge.processes === 1);
    expect(ffmpegChildren()).to.equal(1);
    const small = await bridge.open(src, { maxWidth: 640, maxHeight: 360 });
    expect(small.id).to.not.equal(leases[0].id);
    expect(bridge.active).to.equal(2);
    for (const l of [...leases, small]) l.release();
    await until('idle transcodes to stop', () => bridge.active === 0);
  });

  it('serves a VOD playlist of the whole source at once, caps the resolution, and seeks by restarting ffmpeg', async () => {
    const lease = await bridge.open(`${origin.base}/media/vod/hevc-720p.mp4`, { maxWidth: 640, maxHeight: 360 });
    const playlist = await (await fetch(`${front.base}/bridge/${lease.playlist}`)).text();
    expect(playlist).to.contain('#EXT-X-ENDLIST');
    expect(playlist.match(/#EXTINF:2\.000,/g)).to.have.length(10);
    const t = bridge.transcode(lease.id)!;
    const res = await fetch(`${front.base}/bridge/${lease.id}/seg8.ts`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/video\/mp2t/);
    expect(t.runs).to.equal(2);
    const file = join(__dirname, 'seg8.ts');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    try {
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file], { encoding: 'utf8' })) as { streams: Array<{ codec_name: string; width?: number; height?: number; start_time: string }> };
      const video = probe.streams.find((s) => s.codec_name === 'h264')!;
      expect([video.width, video.height]).to.deep.equal([640, 360]);
      // Segment 8 starts at 16 s of the source: the timeline survives the restart.
      expect(Number(video.start_time)).to.be.within(16, 17.5);
      expect(probe.streams.map((s) => s.codec_name)).to.include('aac');
    } finally {
      rmSync(file);
    }
    lease.release();
  });

  it('stops ffmpeg and deletes its files once the last viewer has been gone for idleMs', async () => {
    const a = await bridge.open(`${origin.base}/media/vod/vp9.webm`, P720);
    const b = await bridge.open(`${origin.base}/media/vod/vp9.webm`, P720);
    await (await fetch(`${front.base}/bridge/${a.id}/seg0.ts`)).arrayBuffer();
    const dir = join((bridge as any).root, a.id);
    expect(readdirSync(dir).some((f) => /^seg\d+\.ts$/.test(f))).to.equal(true);
    a.release();
    a.release();
    // A second release of the same lease counts once: one viewer holds on, so no idle stop is armed.
    expect(bridge.viewersOf(a.id)).to.equal(1);
    expect(bridge.active).to.equal(1);
    b.release();
    await until('the transcode to stop and its files to go', () => bridge.active === 0 && !existsSync(dir));
    expect((await fetch(`${front.base}/bridge/${a.id}/seg0.ts`)).status).to.equal(404);
  });

  it('refuses a transcode beyond maxTranscodes with STRATUS_BRIDGE_BUSY; an idle one gives way', async () => {
    const a = await bridge.open(`${origin.base}/media/vod/vp9.webm`, P720);
    const b = await bridge.open(`${origin.base}/media/vod/hevc-720p.mp4`, P720);
    expect(await codeOf(bridge.open(`${origin.base}/media/vod/h264.mp4`, P720))).to.equal('STRATUS_BRIDGE_BUSY');
    expect(bridge.stats.refused).to.equal(1);
    await bridge.close();
    bridge = new MediaBridge(options({ maxTranscodes: 1, idleMs: 60000 }));
    const c = await bridge.open(`${origin.base}/media/vod/vp9.webm`, P720);
    c.release();
    const d = await bridge.open(`${origin.base}/media/vod/h264.mp4`, P720);
    expect(bridge.active).to.equal(1);
    d.release();
    void a;
    void b;
  });

  it('a crashing ffmpeg fails its viewers with STRATUS_BRIDGE_FAILED and its segments with 502', async () => {
    const lease = await bridge.open(`${origin.base}/media/vod/hevc-720p-detail.mp4`, P720);
    const failed = new Promise<StratusError>((resolve) => lease.onFailed(resolve));
    const t = bridge.transcode(lease.id)!;
    process.kill(await until('ffmpeg', () => t.pid), 'SIGKILL');
    const err = await failed;
    expect(err.code).to.equal('STRATUS_BRIDGE_FAILED');
    // Nothing of the bridge's own files reaches the app or the device.
    expect(err.message).to.not.match(/\/tmp\//);
    const seg = await fetch(`${front.base}/bridge/${lease.id}/seg9.ts`);
    expect(seg.status).to.equal(502);
    expect(await seg.json()).to.deep.equal({ code: 'STRATUS_BRIDGE_FAILED' });
    // A new viewer gets a fresh attempt.
    const again = await bridge.open(`${origin.base}/media/vod/hevc-720p-detail.mp4`, P720);
    expect(again.id).to.not.equal(lease.id);
    lease.release();
    again.release();
  });

  it('refuses bad sources with coded errors, quickly', async () => {
    const t0 = Date.now();
    const open = (url: string): Promise<string> => codeOf(bridge.open(url, P720));
    expect(await open('ftp://example.org/x.mp4')).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    expect(await open('http://169.254.169.254/latest/meta-data')).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    expect(await open('http://[::1]:9/x.mp4')).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    expect(await open('http://192.168.1.1/x.mp4')).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    expect(await open('not a url')).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    expect(await open('http://127.0.0.1:1/x.mp4')).to.equal('STRATUS_MEDIA_SOURCE_UNREACHABLE');
    expect(await open(`${origin.base}/media/nothing.mp4`)).to.equal('STRATUS_MEDIA_SOURCE_UNREACHABLE');
    expect(await open(`${origin.base}/page`)).to.equal('STRATUS_MEDIA_NOT_MEDIA');
    expect(await open(`${origin.base}/hang`)).to.equal('STRATUS_MEDIA_SOURCE_UNREACHABLE');
    expect(Date.now() - t0).to.be.below(15000);
    expect(bridge.active).to.equal(0);
  });

  it('inspection reads CODECS from HLS masters and DASH manifests, and asks ffprobe otherwise', async () => {
    const proxy = new GuardedProxy(['127.0.0.1']);
    const opts = { ffprobePath: 'ffprobe', timeoutMs: 3000, allowPrivate: ['127.0.0.1'], proxy };
    try {
      const dash = await inspectSource(`${origin.base}/media/vod/dash/manifest.mpd`, opts);
      expect(dash.format).to.equal('dash');
      expect(dash.variants[0].codecs).to.deep.equal(['avc', 'aac']);
      expect(dash.variants[0].height).to.equal(360);
      // A media playlist names no codecs: its first segment's PMT does (no ffprobe, no size).
      const hls = await inspectSource(`${origin.base}/media/vod/h264/index.m3u8`, opts);
      expect(hls).to.deep.include({ format: 'hls' });
      expect(hls.variants[0]).to.deep.include({ codecs: ['avc', 'aac'] });
      const ts = join(__dirname, 'hevc.ts');
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(MEDIA, 'vod', 'hevc-720p.mp4'), '-t', '1', '-c', 'copy', '-f', 'mpegts', ts]);
      try {
        expect(tsCodecs(readFileSync(ts))).to.deep.equal(['hevc', 'aac']);
      } finally {
        rmSync(ts);
      }
      expect(tsCodecs(Buffer.from('#EXTM3U\n'))).to.equal(null);
      const webm = await inspectSource(`${origin.base}/media/vod/vp9.webm`, opts);
      expect(webm).to.deep.include({ format: 'file', container: 'webm' });
      expect(webm.variants[0].codecs).to.deep.equal(['vp9', 'opus']);
    } finally {
      await proxy.close();
    }
  });

  it('gives CORS only to the device page origins it is configured with', async () => {
    const lease = await bridge.open(`${origin.base}/media/vod/vp9.webm`, P720);
    try {
      const plain = await fetch(`${front.base}/bridge/${lease.playlist}`, { headers: { origin: 'http://evil.example' } });
      expect(plain.status).to.equal(200);
      expect(plain.headers.get('access-control-allow-origin')).to.equal(null);
      const listed = new MediaBridge(options({ corsOrigins: ['http://tv.example'] }));
      try {
        // The router answers for any bridge; the header depends only on its configuration.
        const srv = await listen(bridgeApp(listed, ''));
        const ask = (from: string): Promise<string | null> => fetch(`${srv.base}/bridge/none/index.m3u8`, { headers: { origin: from } }).then((r) => r.headers.get('access-control-allow-origin'));
        expect(await ask('http://tv.example')).to.equal('http://tv.example');
        expect(await ask('http://evil.example')).to.equal(null);
        srv.server.close();
      } finally {
        await listed.close();
      }
    } finally {
      lease.release();
    }
  });

  it('the standalone API opens and releases leases behind its bearer token', async () => {
    const body = JSON.stringify({ source: `${origin.base}/media/vod/vp9.webm`, maxWidth: 1280, maxHeight: 720 });
    const denied = await fetch(`${front.base}/v1/open`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(denied.status).to.equal(401);
    const headers = { 'content-type': 'application/json', authorization: 'Bearer secret' };
    const bad = await fetch(`${front.base}/v1/open`, { method: 'POST', headers, body: '{"source":5}' });
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { code: string }).code).to.equal('STRATUS_INVALID_PARAMS');
    const forbidden = await fetch(`${front.base}/v1/open`, { method: 'POST', headers, body: JSON.stringify({ source: 'http://10.0.0.1/x.mp4', maxWidth: 1280, maxHeight: 720 }) });
    expect(((await forbidden.json()) as { code: string }).code).to.equal('STRATUS_MEDIA_SOURCE_FORBIDDEN');
    const ok = (await (await fetch(`${front.base}/v1/open`, { method: 'POST', headers, body })).json()) as { lease: string; playlist: string };
    expect(ok.playlist).to.match(/^\/bridge\/[0-9a-f]+\/index\.m3u8$/);
    expect((await fetch(`${front.base}${ok.playlist}`)).status).to.equal(200);
    const rel = await fetch(`${front.base}/v1/release`, { method: 'POST', headers, body: JSON.stringify({ lease: ok.lease }) });
    expect(rel.status).to.equal(204);
    await until('the transcode to stop', () => bridge.active === 0);
  });
});
