import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { until } from '@stratus/testkit';
import { BASELINE_MEDIA_CAPABILITIES } from '@stratus/protocol';
import { CDPSession } from 'puppeteer-core';
import { playbackSupport } from '../../src/media/capabilities';
import { MediaProxy } from '../../src/media/media-proxy';
import { PlaybackRouter, Route } from '../../src/media/playback-route';

/** Just enough of a CDP session: events in, commands answered, the page's binding name read back. */
class FakeCdp extends EventEmitter {
  binding = '';
  send(method: string, params?: { name?: string }): Promise<unknown> {
    if (method === 'Runtime.addBinding') this.binding = params!.name!;
    if (method === 'Page.getFrameTree') return Promise.resolve({ frameTree: { frame: { id: 'main' } } });
    return Promise.resolve({});
  }
  call(id: number, method: string, params: object): void {
    this.emit('Runtime.bindingCalled', { name: this.binding, executionContextId: 1, payload: JSON.stringify({ id, player: 'm1', method, params }) });
  }
}

const LOAD = { kind: 'video', url: 'http://origin.example/a.mp4', muted: false, volume: 1, rate: 1 };

describe('the media proxy keeps media-bridge leases in step with the player', () => {
  it('a load still being routed when the next load comes gives its lease back', async () => {
    const released: string[] = [];
    const sent: Array<{ method: string; url?: unknown }> = [];
    let n = 0;
    // The first routing is slow (a bridge starting): it ends only when the test says so.
    let firstRouted: () => void = () => undefined;
    const slow = new Promise<void>((r) => (firstRouted = r));
    const router = {
      async route(): Promise<Route> {
        const id = `lease${++n}`;
        if (id === 'lease1') await slow;
        return { path: 'virtual', url: `/bridge/${id}/index.m3u8`, type: 'application/vnd.apple.mpegurl', reason: 'test', lease: { url: '', release: () => released.push(id), onFailed: () => undefined } };
      }
    } as unknown as PlaybackRouter;
    const cdp = new FakeCdp();
    const proxy = new MediaProxy(cdp as unknown as CDPSession, '__inbox', {
      scale: 1,
      channels: [],
      caps: BASELINE_MEDIA_CAPABILITIES,
      support: playbackSupport(BASELINE_MEDIA_CAPABILITIES, true, 'virtually'),
      router,
      playTimeoutMs: 1000,
      pageCalls: { holes: () => null, keyset: () => null, exit: () => null, message: () => null },
      contextGone: () => undefined,
      wellFormedXml: async () => true,
      request: async (method, params) => {
        sent.push({ method, url: 'url' in params ? params.url : undefined });
        return {};
      },
      notifyApp: () => undefined
    });
    await proxy.install();
    cdp.call(1, 'load', { ...LOAD, cmd: 1 });
    cdp.call(2, 'load', { ...LOAD, cmd: 2 });
    cdp.call(3, 'play', { cmd: 3 });
    // Both later calls came while the first load is still being routed; now it finishes.
    await until('the first routing to start', () => n === 1);
    firstRouted();
    await until('all three calls to reach the device', () => sent.length === 3);
    // In the app's order, each load with its own transcode; the first one's lease is given back.
    expect(sent).to.deep.equal([
      { method: 'media.load', url: '/bridge/lease1/index.m3u8' },
      { method: 'media.load', url: '/bridge/lease2/index.m3u8' },
      { method: 'media.play', url: undefined }
    ]);
    expect(released).to.deep.equal(['lease1']);
    proxy.dispose();
    expect(released).to.deep.equal(['lease1', 'lease2']);
  });
});
