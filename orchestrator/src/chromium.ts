import { createHash, X509Certificate } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import puppeteer, { Browser } from 'puppeteer-core';
import { Config } from './config';
import { settledWithin } from './deadline';
import { StratusError } from '@stratus/protocol';

/** Where the browser's own service endpoints point: the discard port on loopback, where nothing listens. */
const DEAD_END = 'http://127.0.0.1:9';

/**
 * Switches every Stratus Chromium runs with. The first group keeps it off the closed network; the
 * second drops what a session does not need (the omnibox WebUI renderer alone is ~49 MB per
 * context) and what would leak into the UI layer (scrollbars). Partial raster re-rasters only the
 * invalidated part of a raster tile, and antialiased edges elsewhere in that tile then come out a
 * shade different: a focus move on the portal repainted corner pixels 170 px away, so every key
 * cost extra rectangles and no page-reported damage could be whole. Without it, the same UI state
 * gives the same pixels.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,Translate,MediaRouter,OptimizationHints,NetworkTimeServiceQuerying',
  // The browser's own Google services (sign-in, the component updater) still call out despite the
  // switches above (measured: accounts.google.com and update.googleapis.com, ~10 requests a
  // minute). Their endpoints point at a closed loopback port instead, so nothing leaves the
  // machine that the app did not ask for. Pages may still visit these hosts themselves.
  `--gaia-url=${DEAD_END}`,
  `--google-apis-url=${DEAD_END}`,
  `--lso-url=${DEAD_END}`,
  `--component-updater=url-source=${DEAD_END}`,
  '--disable-extensions',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
  '--hide-scrollbars',
  '--mute-audio',
  '--no-default-browser-check',
  '--metrics-recording-only',
  '--password-store=basic',
  '--disable-partial-raster'
];

export function checkChromium(path: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new StratusError(
      'STRATUS_CHROMIUM_MISSING',
      `Looked at ${path}. Install Debian's chromium (apt-get install chromium) or set STRATUS_CHROMIUM_EXECUTABLE_PATH.`
    );
  }
}

export interface LaunchedChromium {
  browser: Browser;
  /** Closes the browser; after `deadlineMs` (a hung browser) its process is killed instead. */
  close(deadlineMs?: number): Promise<void>;
  /** Whether close() was called: a disconnect after it is no death. */
  readonly closing: boolean;
}

/**
 * The switch that makes Chromium accept exactly this certificate (by its public-key pin), so the
 * apps the orchestrator serves itself load over HTTPS with a self-signed certificate, while every
 * other site's certificate is still checked.
 */
export function trustCertificateArg(certFile: string): string {
  const spki = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: 'spki', format: 'der' });
  return `--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`;
}

/**
 * Chromium keeps its single-instance socket in a directory of its own under the temporary
 * directory (org.chromium.Chromium.*), linked from the profile. It removes it when it closes, not
 * when it is killed (a crash, a hung browser's SIGKILL): then it is ours to remove.
 */
function removeSingletonDir(userDataDir: string): void {
  let target: string;
  try {
    target = readlinkSync(join(userDataDir, 'SingletonSocket'));
  } catch {
    return;
  }
  const dir = dirname(target);
  if (dirname(dir) === tmpdir() && basename(dir).startsWith('org.chromium.')) rmSync(dir, { recursive: true, force: true });
}

/** How long the helpers of a browser that has exited get to go after a SIGKILL of their group. */
const GROUP_GONE_MS = 5000;

/** Whether process group `pgid` still has a running member (zombies do not count: not every init reaps them soon). */
function groupRunning(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": the command may hold spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

/** Kills what is left of process group `pgid` and waits (up to GROUP_GONE_MS) for it to be gone. */
async function groupGone(pgid: number): Promise<void> {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left in the group.
    return;
  }
  const until = Date.now() + GROUP_GONE_MS;
  while (groupRunning(pgid) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

/** Starts one headless Chromium with a fresh profile that is deleted again on close. */
export async function launchChromium(cfg: Config['chromium'], moreArgs: string[] = []): Promise<LaunchedChromium> {
  checkChromium(cfg.executablePath);
  const userDataDir = mkdtempSync(join(tmpdir(), 'stratus-chromium-'));
  const extra = [...moreArgs, ...cfg.extraArgs.split(/\s+/).filter(Boolean)];
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: cfg.executablePath,
      headless: true,
      pipe: true,
      userDataDir,
      defaultViewport: null,
      timeout: cfg.launchTimeoutMs,
      // A call that never answers must fail in seconds, not puppeteer's 180 s: the session
      // watchdogs (page/cloud-page.ts) see hangs sooner still.
      protocolTimeout: cfg.protocolTimeoutMs,
      args: [...CHROMIUM_ARGS, ...extra],
      // Signals are ours to handle: the orchestrator closes sessions before the browser.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  let closed: Promise<void> | null = null;
  return {
    browser,
    get closing() {
      return closed !== null;
    },
    close(deadlineMs = 10000) {
      closed ??= (async () => {
        const proc = browser.process();
        await settledWithin(browser.close(), deadlineMs);
        // A browser that hangs, or whose pipe is already gone, still leaves no process behind.
        if (proc && proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGKILL');
          await new Promise<void>((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
        }
        // A browser killed from outside (a crash, the OOM killer) leaves its helpers running a
        // while, still writing into its profile: the removal below failed with ENOTEMPTY under
        // load. They share its process group (puppeteer starts it detached): they go with it.
        if (proc?.pid) await groupGone(proc.pid);
        removeSingletonDir(userDataDir);
        // Asynchronous, so that retries never block the sessions of the browser that replaces it.
        await rm(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      })();
      return closed;
    }
  };
}
