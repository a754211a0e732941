import { DEFAULTS } from '../../src/config';
import { expect } from 'chai';
import { cloudMismatch, minutesTurned, settle, until, useRig, withApp } from '@stratus/testkit';
import type { Page } from 'puppeteer-core';
import type { Session } from '../../src/session/session';

/**
 * The quiet screencast (ui.quietScreencast): while the cloud page is still and vouches for its
 * paints, its screencast stops and the page's own reports of what changed ask for captures.
 */
describe('quiet screencast (real Chromium)', function () {
  this.timeout(180000);
  const rig = useRig({
    apps: {
      catalog: {
        ...DEFAULTS.apps.catalog,
        'hint-miss': { url: '/apps/hint-miss/', width: 1280, height: 720 },
        'hbbtv-config': { url: '/apps/hbbtv-config/', width: 1280, height: 720 }
      }
    }
  });

  /** Runs `js` in the app's page, as the app's own code would. */
  async function inApp(session: Session, js: string): Promise<void> {
    const r = await session.page.cdp.send('Runtime.evaluate', { expression: js, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.text);
  }

  async function press(page: Page, keys: string[]): Promise<void> {
    for (const k of keys) {
      await page.keyboard.press(k as 'ArrowRight');
      await settle(rig.orch, page);
    }
  }

  /**
   * Waits for the page to go quiet and its first check, presses `keys`, and counts what they cost:
   * screencast frames, captures, and the checks among them.
   */
  async function keysWhileQuiet(session: Session, page: Page, keys: string[]): Promise<{ screencastFrames: number; captures: number; checks: number }> {
    await until('the screencast to go quiet', () => session.stats.quiet);
    await settle(rig.orch, page);
    const frames = session.stats.screencastFrames;
    const captures = session.page.captures;
    const checks = session.layer.counters.quietChecks;
    await press(page, keys);
    return { screencastFrames: session.stats.screencastFrames - frames, captures: session.page.captures - captures, checks: session.layer.counters.quietChecks - checks };
  }

  it('stops the screencast of a still portal; each focus move is one clip capture, and the device shows the page pixel for pixel', async () => {
    const keys = ['ArrowRight', 'ArrowDown', 'ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowLeft'];
    const r = await withApp(rig, 'portal', async (session, page) => {
      const cost = await keysWhileQuiet(session, page, keys);
      return {
        ...cost,
        ticks: await minutesTurned(session),
        quiet: session.stats.quiet,
        clipFrames: session.layer.stats.clipFrames,
        reportClips: session.layer.stats.reportClipFrames,
        corrections: session.layer.stats.clipCorrections,
        refusals: session.hintRefusals,
        mismatch: await cloudMismatch(session, page)
      };
    });
    expect(r.mismatch).to.equal(null);
    expect(r.quiet).to.equal(true);
    expect(r.screencastFrames).to.equal(0);
    // The portal's clock changes its text when the minute does: a key whose hint includes that
    // change may cover too much of the page and get a whole capture instead of its clip, or the
    // change gets its own capture (a clip, from the page's hint) between two keys.
    const tick = r.ticks;
    const refused = Object.values(r.refusals).reduce((a, b) => a + b, 0);
    expect(refused, `hints refused: ${JSON.stringify(r.refusals)}`).to.be.at.most(tick);
    expect(r.reportClips).to.be.at.most(tick);
    expect(r.clipFrames - r.reportClips, `hints refused: ${JSON.stringify(r.refusals)}`).to.equal(keys.length - refused);
    expect(r.corrections).to.equal(0);
    // A clip a key, and a whole capture that checks them once the keys stop (one per settle here).
    expect(r.captures).to.be.within(keys.length + r.checks, keys.length + r.checks + tick);
    expect(r.checks).to.be.at.least(1).and.at.most(keys.length);
  });

  it('captures what the app changes by itself while quiet (text, a new element, a style sheet rule); text in an out-of-flow element from its hint', async () => {
    const r = await withApp(rig, 'portal', async (session, page) => {
      await until('the screencast to go quiet', () => session.stats.quiet);
      await settle(rig.orch, page);
      const mismatches: Array<string | null> = [];
      const clips: number[] = [];
      for (const js of [
        // The clock turning the minute, and a title panel's text: both inside absolutely placed elements.
        `document.getElementById('clock').textContent = '23:59'`,
        `document.getElementById('now-title').textContent = 'Changed by a timer'`,
        `const p = document.createElement('div'); p.style.cssText = 'position:absolute;left:700px;top:20px;width:60px;height:30px;background:#c33'; document.body.appendChild(p)`,
        `document.styleSheets[0].insertRule('#logo { color: #3c3 }', 0)`
      ]) {
        const reported = session.stats.reportedCaptures;
        const clipped = session.layer.stats.reportClipFrames;
        await inApp(session, js);
        await until('the change to be reported', () => session.stats.reportedCaptures > reported);
        await settle(rig.orch, page);
        clips.push(session.layer.stats.reportClipFrames - clipped);
        mismatches.push(await cloudMismatch(session, page));
      }
      return { mismatches, clips, minutes: await minutesTurned(session) };
    });
    expect(r.mismatches).to.deep.equal([null, null, null, null]);
    expect(r.clips[0], 'the clock').to.be.at.least(1);
    expect(r.clips[1], 'the title').to.be.at.least(1);
    // The new element and the rule are never captured from a hint; a minute turning during the
    // test is one more clock change, which may come as a clip frame of its own.
    expect(r.clips[0] + r.clips[1] + r.clips[2] + r.clips[3]).to.be.at.most(2 + r.minutes);
  });

  it('turns the screencast back on while an animation runs, and goes quiet again after it, exact', async () => {
    const r = await withApp(rig, 'portal', async (session, page) => {
      await until('the screencast to go quiet', () => session.stats.quiet);
      const entered = session.stats.quietEntered;
      const frames = session.stats.screencastFrames;
      await inApp(
        session,
        `const s = document.createElement('style'); s.textContent = '@keyframes stratus-slide { from { transform: translateX(0) } to { transform: translateX(300px) } } #logo { animation: stratus-slide 600ms linear forwards }'; document.head.appendChild(s)`
      );
      await until('the screencast to run again', () => !session.stats.quiet);
      await until('the screencast to go quiet again', () => session.stats.quietEntered > entered);
      await settle(rig.orch, page);
      return { screencastFrames: session.stats.screencastFrames - frames, mismatch: await cloudMismatch(session, page) };
    });
    expect(r.mismatch).to.equal(null);
    expect(r.screencastFrames).to.be.greaterThan(0);
  });

  it('says when a motion it ran has ended: after its transitions and smooth scrolls, and once a script\'s moves stop, never while they go on', async () => {
    // A static page (no clock, no timer of its own): every move here is the test's.
    const ended = await withApp(rig, 'hint-miss', async (session) => {
      await until('the screencast to go quiet', () => session.stats.quiet);
      let words = 0;
      // Whether the last word was said at a script's last step ("f"), not after a wait.
      let final = false;
      const pageStill = session.layer.pageStill.bind(session.layer);
      session.layer.pageStill = (f?: boolean) => {
        words++;
        final = f === true;
        pageStill(f);
      };
      /**
       * Runs `js` until it calls done() (at a motion's end event, or a script's last step) and
       * counts the words said until then; with `then`, waits for the word after it and counts the
       * words of the whole motion. A report is a binding call, which this session hears before the
       * answer to an evaluation that outlasted it.
       */
      const count = async (js: string, then: boolean): Promise<{ during: number; all: number; final: boolean }> => {
        const before = words;
        await inApp(session, `new Promise((done) => { ${js}; })`);
        const during = words - before;
        if (then) await until("the page's word after the motion", () => words > before);
        // One more round trip: a second word said with the first would be heard by now.
        await inApp(session, '0');
        return { during, all: words - before, final };
      };
      await inApp(
        session,
        `const s = document.createElement('style'); s.textContent = '#mover { position: absolute; left: 700px; top: 100px; width: 80px; height: 80px; background: #39c; transition: transform 200ms linear } #mover.moved { transform: translateX(40px) }'; document.head.appendChild(s);
         const m = document.createElement('div'); m.id = 'mover'; document.body.appendChild(m)`
      );
      await until("the page's word after the test's own setup", () => words > 0);
      const transition = await count(`const m = document.getElementById('mover'); m.addEventListener('transitionend', () => done(), { once: true }); m.classList.add('moved')`, true);
      // The same transition, while a script moves another element every frame for longer: no word
      // while the script moves (counted up to its last step), then one once its moves stopped.
      const scripted = await count(
        `const m = document.getElementById('mover'); const b = document.body; const t0 = performance.now();
         const step = (t) => { b.style.paddingTop = Math.floor((t - t0) / 40) + 'px'; if (t - t0 < 700) requestAnimationFrame(step); else done(); };
         requestAnimationFrame(step); m.classList.remove('moved')`,
        true
      );
      // A script's motion alone (no transition, no end event): its word comes once its moves stop.
      const scriptAlone = await count(
        `const b = document.body; const t0 = performance.now();
         const step = (t) => { b.style.paddingLeft = Math.floor((t - t0) / 40) + 'px'; if (t - t0 < 500) requestAnimationFrame(step); else done(); };
         requestAnimationFrame(step)`,
        true
      );
      await inApp(session, `const d = document.createElement('div'); d.id = 'pane'; d.style.cssText = 'position:absolute;left:0;top:0;width:200px;height:100px;overflow:auto'; d.innerHTML = '<div style="height:2000px"></div>'; document.body.appendChild(d)`);
      const settled = words;
      await until("the page's word after the pane came", () => words > settled);
      const smooth = await count(`const d = document.getElementById('pane'); d.addEventListener('scrollend', () => done(), { once: true }); d.scrollTo({ top: 1200, behavior: 'smooth' })`, true);
      // An instant scroll is a move (its word comes once it is still) and leaves nothing
      // scrolling: the next transition's end is a motion's end too.
      // (Said at once or after the wait, as its scrollend comes within two frames or not: not asserted.)
      const { during: scrollDuring, all: scrollAll } = await count(`document.getElementById('pane').scrollTop = 0; done()`, true);
      const instantScroll = { during: scrollDuring, all: scrollAll };
      const instant = await count(`const m = document.getElementById('mover'); m.addEventListener('transitionend', () => done(), { once: true }); m.classList.add('moved')`, true);
      // A transition shorter than the wait after the change that started it: its end event defers
      // to that wait, which still says it (said at once or after the wait, as the transition is
      // over within two frames or not: not asserted).
      const quick = await count(`const m = document.getElementById('mover'); m.style.transition = 'transform 60ms linear'; m.addEventListener('transitionend', () => done(), { once: true }); m.classList.toggle('moved')`, true);
      const shortTransition = { during: quick.during, all: quick.all };
      // Steps on a 13 ms interval, as jQuery's animate() takes them, until it is cleared.
      const interval = await count(
        `const b = document.body; const t0 = performance.now();
         const id = setInterval(() => { const t = performance.now() - t0; b.style.paddingLeft = Math.floor(t / 40) + 'px'; if (t >= 400) { clearInterval(id); done(); } }, 13)`,
        true
      );
      // Steps chained on timeouts, each asking for the next.
      const timeouts = await count(
        `const b = document.body; const t0 = performance.now();
         const step = () => { const t = performance.now() - t0; b.style.paddingTop = Math.floor(t / 40) + 'px'; if (t < 400) setTimeout(step, 16); else done(); };
         setTimeout(step, 16)`,
        true
      );
      // A loop that goes on asking for frames after its moves stopped: no word at its last step
      // (it may move again at any frame), one after the wait.
      const looping = await count(
        `const b = document.body; const t0 = performance.now(); let told = false;
         const step = (t) => { if (t - t0 < 400) b.style.paddingLeft = Math.floor((t - t0) / 40) + 'px'; else if (!told) { told = true; done(); } window.stratusTestLoop = requestAnimationFrame(step); };
         window.stratusTestLoop = requestAnimationFrame(step)`,
        true
      );
      await inApp(session, 'cancelAnimationFrame(window.stratusTestLoop)');
      return { transition, scripted, scriptAlone, smooth, instantScroll, instant, shortTransition, interval, timeouts, looping };
    });
    // No word before a motion's end, one after it: at a script's last step when nothing more is
    // asked for (final), after a wait otherwise, and at the end event of what has one.
    expect(ended).to.deep.equal({
      transition: { during: 0, all: 1, final: false },
      scripted: { during: 0, all: 1, final: true },
      scriptAlone: { during: 0, all: 1, final: true },
      smooth: { during: 0, all: 1, final: false },
      instantScroll: { during: 0, all: 1 },
      instant: { during: 0, all: 1, final: false },
      shortTransition: { during: 0, all: 1 },
      interval: { during: 0, all: 1, final: true },
      timeouts: { during: 0, all: 1, final: true },
      looping: { during: 0, all: 1, final: false }
    });
  });

  it('a live motion the page says has ended ends once, and the layer ends exact', async () => {
    const r = await withApp(rig, 'carousel-720', async (session, page) => {
      await settle(rig.orch, page);
      // Transitions at a fifth of their speed: the key's first frames reach the orchestrator
      // before they end, however loaded the machine (a word before them may be stale).
      await session.page.cdp.send('Animation.enable');
      await session.page.cdp.send('Animation.setPlaybackRate', { playbackRate: 0.2 });
      const before = session.layer.counters.liveEndedByPage;
      await press(page, ['ArrowRight']);
      return { ended: session.layer.counters.liveEndedByPage - before, live: session.layer.counters.liveFrames, mismatch: await cloudMismatch(session, page) };
    });
    expect(r.live, 'the key went live').to.be.greaterThan(0);
    // Ended by the page's word (1 in local runs, loaded or not) or, once in a loaded CI run (cause
    // not found yet), by the stillness pause as before (0): exact either way, never ended twice.
    expect(r.ended).to.be.at.most(1);
    expect(r.mismatch).to.equal(null);
  });

  it('goes quiet on an HbbTV app: its OIPF objects paint nothing', async () => {
    const r = await withApp(rig, 'hbbtv-config', async (session, page) => {
      await until('the screencast to go quiet', () => session.stats.quiet);
      const objects = await session.page.cdp.send('Runtime.evaluate', { expression: `document.querySelectorAll('object[type^="application/oipf"]').length`, returnByValue: true });
      await inApp(session, `document.body.appendChild(document.createTextNode('changed while quiet'))`);
      await until('the change to be reported', () => session.stats.reportedCaptures > 0);
      await settle(rig.orch, page);
      return { objects: objects.result.value as number, mismatch: await cloudMismatch(session, page) };
    });
    expect(r).to.deep.equal({ objects: 2, mismatch: null });
  });

  it('keeps the screencast on for a page that draws on a canvas', async () => {
    const r = await withApp(rig, 'portal', async (session, page) => {
      await until('the screencast to go quiet', () => session.stats.quiet);
      await inApp(
        session,
        `const c = document.createElement('canvas'); c.width = 100; c.height = 50; c.style.cssText = 'position:absolute;left:20px;top:20px'; document.body.appendChild(c); c.getContext('2d').fillRect(0, 0, 100, 50)`
      );
      await until('the screencast to run again', () => !session.stats.quiet);
      const entered = session.stats.quietEntered;
      // Drawn with no trace in the DOM: only the screencast sees it.
      await inApp(session, `document.querySelector('canvas').getContext('2d').clearRect(0, 0, 50, 50)`);
      await press(page, ['ArrowRight']);
      return { quiet: session.stats.quiet, entered: session.stats.quietEntered - entered, mismatch: await cloudMismatch(session, page) };
    });
    expect(r).to.deep.equal({ quiet: false, entered: 0, mismatch: null });
  });

  it('goes quiet at a fractional scale too, where every key is a whole capture', async () => {
    const r = await withApp(rig, 'portal-1080', async (session, page) => {
      const cost = await keysWhileQuiet(session, page, ['ArrowRight', 'ArrowDown']);
      return { ...cost, ticks: await minutesTurned(session), quiet: session.stats.quiet, mismatch: await cloudMismatch(session, page) };
    });
    expect(r.mismatch).to.equal(null);
    // The clock turning a minute is a change the page reports: its capture is no miss, and the
    // screencast stays off.
    expect(r.quiet).to.equal(true);
    expect(r.screencastFrames).to.equal(0);
    // A whole capture a key, and the checks of what they sent (and the clock's own capture).
    expect(r.captures).to.be.within(2 + r.checks, 2 + r.checks + r.ticks);
  });

  it('turns the screencast back on for good once a check finds what the page did not report', async () => {
    const r = await withApp(rig, 'hint-miss', async (session, page) => {
      await until('the screencast to go quiet', () => session.stats.quiet);
      // The tile's class change shows in a label its hint does not cover (a CSS counter).
      await press(page, ['ArrowRight']);
      const afterFirst = { quiet: session.stats.quiet, misses: session.layer.counters.quietMisses, mismatch: await cloudMismatch(session, page) };
      await press(page, ['ArrowRight', 'ArrowRight']);
      return { afterFirst, quiet: session.stats.quiet, entered: session.stats.quietEntered, mismatch: await cloudMismatch(session, page) };
    });
    expect(r).to.deep.equal({ afterFirst: { quiet: false, misses: 1, mismatch: null }, quiet: false, entered: 1, mismatch: null });
  });

  it('hides its binding from the app', async () => {
    const r = await withApp(rig, 'portal', async (session, page) => {
      await until('the screencast to go quiet', () => session.stats.quiet);
      const names = await session.page.cdp.send('Runtime.evaluate', { expression: `Object.getOwnPropertyNames(window).filter((n) => n.startsWith('__stratusPaint')).length`, returnByValue: true });
      await press(page, ['ArrowRight']);
      return { visible: names.result.value as number, quiet: session.stats.quiet, mismatch: await cloudMismatch(session, page) };
    });
    expect(r).to.deep.equal({ visible: 0, quiet: true, mismatch: null });
  });

  it("the app's timers and animation frames behave as the browser's own, though the page counts them (frame-drivers.ts)", async () => {
    const r = await withApp(rig, 'hint-miss', async (session) => {
      const out = await session.page.cdp.send('Runtime.evaluate', {
        awaitPromise: true,
        returnByValue: true,
        expression: `new Promise((resolve) => {
          const seen = [];
          const ids = [setTimeout(() => undefined, 10), setInterval(() => undefined, 10), requestAnimationFrame(() => undefined)];
          clearInterval(ids[1]);
          cancelAnimationFrame(ids[2]);
          // Arguments after the delay reach the handler; 'this' is window; a long timer too.
          setTimeout(function (a, b) { seen.push(['args', a, b, this === window]); }, 5, 'x', 2);
          // An interval cleared by clearTimeout (they share ids) ticks no more.
          let ticks = 0;
          const iv = setInterval(() => { ticks++; clearTimeout(iv); }, 5);
          // A string handler runs as code.
          window.stratusTestString = 0;
          setTimeout('window.stratusTestString = 7', 5);
          // A frame callback gets the frame's time; a cancelled one never runs.
          const cancelled = requestAnimationFrame(() => seen.push(['cancelled ran']));
          cancelAnimationFrame(cancelled);
          // A handler that throws is reported as the browser reports it, and the next still run.
          window.addEventListener('error', (e) => { e.preventDefault(); seen.push(['error', e.message.includes('stratus test')]); }, { once: true });
          setTimeout(() => { throw new Error('stratus test'); }, 5);
          // The answer once a frame has run, from a timer due after every one above.
          requestAnimationFrame((t) => {
            seen.push(['frame', typeof t]);
            setTimeout(() => resolve({ ids: ids.map((i) => typeof i === 'number' && i > 0), seen, ticks, string: window.stratusTestString }), 20);
          });
        })`
      });
      return out.result.value as { ids: boolean[]; seen: unknown[][]; ticks: number; string: number };
    });
    expect(r.ids).to.deep.equal([true, true, true]);
    expect(r.ticks).to.equal(1);
    expect(r.string).to.equal(7);
    expect(r.seen).to.have.deep.members([['args', 'x', 2, true], ['frame', 'number'], ['error', true]]);
  });
});
