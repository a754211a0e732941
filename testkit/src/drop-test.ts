import { Page } from 'puppeteer-core';
import { Session } from '@stratus/orchestrator';
import { delay, until } from './wait';

export interface DropReport {
  /** Sockets actually cut while messages flowed. */
  drops: number;
  /** Device-to-cloud keydowns sent, and as the app saw them. */
  keysSent: number;
  keysSeen: number;
  keysInOrder: boolean;
  /** Cloud-to-device requests made, answered, and run on the device. */
  requests: number;
  answered: number;
  handled: number;
  /** Codes of the requests that failed. */
  failures: string[];
  /** Messages that never arrived, and messages applied more than once, both directions. */
  lost: number;
  duplicated: number;
  /** Messages resent after resumes, and those the links then dropped as already seen. */
  replayed: number;
  duplicatesDiscarded: number;
}

/** A seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = [39, 40, 37, 38];

/**
 * The control channel's loss and duplication check: while the device sends keys and the cloud
 * sends requests, both without pause, the device's socket is cut at random points `drops`
 * times. Afterwards every key must have reached the app once, in order, and every request must
 * have run on the device once and been answered.
 */
export async function runDropTest(session: Session, page: Page, drops: number, seed = 1): Promise<DropReport> {
  const rand = random(seed);
  const cloud = session.cloudPage!;
  await cloud.evaluate(() => {
    const w = window as any;
    w.dropKeys = [];
    document.addEventListener('keydown', (e) => w.dropKeys.push((e as KeyboardEvent).keyCode));
  });
  const handledBefore = await page.evaluate(() => ((window as any).stratusClient.stats.requestsHandled['device.info'] as number) || 0);
  await page.evaluate((codes: number[]) => {
    const w = window as any;
    w.dropSent = [];
    let i = 0;
    w.dropTimer = setInterval(() => {
      const code = codes[i++ % codes.length];
      w.stratusClient.sendKey(code, 'down');
      w.stratusClient.sendKey(code, 'up');
      w.dropSent.push(code);
    }, 40);
  }, KEYS);
  let running = true;
  let requests = 0;
  let answered = 0;
  const failures: string[] = [];
  const lane = async (): Promise<void> => {
    while (running && !session.isClosing) {
      requests++;
      // Long enough to wait out any drop: a lost request shows as one never answered.
      await session.channels.device.request('device.info', {}, 60000).then(
        () => answered++,
        (e: { code?: string }) => failures.push(e.code ?? String(e))
      );
      // A steady flow rather than a flood; and a closed session rejects at once, so this pause
      // also lets a failing run end instead of spinning.
      await delay(10);
    }
  };
  const lanes = [lane(), lane(), lane()];
  let cut = 0;
  try {
    while (cut < drops) {
      // Half the cuts land while the link is live, half as soon as the socket opens, when the
      // resume handshake and its replay are on the wire.
      const waitFor = rand() < 0.5 ? 'live' : 'connected';
      await until(`the device to be ${waitFor} after ${cut} cuts`, () => page.evaluate((w) => (window as any).stratusClient[w], waitFor), 20000).catch(async (e: Error) => {
        const state = await page.evaluate(() => {
          const c = (window as any).stratusClient;
          return { status: document.getElementById('stratus-status')?.textContent, lastError: c.stats.lastError, reconnects: c.stats.reconnects, sessionOpen: c.session?.sessionId };
        });
        throw new Error(`${e.message}: ${JSON.stringify(state)}; session closing: ${session.isClosing}`);
      });
      await delay(rand() * 250);
      if (await page.evaluate(() => (window as any).stratusClient.dropConnection())) cut++;
    }
  } finally {
    await page.evaluate(() => clearInterval((window as any).dropTimer));
    running = false;
  }
  await until('the device to be live', () => page.evaluate(() => (window as any).stratusClient.live), 20000);
  await Promise.all(lanes);
  const sent = await page.evaluate(() => (window as any).dropSent as number[]);
  await until('the keys to reach the app', async () => (await cloud.evaluate(() => (window as any).dropKeys.length as number)) >= sent.length, 30000).catch(() => undefined);
  // Nothing more can arrive once the orchestrator has acknowledged all the device sent and the
  // keys it took are through the page: a late duplicate would be among them.
  await until('the device link to be acknowledged', () => page.evaluate(() => (window as any).stratusClient.link.unacknowledged === 0), 30000);
  await session.input.drained();
  const seen = await cloud.evaluate(() => (window as any).dropKeys as number[]);
  const handled = (await page.evaluate(() => ((window as any).stratusClient.stats.requestsHandled['device.info'] as number) || 0)) - handledBefore;
  const device = await page.evaluate(() => (window as any).stratusClient.link.stats as { replayed: number; duplicates: number });
  const keysInOrder = seen.length === sent.length && seen.every((c, i) => c === sent[i]);
  return {
    drops: cut,
    keysSent: sent.length,
    keysSeen: seen.length,
    keysInOrder,
    requests,
    answered,
    failures,
    handled,
    lost: Math.max(0, sent.length - seen.length) + (requests - answered),
    duplicated: Math.max(0, seen.length - sent.length) + Math.max(0, handled - requests),
    replayed: session.channels.device.link.stats.replayed + device.replayed,
    duplicatesDiscarded: session.channels.device.link.stats.duplicates + device.duplicates
  };
}
