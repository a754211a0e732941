#!/usr/bin/env node
'use strict';
// Generates every media fixture locally with Debian's ffmpeg; nothing is downloaded. The output
// goes to fixtures/media/ (not committed) and is rebuilt only when MEDIA_VERSION or an asset is
// missing, so `npm test` pays the few seconds once per clone.
//
//   vod/h264/index.m3u8   HLS VOD, H.264 + AAC, 12 s, 640x360, 2 s segments
//   vod/dash/manifest.mpd  DASH VOD of the same picture
//   vod/h264.mp4           progressive MP4 (A/V Control objects play this)
//   live/chN/segK.ts       3 looping "live" channels, each a solid colour with its number
//   vod/hevc-720p.mp4      HEVC-only (hvc1) + AAC, 20 s, 1280x720: magenta for 10 s, then teal
//   vod/vp9.webm           VP9-only + Opus, 8 s, 640x360, orange
//   vod/hevc-720p-detail.mp4  HEVC 720p of a busy test pattern with noise, 30 s: the bridge bench
//   vod/multi/index.m3u8   HLS VOD as broadcasters package it: video alone, two audio renditions
//                          (English 440 Hz, German 660 Hz) and two WebVTT subtitle renditions
//   vod/multi-dash/manifest.mpd  the same as DASH: an adaptation set per language, WebVTT sidecars
//   photos/pN.jpg          8 photo-like pictures (soft gradients with grain, fractal detail) for the
//                          carousel fixture app: what photographs cost the UI layer
//
// No Chromium here decodes HEVC, and a legacy box plays no WebM: these two only play through the
// media-bridge. The HEVC picture changes colour at 10 s so a test can see where a seek landed.
// The VOD picture is a flat yellow field with a running clock, so a test can tell "video shows
// here" from the emulator's background at any pixel of the video window.
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const MEDIA_VERSION = '5';
const root = join(__dirname, '..', 'fixtures', 'media');
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const SEGMENT_S = 2;
const FPS = 25;

/** The live channels: number, name and colour. The tests and the default line-up read this file. */
const CHANNELS = [
  { lcn: 1, name: 'Stratus Red', colour: '0xD01010', rgb: [208, 16, 16] },
  { lcn: 2, name: 'Stratus Green', colour: '0x10C020', rgb: [16, 192, 32] },
  { lcn: 3, name: 'Stratus Blue', colour: '0x1030D0', rgb: [16, 48, 208] }
];

function ffmpeg(args) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new Error(`ffmpeg could not start: ${r.error.message}. Install it: apt-get install ffmpeg`);
  if (r.status !== 0) throw new Error(`ffmpeg failed (${r.status}): ffmpeg ${args.join(' ')}`);
}

/** Key frames exactly on segment boundaries, so every segment is SEGMENT_S long and starts clean. */
const GOP = ['-r', String(FPS), '-g', String(FPS * SEGMENT_S), '-keyint_min', String(FPS * SEGMENT_S), '-sc_threshold', '0'];
const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-pix_fmt', 'yuv420p', ...GOP];
const AAC = ['-c:a', 'aac', '-b:a', '64k', '-ac', '2', '-ar', '48000'];

function vodInputs(seconds) {
  const clock = `drawtext=fontfile=${FONT}:text='%{pts\\:hms}':fontsize=40:fontcolor=black:x=(w-tw)/2:y=(h-th)/2`;
  return [
    '-f', 'lavfi', '-i', `color=c=0xE0C000:s=640x360:r=${FPS}:d=${seconds},${clock}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`
  ];
}

