import { expect } from 'chai';
import { DEVICE_KEYSET, KEYSET, VK } from '@stratus/protocol';
import { sessionOf, until, useRig } from '@stratus/testkit';

describe('the device page as an HbbTV application', function () {
  this.timeout(60000);
  const rig = useRig();

  it('is served with the HbbTV content type', async () => {
    const res = await fetch(`${rig.orch.baseUrl}/tv/`);
    expect(res.headers.get('content-type')).to.equal('application/vnd.hbbtv.xhtml+xml; charset=utf-8');
    expect(await res.text()).to.include('application/oipfApplicationManager');
  });

  it('shows itself, registers its keyset, passes terminal key codes through and keeps BACK from navigating', async () => {
    expect(DEVICE_KEYSET).to.equal(KEYSET.RED | KEYSET.GREEN | KEYSET.YELLOW | KEYSET.BLUE | KEYSET.NAVIGATION | KEYSET.VCR | KEYSET.NUMERIC);
    const page = await rig.device.browser.newPage();
    try {
      // A terminal runs the HbbTV content type as a page; desktop Chromium would download it, so
      // the test asks for the same page as text/html (checked to be the same bytes).
      const hbbtv = await (await fetch(`${rig.orch.baseUrl}/tv/`)).text();
      const desktop = await fetch(`${rig.orch.baseUrl}/tv/?desktop=1`);
      expect(desktop.headers.get('content-type')).to.equal('text/html; charset=utf-8');
      expect(await desktop.text()).to.equal(hbbtv);
      // The terminal's application manager, as a recorder.
      await page.evaluateOnNewDocument(() => {
        const w = window as any;
        w.oipf = { shown: 0, keyset: null };
        (HTMLObjectElement.prototype as any).getOwnerApplication = () => ({
          show: () => w.oipf.shown++,
          privateData: { keyset: { setValue: (m: number) => (w.oipf.keyset = m) } }
        });
      });
      const token = rig.orch.issueDeviceToken('hbbtv-box');
      await page.goto(`${rig.orch.baseUrl}/tv/?desktop=1&token=${encodeURIComponent(token)}`);
      await page.waitForFunction(() => (window as any).stratusClient?.stats.framesPainted > 0, { timeout: 20000 });
      expect(await page.evaluate(() => (window as any).oipf)).to.deep.equal({ shown: 1, keyset: DEVICE_KEYSET });

      const cloud = (await sessionOf(rig.orch, page)).cloudPage!;
      await cloud.evaluate(() => {
        const w = window as any;
        w.got = [];
        document.addEventListener('keydown', (e) => w.got.push((e as KeyboardEvent).keyCode));
      });
      // Terminal key events carry HbbTV codes; 8 is BACK on some boxes.
      const prevented = await page.evaluate((codes: number[]) => {
        return codes.map((code) => {
          const e = new KeyboardEvent('keydown', { cancelable: true, bubbles: true });
          Object.defineProperty(e, 'keyCode', { get: () => code });
          document.dispatchEvent(e);
          return e.defaultPrevented;
        });
      }, [VK.VK_RED, VK.VK_BACK, 8, VK.VK_9, 65]);
      expect(prevented).to.deep.equal([true, true, true, true, false]);
      const got = await until('the keys in the app', async () => {
        const g = await cloud.evaluate(() => (window as any).got as number[]);
        return g.length >= 4 ? g : null;
      });
      expect(got).to.deep.equal([VK.VK_RED, VK.VK_BACK, VK.VK_BACK, VK.VK_9]);
    } finally {
      await page.close();
    }
  });
});
