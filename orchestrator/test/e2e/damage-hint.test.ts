import { DEFAULTS } from '../../src/config';
import { hbbtvConfig } from '../../src/page/hbbtv-config';
import { expect } from 'chai';
import { CDPSession, Page } from 'puppeteer-core';
import { cloudPageScript } from '../../src/page/cloud-page-script';
import { cloudMismatch, minutesTurned, sessionOf, settle, until, useRig } from '@stratus/testkit';

const PAGE = `<!doctype html><html><body style="margin:0;width:1280px;height:720px">
<style>
  .box { position: absolute; width: 100px; height: 50px; background: #123; }
  .box.on { box-shadow: 0 0 20px #fc3; }
  .moves { left: 100px; }
  .moves.on { left: 600px; }
  #flow { width: 100px; height: 20px; }
  .slow { transition: transform 1s; }
  .slow.on, .big.on { transform: scale(2); }
  .badge { position: absolute; left: 400px; top: 0; width: 20px; height: 20px; }
  .on .badge { background: #c33; }
  .long { white-space: nowrap; font: 16px sans-serif; }
</style>
<div id="a" class="box" style="left:100px;top:100px"></div>
<div id="b" class="box" style="left:300px;top:100px"></div>
<div id="c" class="box moves" style="top:400px"></div>
<div id="big" class="box" style="left:0;top:300px;width:1200px;height:400px"></div>
<div id="flow">in flow</div>
<button id="btn" style="position:absolute;left:0;top:0">b</button>
<div id="text" class="box" style="left:700px;top:100px">t</div>
<div id="slow" class="box slow" style="left:900px;top:100px"></div>
<div id="scaled" class="box big" style="left:900px;top:300px"></div>
<div id="parent" class="box" style="left:100px;top:600px"><div class="badge"></div><span class="long">a label far longer than its box, and longer than the badge is far</span></div>
</body></html>`;

const INBOX = '__stratusHintTest';