function generate() {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'vod', 'h264'), { recursive: true });
  mkdirSync(join(root, 'vod', 'dash'), { recursive: true });
  ffmpeg([
    ...vodInputs(12), ...H264, ...AAC, '-f', 'hls', '-hls_time', String(SEGMENT_S), '-hls_playlist_type', 'vod',
    '-hls_segment_filename', join(root, 'vod', 'h264', 'seg%d.ts'), join(root, 'vod', 'h264', 'index.m3u8')
  ]);
  ffmpeg([...vodInputs(12), ...H264, ...AAC, '-movflags', '+faststart', join(root, 'vod', 'h264.mp4')]);
  ffmpeg([
    ...vodInputs(12), ...H264, ...AAC, '-f', 'dash', '-seg_duration', String(SEGMENT_S), '-use_template', '1',
    '-use_timeline', '0', join(root, 'vod', 'dash', 'manifest.mpd')
  ]);
  for (const ch of CHANNELS) {
    const dir = join(root, 'live', `ch${ch.lcn}`);
    mkdirSync(dir, { recursive: true });
    const label = `drawtext=fontfile=${FONT}:text='${ch.lcn}':fontsize=160:fontcolor=white:x=(w-tw)/2:y=(h-th)/2`;
    ffmpeg([
      '-f', 'lavfi', '-i', `color=c=${ch.colour}:s=640x360:r=${FPS}:d=12,${label}`,
      '-f', 'lavfi', '-i', `sine=frequency=${220 * ch.lcn}:sample_rate=48000:duration=12`,
      ...H264, ...AAC, '-f', 'hls', '-hls_time', String(SEGMENT_S), '-hls_list_size', '0',
      '-hls_segment_filename', join(dir, 'seg%d.ts'), join(dir, 'source.m3u8')
    ]);
  }
  hevcAndVp9();
  multiTrack();
  photos();
  writeFileSync(join(root, 'channels.json'), JSON.stringify({ segmentSeconds: SEGMENT_S, channels: CHANNELS }, null, 2));
  writeFileSync(join(root, '.version'), MEDIA_VERSION);
}

/** Colours of the assets only the media-bridge makes playable; tests read them from assets.json. */
const VIRTUAL_ASSETS = {
  hevc: { path: 'vod/hevc-720p.mp4', seconds: 20, switchAt: 10, rgb: [192, 32, 192], rgbAfter: [32, 176, 176] },
  vp9: { path: 'vod/vp9.webm', seconds: 8, rgb: [224, 112, 32] }
};

function hevcAndVp9() {
  const h = VIRTUAL_ASSETS.hevc;
  const clock = `drawtext=fontfile=${FONT}:text='%{pts\\:hms}':fontsize=72:fontcolor=black:x=(w-tw)/2:y=(h-th)/2`;
  const HEVC = ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-pix_fmt', 'yuv420p', ...GOP];
  ffmpeg([
    '-f', 'lavfi', '-i', `color=c=0xC020C0:s=1280x720:r=${FPS}:d=${h.switchAt}`,
    '-f', 'lavfi', '-i', `color=c=0x20B0B0:s=1280x720:r=${FPS}:d=${h.seconds - h.switchAt}`,
    '-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${h.seconds}`,
    '-filter_complex', `[0:v][1:v]concat=n=2:v=1:a=0,${clock}[v]`, '-map', '[v]', '-map', '2:a',
    ...HEVC, ...AAC, '-movflags', '+faststart', join(root, h.path)
  ]);
  ffmpeg([
    '-f', 'lavfi', '-i', `color=c=0xE07020:s=640x360:r=${FPS}:d=${VIRTUAL_ASSETS.vp9.seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=550:sample_rate=48000:duration=${VIRTUAL_ASSETS.vp9.seconds}`,
    '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', ...GOP,
    '-c:a', 'libopus', '-b:a', '64k', join(root, VIRTUAL_ASSETS.vp9.path)
  ]);
  // Flat colour costs an encoder nothing; the bench transcodes a busy, noisy picture instead.
  ffmpeg([
    '-f', 'lavfi', '-i', `testsrc2=s=1280x720:r=${FPS}:d=30,noise=alls=12:allf=t`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=30',
    ...HEVC, '-b:v', '2500k', ...AAC, '-movflags', '+faststart', join(root, 'vod', 'hevc-720p-detail.mp4')
  ]);
  writeFileSync(join(root, 'assets.json'), JSON.stringify(VIRTUAL_ASSETS, null, 2));
}

/**
 * The renditions of the multi-track assets; tests read them from tracks.json. Languages are
 * ISO 639-2, as HbbTV components carry them; HLS and DASH take them as given.
 */
