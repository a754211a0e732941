import { createHash, X509Certificate } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
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
        removeSingletonDir(userDataDir);
        // A killed browser's helpers can still be writing there for a moment (ENOTEMPTY): retry.
        rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      })();
      return closed;
    }
  };
}