describe('page-reported damage (real Chromium)', function () {
  this.timeout(120000);
  // The capture path, where a hint's clip frame is followed by a whole capture that corrects it:
  // pixels mode (screencast-pixels.test.ts) corrects from the page's own frames instead.
  const rig = useRig({
    ui: { screencastPixels: 'off' },
    apps: {
      catalog: {
        portal: { url: '/apps/portal/', width: 1280, height: 720 },
        'portal-1080': { url: '/apps/portal/?authored=1080', width: 1920, height: 1080 },
        'hint-miss': { url: '/apps/hint-miss/', width: 1280, height: 720 }
      }
    }
  });

  describe('the page script', () => {
    let page: Page;
    let cdp: CDPSession;

    before(async () => {
      // The bundle alone in a plain page (of the device browser: any Chromium will do), as a session injects it.
      const context = await rig.device.browser.createBrowserContext();
      page = await context.newPage();
      cdp = await page.createCDPSession();
      await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 720, deviceScaleFactor: 1, mobile: false });
      await cdp.send('Page.enable');
      const session = { sessionId: 'hint-test', device: { width: 1280, height: 720, model: 'test' }, app: { id: 'hint', width: 1280, height: 720, scale: 1 }, mediaDevice: {} };
      await cdp.send('Page.addScriptToEvaluateOnNewDocument', { source: cloudPageScript({ inbox: INBOX, session, media: null, damageHints: true, paint: null, hbbtv: hbbtvConfig(DEFAULTS.hbbtv, 'test') }) });
      await page.goto(`data:text/html,${encodeURIComponent(PAGE)}`);
      // The load itself is not a key's change (the session does the same).
      await hint('');
    });
    after(async () => {
      await page?.browserContext().close();
    });

    /** Runs `change` in the page, then asks for the hint as the session does. */
    async function hint(change: string, maxArea = 1280 * 720): Promise<number[] | null> {
      return page.evaluate(
        (c: string, g: string, max: number) => {
          new Function(c)();
          return (window as any)[g].take(1280, 720, max).rect;
        },
        change,
        INBOX,
        maxArea
      );
    }

    it('covers a class change on an out-of-flow element, with its shadow', async () => {
      // Blur 20 px: Skia paints 1.5 times that, plus a pixel of antialiasing.
      expect(await hint(`document.getElementById('a').classList.add('on')`)).to.deep.equal([69, 69, 231, 181]);
    });

    it('covers both ends when the class moves, and where a class change moved an element from', async () => {
      const r = await hint(`document.getElementById('a').classList.remove('on'); document.getElementById('b').classList.add('on')`);
      expect(r).to.deep.equal([69, 69, 431, 181]);
      await hint(`document.getElementById('c').classList.add('x')`);
      const moved = await hint(`document.getElementById('c').classList.add('on')`);
      // From left 100 (no shadow then) to left 600 (with it): both places.
      expect(moved).to.deep.equal([99, 369, 731, 481]);
    });

    it('gives no hint for what it cannot vouch for', async () => {
      const cases: Record<string, string> = {
        nothing: ``,
        'an inline style': `document.getElementById('a').style.left = '120px'`,
        'a text change in the flow': `document.getElementById('flow').firstChild.data = 'moved'`,
        'an element put in as text is': `document.getElementById('text').innerHTML = '<b>u</b>'`,
        'a new element': `document.body.appendChild(document.createElement('p'))`,
        'an in-flow element': `document.getElementById('flow').classList.add('on')`,
        'a focus move': `document.getElementById('btn').focus()`,
        scrolling: `document.getElementById('a').classList.add('z'); document.getElementById('flow').scrollTop = 5; window.scrollTo(0, 0)`,
        'a script animation': `const t = document.getElementById('text'); t.classList.add('y'); t.animate([{ opacity: 0 }, { opacity: 1 }], 100)`,
        'a transition': `document.getElementById('slow').classList.add('on')`
      };
      for (const [what, change] of Object.entries(cases)) expect(await hint(change), what).to.equal(null);
      // Where an animation ends, boxes measured while it ran are stale: the next key gets no hint.
      await page.evaluate(
        () =>
          new Promise<void>((resolve) => {
            const running = document.getAnimations();
            if (!running.some((a) => a instanceof CSSTransition)) resolve();
            else document.addEventListener('transitionend', () => resolve(), { once: true });
            for (const a of running) a.finish();
          })
      );
      expect(await hint(`document.getElementById('a').classList.toggle('on')`), 'once it is over').to.equal(null);
      expect(await hint(`document.getElementById('a').classList.toggle('on')`), 'measured again').to.not.equal(null);
    });

    it('covers a text change inside an out-of-flow element (a clock): where it painted before and after', async () => {
      // The box is 100x50 at 700,100 (an element put in before: measured again). The new text
      // wraps past its bottom edge.
      await hint(`document.getElementById('text').textContent = 't'`);
      const wide = (await hint(`document.getElementById('text').textContent = 'a text that takes far more lines than its box has room for'`)) as number[];
      const bottom = await page.evaluate(() => {
        const r = document.createRange();
        r.selectNodeContents(document.getElementById('text')!);
        return r.getBoundingClientRect().bottom;
      });
      expect(bottom).to.be.greaterThan(152);
      // Its text from the box's corner, with 2 px of overhang and 1 of antialiasing; the box's right edge.
      expect(wide.slice(0, 3)).to.deep.equal([697, 97, 801]);
      expect(wide[3]).to.be.at.least(Math.ceil(bottom)).and.at.most(Math.ceil(bottom) + 4);
      // Back to a short text: where the long one painted is covered too.
      expect(await hint(`document.getElementById('text').firstChild.data = 't'`)).to.deep.equal(wide);
      // Text deep inside one: its whole out-of-flow holder (the label overflows its box).
      const long = 'a label far longer than its box, and longer than the badge is far';
      const label = (await hint(`document.querySelector('#parent .long').textContent = 'short'`)) as number[];
      expect(label.slice(0, 2)).to.deep.equal([97, 597]);
      expect(await hint(`document.querySelector('#parent .long').textContent = ${JSON.stringify(long)}`)).to.deep.equal(label);
    });

    it('covers descendants painted outside the box, and text that overflows it', async () => {
      const r = (await hint(`document.getElementById('parent').classList.add('on')`)) as number[];
      // The box with its shadow (70..230 x 570..680), the badge 400 px to its right (500..520),
      // and the label's text beyond both (2 px of overhang and 1 of antialiasing).
      const long = await page.evaluate(() => document.querySelector('.long')!.getBoundingClientRect().right);
      expect(long).to.be.greaterThan(521);
      expect(r).to.deep.equal([69, 569, Math.ceil(long + 3), 681]);
    });

    it('scales the shadow margin with a transform', async () => {
      // 100x50 scaled 2 about its centre: 850..1050 x 275..375; the 20 px blur doubles to 60 px.
      expect(await hint(`document.getElementById('scaled').classList.add('on')`)).to.deep.equal([789, 214, 1111, 436]);
    });

    it('gives no hint for an area over the limit', async () => {
      expect(await hint(`document.getElementById('big').classList.add('q')`, 1280 * 720 * 0.25)).to.equal(null);
      expect(await hint(`document.getElementById('big').classList.add('r')`)).to.deep.equal([0, 299, 1201, 701]);
    });

    it('gives no hints while a style sheet has sibling combinators or :has()', async () => {
      for (const rule of ['.box.on + .box { color: red }', '.box.on ~ #flow { color: red }', 'body:has(.on) #flow { color: red }']) {
        const r = await hint(
          `const st = document.createElement('style'); st.id = 'risky'; st.textContent = ${JSON.stringify(rule)}; document.head.appendChild(st); document.getElementById('a').classList.toggle('on')`
        );
        expect(r, rule).to.equal(null);
        await hint(`document.getElementById('risky').remove()`);
        expect(await hint(`document.getElementById('a').classList.toggle('on')`), `${rule} removed`).to.not.equal(null);
      }
    });

    it('says a key changed nothing only when nothing changed since just before it, whatever changed earlier', async () => {
      const still = (change: string, delayed: boolean): Promise<boolean | undefined> =>
        page.evaluate(
          async (c: string, g: string, late: boolean) => {
            // `late`: the change comes before the key (a transition that ended between keys).
            if (late) new Function(c)();
            await new Promise((r) => setTimeout(r, 5));
            const since = Date.now();
            if (!late) new Function(c)();
            return (window as any)[g].take(1280, 720, 0, since).still;
          },
          change,
          INBOX,
          delayed
        );
      const toggle = `document.getElementById('a').classList.toggle('on')`;
      expect(await still(toggle, false), 'a class change by the key').to.equal(false);
      expect(await still(`document.body.appendChild(document.createElement('p'))`, false), 'a tree change by the key').to.equal(false);
      expect(await still(toggle, true), 'a change before the key only').to.equal(true);
      expect(await still('', false), 'nothing at all').to.equal(true);
      // Without `since` (the page's load) the answer says nothing either way.
      expect(await page.evaluate((g: string) => (window as any)[g].take(1280, 720, 0).still, INBOX)).to.equal(undefined);
      // Whether an animation runs: the key's frames are sure to come.
      const moving = await page.evaluate(async (g: string) => {
        const quiet = (window as any)[g].take(1280, 720, 0, Date.now()).moving;
        const a = document.body.animate([{ opacity: 1 }, { opacity: 0.9 }], 10000);
        const running = (window as any)[g].take(1280, 720, 0, Date.now()).moving;
        const ended = a.finished.catch(() => undefined);
        a.cancel();
        // The cancelled animation's end is a change of its own: taken here, not by the next test.
        await ended;
        await new Promise((r) => setTimeout(r, 0));
        (window as any)[g].take(1280, 720, 0);
        return [quiet, running];
      }, INBOX);
      expect(moving).to.deep.equal([false, true]);
    });

    it('says whether a motion that will end is under way: an animation with an end, a script\'s or a smooth scroll\'s steps; not an endless animation', async () => {
      const said = await page.evaluate(async (g: string) => {
        const inbox = (window as any)[g];
        // Changes count for a moment (a step a frame): wait till the page says it is still.
        const still = async (): Promise<boolean> => {
          for (let i = 0; i < 250 && inbox.moving(); i++) await new Promise((r) => setTimeout(r, 20));
          return !inbox.moving();
        };
        const out: Record<string, boolean> = { before: await still() };
        const a = document.body.animate([{ opacity: 1 }, { opacity: 0.9 }], 10000);
        out.animation = inbox.moving();
        a.cancel();
        out.afterAnimation = await still();
        const spinner = document.body.animate([{ opacity: 1 }, { opacity: 0.9 }], { duration: 500, iterations: Infinity });
        out.stillWithEndless = await still();
        spinner.cancel();
        await still();
        const box = document.createElement('div');
        box.style.cssText = 'position:absolute;top:0;left:0;width:100px;height:100px;overflow:hidden';
        box.innerHTML = '<div style="height:1000px"></div>';
        document.body.appendChild(box);
        await still();
        // A script animation's step (jQuery's animate() sets scrollTop every frame).
        box.scrollTop = 10;
        out.scriptStep = inbox.moving();
        await still();
        // A smooth scroll: its steps come as scroll events, frame after frame, till it ends.
        const ended = new Promise((r) => box.addEventListener('scrollend', r, { once: true }));
        box.scrollTo({ top: 600, behavior: 'smooth' });
        await new Promise((r) => box.addEventListener('scroll', r, { once: true }));
        out.smooth = inbox.moving();
        await ended;
        out.afterSmooth = await still();
        box.remove();
        await still();
        // Taken here, not by the next test.
        inbox.take(1280, 720, 0);
        return out;
      }, INBOX);
      expect(said).to.deep.equal({ before: true, animation: true, afterAnimation: true, stillWithEndless: true, scriptStep: true, smooth: true, afterSmooth: true });
    });

    it('gives no more hints once the page has used a canvas', async () => {
      expect(await hint(`document.getElementById('a').classList.toggle('on')`)).to.not.equal(null);
      expect(await hint(`document.createElement('canvas').getContext('2d'); document.getElementById('a').classList.toggle('on')`)).to.equal(null);
      expect(await hint(`document.getElementById('a').classList.toggle('on')`)).to.equal(null);
    });
  });

  describe('in a session', () => {
    async function focusMoves(
      app: string,
      keys: Array<'ArrowRight' | 'ArrowDown' | 'ArrowLeft' | 'ArrowUp'> = ['ArrowRight', 'ArrowDown', 'ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowLeft'],
      warmUp: 'ArrowRight' | null = null
    ): Promise<{ clipFrames: number; clipCorrections: number; mismatch: string | null }> {
      const page = await rig.device.open(rig.orch, `w=1280&h=720&app=${app}`);
      try {
        const session = await sessionOf(rig.orch, page);
        await settle(rig.orch, page);
        // Counted from the second key on: a key's hint covers what changed since the one before,
        // and before the first that is the page's start-up, whose last changes (seen once in ten
        // runs: one after the page said it was still) rightly refuse it.
        if (warmUp) {
          await page.keyboard.press(warmUp);
          await settle(rig.orch, page);
        }
        const clips = session.layer.stats.clipFrames;
        const corrections = session.layer.stats.clipCorrections;
        const refusals = (): number => Object.values(session.hintRefusals).reduce((a, b) => a + b, 0);
        const refused = refusals();
        for (const k of keys) {
          await page.keyboard.press(k);
          await settle(rig.orch, page);
        }
        // The portal's clock changes its text when the minute does: a key whose hint includes
        // that change may cover too much of the page and get a whole capture (about one run in
        // six, the keys taking ~10 s).
        const clockRefusals = refusals() - refused;
        expect(clockRefusals, 'hints refused').to.be.at.most(await minutesTurned(session));
        return { clipFrames: session.layer.stats.clipFrames - clips + clockRefusals, clipCorrections: session.layer.stats.clipCorrections - corrections, mismatch: await cloudMismatch(session, page) };
      } finally {
        await page.close();
        await until('the session to end', () => rig.orch.sessions.size === 0);
      }
    }

    it('captures every portal focus move from its hint, with nothing left to correct, pixel for pixel', async () => {
      expect(await focusMoves('portal', undefined, 'ArrowRight')).to.deep.equal({ clipFrames: 6, clipCorrections: 0, mismatch: null });
    });

    it('repaints what a hint could not see with the full capture that follows', async () => {
      // The class change on #a recolours a child painted 380 px outside #a's box.
      expect(await focusMoves('hint-miss', ['ArrowRight', 'ArrowRight'])).to.deep.equal({ clipFrames: 2, clipCorrections: 2, mismatch: null });
    });

    it('takes no hints at a fractional scale (the 1920x1080 app on a 1280x720 device)', async () => {
      expect(await focusMoves('portal-1080')).to.deep.equal({ clipFrames: 0, clipCorrections: 0, mismatch: null });
    });
  });
});
