import { expect } from 'chai';
import { VK } from '@stratus/protocol';
import { Orchestrator } from '../../src/orchestrator';
import { RawDevice, startOrchestrator, until } from '@stratus/testkit';

describe('remote-control keys reach the app as HbbTV key events', function () {
  this.timeout(60000);
  let orch: Orchestrator;
  let dev: RawDevice;

  before(async () => {
    orch = await startOrchestrator();
    dev = await RawDevice.connect(orch);
    dev.hello();
    await dev.helloResult();
  });

  after(async () => {
    dev?.close();
    await orch?.close();
  });

  it('defines the KeyEvent.VK_* constants in the cloud page', async () => {
    const page = [...orch.sessions.values()][0].cloudPage!;
    const vk = await page.evaluate(() => ({ ...(window as any).KeyEvent }));
    expect(vk).to.deep.equal(VK);
  });

  it('delivers every key code as trusted keydown and keyup, and BACK never navigates history', async () => {
    const session = [...orch.sessions.values()][0];
    const page = session.cloudPage!;
    await page.evaluate(() => {
      const w = window as any;
      w.seen = [];
      history.pushState({ step: 1 }, '', '#one');
      history.pushState({ step: 2 }, '', '#two');
      for (const type of ['keydown', 'keyup']) {
        document.addEventListener(type, (e) => w.seen.push([e.type, (e as KeyboardEvent).keyCode, e.isTrusted]));
      }
    });
    const codes = Object.values(VK);
    let seq = 0;
    for (const code of codes) {
      dev.send({ jsonrpc: '2.0', method: 'input.key', params: { code, action: 'down', seq: ++seq } });
      dev.send({ jsonrpc: '2.0', method: 'input.key', params: { code, action: 'up', seq: ++seq } });
    }
    const seen = await until('all keys to arrive', async () => {
      const s = await page.evaluate(() => (window as any).seen as Array<[string, number, boolean]>);
      return s.length >= codes.length * 2 ? s : null;
    });
    const expected = codes.flatMap((c) => [['keydown', c, true], ['keyup', c, true]]);
    expect(seen).to.deep.equal(expected);
    expect(await page.evaluate(() => location.hash)).to.equal('#two');
  });
});
