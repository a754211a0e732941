import { expect } from 'chai';
import { Orchestrator } from '../../src/orchestrator';
import { decodePng } from '../../src/png/decode';
import { DeviceBrowser, devicePixels, frameHeader as header, RawDevice, settle, startOrchestrator, until } from '@stratus/testkit';


/** A keydown numbered as a real client numbers it: its input seq and its link seq agree here. */
function key(d: RawDevice, code: number, seq: number): void {
  d.send({ jsonrpc: '2.0', method: 'input.key', params: { code, action: 'down', seq }, seq });
}

/** Every keydown the app received, in order. */
async function keysSeen(orch: Orchestrator, sessionId: string): Promise<number[]> {
  return orch.sessions.get(sessionId)!.cloudPage!.evaluate(() => (window as any).keysSeen as number[]);
}

async function recordKeys(orch: Orchestrator, sessionId: string): Promise<void> {
  await orch.sessions.get(sessionId)!.cloudPage!.evaluate(() => {
    const w = window as any;
    w.keysSeen = [];
    w.cloudErrors = [];
    document.addEventListener('keydown', (e) => w.keysSeen.push((e as KeyboardEvent).keyCode));
    addEventListener('error', (e) => w.cloudErrors.push((e as ErrorEvent).error?.code));
  });
}

