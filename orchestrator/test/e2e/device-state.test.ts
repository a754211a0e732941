import { expect } from 'chai';
import { MemoryBlobStore } from '../../src/storage/device-state';
import { cloud, keysDelivered, sessionOf, settle, until, useRig } from '@stratus/testkit';
import type { Page } from 'puppeteer-core';

describe('app state kept per device (catalogue storage "device")', function () {
  this.timeout(120000);
  const rig = useRig();

  async function open(deviceId: string): Promise<{ page: Page; state: () => Promise<{ cookie: string | null; profile: string | null }>; greeting: () => Promise<string> }> {
    const page = await rig.device.open(rig.orch, 'w=1280&h=720&app=login', undefined, false, undefined, deviceId);
    const session = await sessionOf(rig.orch, page);
    return {
      page,
      state: () => cloud(session, () => (window as any).account.state()),
      greeting: () => cloud(session, () => document.getElementById('greeting')!.textContent as string)
    };
  }

  async function close(page: Page): Promise<void> {
    await page.close();
    await until('the session to end', () => rig.orch.sessions.size === 0);
  }

  it("a viewer who signed in is still signed in in the next session of that device, and only that device's", async () => {
    const first = await open('living-room');
    expect(await first.state()).to.deep.equal({ cookie: null, profile: null });
    await first.page.keyboard.press('Enter');
    await keysDelivered(rig.orch, first.page);
    const signedIn = await first.state();
    expect(signedIn.profile).to.equal('Alice');
    await close(first.page);

    const again = await open('living-room');
    expect(await again.state()).to.deep.equal(signedIn);
    expect(await again.greeting()).to.equal('Welcome back, Alice');
    await settle(rig.orch, again.page);
    await close(again.page);

    // Another box has its own.
    const other = await open('kitchen');
    expect(await other.state()).to.deep.equal({ cookie: null, profile: null });
    await close(other.page);

    // At rest it is encrypted: neither the profile nor the cookie can be read from the store.
    const raw = Buffer.concat((rig.orch.stateStore as MemoryBlobStore).raw()).toString('latin1');
    expect(raw).to.not.include('Alice');
    expect(raw).to.not.include(signedIn.cookie!);
    expect(raw).to.not.include('living-room');

    // Signing out is kept too.
    const out = await open('living-room');
    // B on the emulator's keyboard is the remote's BLUE.
    await out.page.keyboard.press('b');
    await keysDelivered(rig.orch, out.page);
    await until('signed out', async () => (await out.state()).profile === null);
    await close(out.page);
    const after = await open('living-room');
    expect(await after.state()).to.deep.equal({ cookie: null, profile: null });
    await close(after.page);
  });
});
