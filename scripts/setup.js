#!/usr/bin/env node
'use strict';
// Makes a fresh Debian machine ready for `npm start`, `npm test` and `npm run bench`:
// Debian packages (installed with apt when root, otherwise the exact command is printed),
// `npm ci` when node_modules is missing or stale, the build, and the fixtures.
// Only Node built-ins here: this runs before any dependency is installed.
const { spawnSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const purpose = process.argv.includes('--for') ? process.argv[process.argv.indexOf('--for') + 1] : 'start';

/** Debian package -> how to tell it is there. */
const PACKAGES = [
  { name: 'chromium', present: () => existsSync(process.env.STRATUS_CHROMIUM_EXECUTABLE_PATH || '/usr/bin/chromium') },
  { name: 'ffmpeg', present: () => onPath('ffmpeg') && onPath('ffprobe') },
  // Chromium renders text with whatever fonts exist; pin one family so pixels are reproducible.
  { name: 'fonts-dejavu-core', present: () => existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf') },
  // The TLS tests make a self-signed certificate with it; operators use it for secrets.
  { name: 'openssl', present: () => onPath('openssl') },
  // docs/api.md's examples are curl commands, and a test runs them.
  { name: 'curl', present: () => onPath('curl') },
  // The session directory of many nodes (cluster.redisUrl); the cluster tests start their own.
  { name: 'redis-server', present: () => onPath('redis-server') }
];

function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function log(msg) {
  console.error(`[setup] ${msg}`);
}

function run(cmd, args, opts = {}) {
  log(`${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    log(`failed: ${cmd} ${args.join(' ')} (exit ${r.status})`);
    process.exit(r.status || 1);
  }
}

function ensurePackages() {
  const missing = PACKAGES.filter((p) => !p.present()).map((p) => p.name);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!isRoot) {
    log(`missing Debian packages: ${missing.join(', ')}`);
    console.error(`\nRun this as root, then try again:\n\n  sudo sh -c '${cmd}'\n`);
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // A second install beside this one (two checkouts set up at once) holds dpkg's lock for a
  // while: wait for it rather than fail.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  // `update` does not wait for the lists' lock (apt 2.6): it is tried again instead.
  for (let attempt = 1; ; attempt++) {
    log('apt-get update');
    if (spawnSync('apt-get', ['update'], { stdio: 'inherit', cwd: root, env }).status === 0) break;
    if (attempt === 60) {
      log('failed: apt-get update');
      process.exit(1);
    }
    log('apt-get update failed (another install holds its lock?); trying again in 10 s');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10000);
  }
  run('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...missing], { env });
}

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (mtime(marker) >= mtime(join(root, 'package-lock.json')) && existsSync(join(root, 'node_modules', 'puppeteer-core'))) return;
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function build() {
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
  run(process.execPath, [join(root, 'scripts', 'build-bundles.js')]);
}

function fixtures() {
  const gen = join(root, 'scripts', 'generate-fixtures.js');
  if (existsSync(gen)) run(process.execPath, [gen]);
}

ensurePackages();
ensureNodeModules();
build();
fixtures();
log(`ready for ${purpose}`);