const TRACKS = {
  seconds: 12,
  audio: [
    { dir: 'audio_eng', language: 'eng', name: 'English', hz: 440, default: true },
    { dir: 'audio_deu', language: 'deu', name: 'Deutsch', hz: 660, default: false }
  ],
  text: [
    { dir: 'subs_eng', language: 'eng', name: 'English subtitles', cue: 'Hello' },
    { dir: 'subs_fra', language: 'fra', name: 'Sous-titres', cue: 'Bonjour' }
  ]
};

/** Cues of one subtitle rendition: one per segment, each naming its language and second. */
function webvtt(cue, seconds, mpegtsOffset) {
  const ts = (s) => `00:00:${String(s).padStart(2, '0')}.000`;
  const lines = ['WEBVTT'];
  // The MPEG-TS segments start at ffmpeg's 1.4 s offset: say where cue time 0 is on that clock.
  if (mpegtsOffset !== undefined) lines.push(`X-TIMESTAMP-MAP=MPEGTS:${mpegtsOffset},LOCAL:00:00:00.000`);
  lines.push('');
  for (let s = 0; s < seconds; s += SEGMENT_S) lines.push(ts(s) + ' --> ' + ts(s + SEGMENT_S), `${cue} ${s}`, '');
  return lines.join('\n');
}

function multiTrack() {
  const hls = join(root, 'vod', 'multi');
  const n = TRACKS.seconds;
  const segments = (dir) => ['-f', 'hls', '-hls_time', String(SEGMENT_S), '-hls_playlist_type', 'vod', '-hls_segment_filename', join(hls, dir, 'seg%d.ts'), join(hls, dir, 'index.m3u8')];
  mkdirSync(join(hls, 'video'), { recursive: true });
  ffmpeg([...vodInputs(n), '-map', '0:v', ...H264, ...segments('video')]);
  for (const a of TRACKS.audio) {
    mkdirSync(join(hls, a.dir), { recursive: true });
    ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=${a.hz}:sample_rate=48000:duration=${n}`, ...AAC, ...segments(a.dir)]);
  }
  const master = ['#EXTM3U', '#EXT-X-VERSION:4'];
  for (const a of TRACKS.audio) {
    const def = a.default ? 'YES' : 'NO';
    master.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="${a.language}",NAME="${a.name}",DEFAULT=${def},AUTOSELECT=YES,URI="${a.dir}/index.m3u8"`);
  }
  for (const t of TRACKS.text) {
    mkdirSync(join(hls, t.dir), { recursive: true });
    writeFileSync(join(hls, t.dir, 'subs.vtt'), webvtt(t.cue, n, 126000));
    writeFileSync(join(hls, t.dir, 'index.m3u8'), ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${n}`, '#EXT-X-PLAYLIST-TYPE:VOD', `#EXTINF:${n}.0,`, 'subs.vtt', '#EXT-X-ENDLIST', ''].join('\n'));
    master.push(`#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="${t.language}",NAME="${t.name}",DEFAULT=NO,AUTOSELECT=NO,URI="${t.dir}/index.m3u8"`);
  }
  master.push('#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=640x360,AUDIO="aud",SUBTITLES="subs"', 'video/index.m3u8', '');
  writeFileSync(join(hls, 'index.m3u8'), master.join('\n'));

  const dash = join(root, 'vod', 'multi-dash');
  mkdirSync(dash, { recursive: true });
  const audioIn = [];
  const maps = ['-map', '0:v'];
  const langs = [];
  TRACKS.audio.forEach((a, i) => {
    audioIn.push('-f', 'lavfi', '-i', `sine=frequency=${a.hz}:sample_rate=48000:duration=${n}`);
    maps.push('-map', `${i + 2}:a`);
    langs.push(`-metadata:s:a:${i}`, `language=${a.language}`);
  });
  ffmpeg([
    ...vodInputs(n), ...audioIn, ...maps, ...langs, ...H264, ...AAC, '-f', 'dash', '-seg_duration', String(SEGMENT_S),
    '-use_template', '1', '-use_timeline', '0', '-adaptation_sets', 'id=0,streams=v id=1,streams=1 id=2,streams=2',
    join(dash, 'manifest.mpd')
  ]);
  // ffmpeg's DASH muxer writes no text: the subtitles are WebVTT sidecars, an adaptation set each.
  let mpd = readFileSync(join(dash, 'manifest.mpd'), 'utf8');
  const sets = TRACKS.text.map((t, i) => {
    writeFileSync(join(dash, `${t.dir}.vtt`), webvtt(t.cue, n));
    return `<AdaptationSet id="${10 + i}" contentType="text" mimeType="text/vtt" lang="${t.language}"><Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/><Label>${t.name}</Label><Representation id="${t.dir}" bandwidth="256"><BaseURL>${t.dir}.vtt</BaseURL></Representation></AdaptationSet>`;
  });
  mpd = mpd.replace('</Period>', sets.join('\n') + '\n</Period>');
  writeFileSync(join(dash, 'manifest.mpd'), mpd);
  writeFileSync(join(root, 'tracks.json'), JSON.stringify(TRACKS, null, 2));
}

