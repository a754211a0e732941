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
//
// No Chromium here decodes HEVC, and a legacy box plays no WebM: these two only play through the
// media-bridge. The HEVC picture changes colour at 10 s so a test can see where a seek landed.
// The VOD picture is a flat yellow field with a running clock, so a test can tell "video shows
// here" from the emulator's background at any pixel of the video window.
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const MEDIA_VERSION = '2';
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

function upToDate() {
  const stamp = join(root, '.version');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== MEDIA_VERSION) return false;
  const expected = ['vod/h264/index.m3u8', 'vod/h264.mp4', 'vod/dash/manifest.mpd', 'channels.json', 'assets.json', 'vod/hevc-720p-detail.mp4'];
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