describe('resume: a dropped device comes back to its session', function () {
  this.timeout(180000);
  let orch: Orchestrator;

  before(async () => {
    orch = await startOrchestrator({ sessions: { resumeGraceMs: 3000 } });
  });
  after(async () => {
    await orch?.close();
  });

  it('keeps the session through a drop, replays missed keys exactly once, and restarts the layer with a keyframe', async () => {
    const first = await RawDevice.connect(orch);
    first.hello();
    const hello = await first.helloResult();
    expect(hello.resumeToken).to.match(/^[A-Za-z0-9_-]{32}$/);
    await recordKeys(orch, hello.sessionId);
    [48, 49, 50, 51].forEach((code, i) => key(first, code, i + 1));
    await until('four keys', async () => (await keysSeen(orch, hello.sessionId)).length === 4);
    first.ws.terminate();
    await until('the app to hear of the drop', () =>
      orch.sessions.get(hello.sessionId)!.cloudPage!.evaluate(() => (window as any).cloudErrors.includes('STRATUS_TRANSPORT_LOST'))
    );
    expect(orch.sessions.get(hello.sessionId)!.channels.deviceAttached).to.equal(false);

    const second = await RawDevice.connect(orch);
    second.resume(hello.sessionId, hello.resumeToken, 0);
    const resumed = await second.helloResult();
    expect(resumed.sessionId).to.equal(hello.sessionId);
    expect(resumed.ack).to.equal(4);
    await until('a frame', () => second.frames.length > 0);
    expect(header(second.frames[0]).keyframe).to.equal(true);
    // The device replays from what it last knew: 3 and 4 again, then new keys.
    [50, 51, 52, 53].forEach((code, i) => key(second, code, i + 3));
    await until('six keys', async () => (await keysSeen(orch, hello.sessionId)).length >= 6);
    // Once the orchestrator has answered what came after them, no late copy of a key can follow.
    await second.roundTrip();
    await orch.sessions.get(hello.sessionId)!.input.drained();
    expect(await keysSeen(orch, hello.sessionId)).to.deep.equal([48, 49, 50, 51, 52, 53]);
    expect(orch.sessions.get(hello.sessionId)!.channels.device.link.stats.duplicates).to.equal(2);
    second.close();
    await until('the grace to run out', () => orch.sessions.size === 0, 10000);
  });

  it('cloud requests made during a drop go out after the resume; the device gets only what it missed', async () => {
    const first = await RawDevice.connect(orch);
    first.hello();
    const hello = await first.helloResult();
    const session = orch.sessions.get(hello.sessionId)!;
    const before = session.channels.device.request('device.info', {}, 10000);
    const seen = await until('the request', () => first.texts.find((t) => t.method === 'device.info'));
    expect(seen.seq).to.equal(1);
    first.ws.terminate();
    await until('the drop', () => !session.channels.deviceAttached);
    const during = session.channels.device.request('device.info', { during: true } as never, 10000);
    const second = await RawDevice.connect(orch);
    // The device has seq 1 already: only seq 2 comes again.
    second.resume(hello.sessionId, hello.resumeToken, 1);
    await second.helloResult();
    const replayed = await until('the replay', () => second.texts.find((t) => t.method === 'device.info'));
    expect(replayed).to.include({ seq: 2 });
    expect(replayed.params).to.deep.equal({ during: true });
    second.send({ jsonrpc: '2.0', id: seen.id, result: { n: 1 } });
    second.send({ jsonrpc: '2.0', id: replayed.id, result: { n: 2 } });
    expect(await before).to.deep.equal({ n: 1 });
    expect(await during).to.deep.equal({ n: 2 });
    expect(second.texts.filter((t) => t.method === 'device.info')).to.have.length(1);
    second.close();
    await until('the grace to run out', () => orch.sessions.size === 0, 10000);
  });

  it('a resume whose ack the replay buffer can no longer serve ends the session: STRATUS_REPLAY_GAP', async () => {
    const first = await RawDevice.connect(orch);
    first.hello();
    const hello = await first.helloResult();
    const second = await RawDevice.connect(orch);
    // The orchestrator never sent seq 5: this peer claims what cannot be.
    second.resume(hello.sessionId, hello.resumeToken, 5);
    expect(await second.closed).to.deep.equal({ code: 4410, reason: 'STRATUS_REPLAY_GAP' });
    await until('the session to end', () => orch.sessions.size === 0, 10000);
    first.close();
  });

  it('refuses a wrong resume token (4401) and an unknown session (4404)', async () => {
    const dev = await RawDevice.connect(orch);
    dev.hello();
    const hello = await dev.helloResult();
    const wrong = await RawDevice.connect(orch);
    wrong.resume(hello.sessionId, 'x'.repeat(32));
    expect(await wrong.closed).to.deep.equal({ code: 4401, reason: 'STRATUS_AUTH_INVALID' });
    const unknown = await RawDevice.connect(orch);
    unknown.resume('00000000-0000-4000-8000-000000000000', hello.resumeToken);
    expect(await unknown.closed).to.deep.equal({ code: 4404, reason: 'STRATUS_UNKNOWN_SESSION' });
    // Neither attempt disturbed the real session.
    expect(orch.sessions.get(hello.sessionId)!.channels.deviceAttached).to.equal(true);
    dev.close();
    await until('the grace to run out', () => orch.sessions.size === 0, 10000);
  });

  it('closes the session when the grace runs out, and then refuses the resume', async () => {
    const dev = await RawDevice.connect(orch);
    dev.hello();
    const hello = await dev.helloResult();
    const t = Date.now();
    dev.ws.terminate();
    await until('the session to close', () => !orch.sessions.has(hello.sessionId), 20000);
    // Never before the grace (a loaded machine may only make it later).
    expect(Date.now() - t).to.be.at.least(orch.config.sessions.resumeGraceMs);
    const late = await RawDevice.connect(orch);
    late.resume(hello.sessionId, hello.resumeToken);
    expect(await late.closed).to.deep.equal({ code: 4404, reason: 'STRATUS_UNKNOWN_SESSION' });
  });

  it('a second connection resuming the session supersedes the first (4004)', async () => {
    const a = await RawDevice.connect(orch);
    a.hello();
    const hello = await a.helloResult();
    const b = await RawDevice.connect(orch);
    b.resume(hello.sessionId, hello.resumeToken);
    await b.helloResult();
    expect(await a.closed).to.deep.equal({ code: 4004, reason: 'STRATUS_SUPERSEDED' });
    expect(orch.sessions.get(hello.sessionId)!.channels.deviceAttached).to.equal(true);
    b.send({ jsonrpc: '2.0', id: 2, method: 'session.close' });
    await b.closed;
    await until('the session to end', () => orch.sessions.size === 0);
  });

  it('an emulator that comes back after the grace gets a new session, never a dead one', async () => {
    const short = await startOrchestrator({ sessions: { resumeGraceMs: 50, unloadGraceMs: 1000 } });
    const device = await DeviceBrowser.launch();
    try {
      const page = await device.open(short, 'w=1280&h=720');
      const old = [...short.sessions.values()][0].id;
      // The device stays offline until the grace has run out: its retries (back-off from 250 ms)
      // could otherwise reach a loaded orchestrator inside the grace and resume the old session.
      await page.setOfflineMode(true);
      await page.evaluate(() => (window as any).stratusClient.dropConnection());
      await until('the old session to close', () => short.sessions.get(old)?.isClosing !== false);
      await page.setOfflineMode(false);
      // It comes back while the old session may still be unloading.
      await until('a new live session', () => page.evaluate((id) => (window as any).stratusClient.live && (window as any).stratusClient.session.sessionId !== id, old), 60000);
      const now = await page.evaluate(() => (window as any).stratusClient.session.sessionId as string);
      await until('the old session to be gone', () => !short.sessions.has(old), 10000);
      expect(short.sessions.get(now)?.channels.deviceAttached).to.equal(true);
      await settle(short, page);
      const cloud = decodePng(await short.sessions.get(now)!.page.capture());
      expect((await devicePixels(page)).data.equals(cloud.data)).to.equal(true);
      await page.close();
    } finally {
      await device.close();
      await short.close();
    }
  });

  it('the emulator survives 20 drops: every key arrives once, in order, and the layer ends pixel-exact', async () => {
    const device = await DeviceBrowser.launch();
    try {
      const page = await device.open(orch, 'w=1280&h=720');
      const session = [...orch.sessions.values()][0];
      await recordKeys(orch, session.id);
      const sent: number[] = [];
      const keys = ['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp'] as const;
      const codes = { ArrowRight: 39, ArrowDown: 40, ArrowLeft: 37, ArrowUp: 38 };
      for (let drop = 0; drop < 20; drop++) {
        const k = keys[drop % 4];
        await page.keyboard.press(k);
        sent.push(codes[k]);
        await page.evaluate(() => (window as any).stratusClient.dropConnection());
        // A key pressed while disconnected goes out with the replay.
        const k2 = keys[(drop + 1) % 4];
        await page.keyboard.press(k2);
        sent.push(codes[k2]);
        await until('the device to be live again', () => page.evaluate((n) => (window as any).stratusClient.stats.reconnects > n && (window as any).stratusClient.live, drop), 15000);
      }
      await until('every key', async () => (await keysSeen(orch, session.id)).length >= sent.length, 15000);
      await settle(orch, page);
      expect(await keysSeen(orch, session.id)).to.deep.equal(sent);
      const cloud = decodePng(await session.page.capture());
      expect((await devicePixels(page)).data.equals(cloud.data)).to.equal(true);
      expect(await page.evaluate(() => (window as any).stratusClient.stats.reconnects)).to.equal(20);
      await page.close();
      await until('the grace to run out', () => orch.sessions.size === 0, 10000);
    } finally {
      await device.close();
    }
  });
});