/**
 * Photo-like pictures: no Debian package of free photographs is installed everywhere, so ffmpeg
 * makes them. Smooth colour fields with film grain and fractal detail compress and scale like
 * photographs do (JPEG q3, 960x540), unlike the flat colours of the other fixtures.
 */
function photos() {
  const dir = join(root, 'photos');
  mkdirSync(dir, { recursive: true });
  const palettes = [
    ['0x2a4d69', '0xe8a87c', '0x41b3a3', '0xc38d9e'], ['0x1b3a4b', '0xf4d35e', '0xee964b', '0x0d3b66'],
    ['0x3d5a80', '0x98c1d9', '0xe0fbfc', '0xee6c4d'], ['0x264653', '0x2a9d8f', '0xe9c46a', '0xf4a261'],
    ['0x5f0f40', '0x9a031e', '0xfb8b24', '0xe36414'], ['0x0b132b', '0x1c2541', '0x3a506b', '0x5bc0be'],
    ['0x606c38', '0x283618', '0xfefae0', '0xdda15e'], ['0x22223b', '0x4a4e69', '0x9a8c98', '0xf2e9e4']
  ];
  palettes.forEach((c, i) => {
    const field = `gradients=s=960x540:c0=${c[0]}:c1=${c[1]}:c2=${c[2]}:c3=${c[3]}:n=4:x0=${100 + i * 90}:y0=${40 + i * 50}:x1=${860 - i * 70}:y1=${500 - i * 40}:type=radial:d=1,format=gbrp[g]`;
    const detail = `mandelbrot=s=960x540:start_scale=${(1.2 + i * 0.35).toFixed(2)}:start_x=${(-0.75 + i * 0.02).toFixed(3)}:end_pts=1,format=gbrp[m]`;
    // Blended in RGB (YUV planes blend into green), then a fine grain, softened as a lens would.
    const graph = `${field};${detail};[g][m]blend=all_mode=overlay:all_opacity=0.45,noise=alls=7:allf=t,gblur=sigma=0.6`;
    ffmpeg(['-f', 'lavfi', '-i', graph, '-frames:v', '1', '-q:v', '4', join(dir, `p${i}.jpg`)]);
  });
}

function upToDate() {
  const stamp = join(root, '.version');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== MEDIA_VERSION) return false;
  const expected = ['vod/h264/index.m3u8', 'vod/h264.mp4', 'vod/dash/manifest.mpd', 'channels.json', 'assets.json', 'vod/hevc-720p-detail.mp4', 'vod/multi/index.m3u8', 'vod/multi-dash/manifest.mpd', 'tracks.json', 'photos/p7.jpg'];
  for (const a of Object.values(VIRTUAL_ASSETS)) expected.push(a.path);
  for (const ch of CHANNELS) expected.push(`live/ch${ch.lcn}/source.m3u8`);
  return expected.every((p) => existsSync(join(root, p)));
}

if (upToDate()) {
  console.error('[stratus] media fixtures are up to date');
} else {
  const t0 = Date.now();
  generate();
  console.error(`[stratus] media fixtures generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
