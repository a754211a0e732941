/**
 * What may have made the page paint, as the page itself sees it: DOM changes, focus, scrolling,
 * loads, animations. Two readers use it:
 * - the damage hint (damage-hint.ts) drains what changed since the last key;
 * - the orchestrator's quiet screencast hears, through a binding, when something may have painted
 *   ("d<seq>") and whether the page can vouch for its paints at all ("q<seq>": nothing runs by
 *   itself and every change leaves a trace here; "b<seq>": not so), and when a motion it ran has
 *   ended ("e<seq>": the last transition, animation with an end or smooth scroll is over, or a
 *   script's moves have stopped, and nothing else moves; a live motion's exact pixels need not
 *   wait for its frames to stop).
 *   While the page vouches, the orchestrator stops the screencast, which reads back and encodes
 *   every paint (about three quarters of a still UI's key cost), and captures on these reports
 *   instead.
 *
 * A page vouches only for what leaves a trace: a canvas, media, frames, SVG animation, an
 * animated image, a caret, or running animations make it "busy" (the screencast stays on), and
 * so do changes in several frames in a row (script-driven motion).
 */
import { HOLE_ATTRIBUTE } from './config';
import type { FrameDrivers } from './frame-drivers';
import { nativeClearTimeout, nativeFrame, nativeSetTimeout } from './natives';

/** No report for this long, and nothing running: the page is still. */
const QUIET_MS = 250;
/** This many reports within BURST_MS is motion: the screencast carries it better than captures. */
const BURST = 4;
const BURST_MS = 250;
/**
 * Elements whose paint no DOM change announces (an HbbTV app's OIPF objects for the application
 * manager, configuration, capabilities... paint nothing, and every such app has them).
 */
const UNVOUCHED = 'canvas,video,audio,object:not([type^="application/oipf"]),embed,iframe,frame,animate,animateTransform,animateMotion';
/** Resource loads that repaint something when they complete (not fetch, XHR, scripts, beacons or the favicon). */
const PAINTING_LOADS = /^(img|image|css|link|input)$/;
/** Image formats that may animate by themselves. */
const ANIMATED_IMAGE = /(\.(gif|webp|apng)([?#]|$))|^data:image\/(gif|webp|apng)/i;

export interface PaintChanges {
  /** Elements whose class changed (at most 64). */
  classed: Set<Node>;
  /** Elements whose text changed, text nodes only (at most 64): a clock, a title, a counter. */
  texted: Set<Node>;
  /** Something changed that a class or text change does not describe, and the first such thing. */
  unpredictable: boolean;
  cause: string;
  /** The page has drawn on a canvas: nothing it paints can be vouched for. */
  canvas: boolean;
  /** The last report sent: what was drained includes everything reported up to it. */
  seq: number;
}

export interface PaintWatch {
  /** What changed since the last drain. */
  drain(): PaintChanges;
  /** Date.now() when the watch last saw anything change (0: never); drain() first takes in what is pending. */
  changedAt(): number;
}

/** An animation or transition runs now (the page will paint again by itself). */
export function animationRunning(): boolean {
  return document.getAnimations().some((a) => a.playState === 'running');
}

/**
 * How recent a change must be for the page to be moving still: a scroll or a script animation
 * changes something every frame, and a loaded page draws 7 to 40 frames a second here.
 */
const MOVING_MS = 150;
/**
 * Moves closer together than this are a script's steps (a scrollTop or a style set every frame or
 * timer tick): its motion is over when nothing moved for twice its last step.
 */
const STEP_MS = 500;
/** Moves this close together are one step. */
const SAME_STEP_MS = 5;

/**
 * The page is in the middle of a motion that will end: an animation or transition with an end
 * runs, or something changed (a smooth scroll's step, a script animation's) in the last
 * MOVING_MS. One without an end (a spinner, maybe hidden) does not count: it would hold a motion
 * for as long as the orchestrator lets it.
 */
export function motionUnderWay(watch: PaintWatch): boolean {
  return Date.now() - watch.changedAt() < MOVING_MS || finiteAnimationRunning();
}

/** An animation or transition with an end runs (one without, a spinner maybe hidden, would never end). */
function finiteAnimationRunning(): boolean {
  return document.getAnimations().some((a) => a.playState === 'running' && Number.isFinite(Number(a.effect?.getComputedTiming().endTime)));
}

/**
 * Whether a scroll call (`name` on `target`, its first argument `options`) may have started a
 * smooth scroll, whose scroll events come a frame or more later: asked for (`behavior:
 * "smooth"`), or the scroller's CSS says so. scrollIntoView may scroll any ancestor, each by its
 * own CSS: smooth unless asked to be instant. Not a scroll call at all: false.
 */
function mayScrollSmoothly(target: unknown, name: string, options: unknown): boolean {
  if (!/^scroll/.test(name)) return false;
  const behavior = typeof options === 'object' && options !== null ? (options as ScrollToOptions).behavior : undefined;
  if (behavior === 'smooth') return true;
  if (behavior === 'instant') return false;
  if (name === 'scrollIntoView') return true;
  const scroller = target instanceof Element ? target : document.scrollingElement;
  return scroller !== null && getComputedStyle(scroller).scrollBehavior === 'smooth';
}

/**
 * The element whose text a mutation changed, when that is all it changed: a text node's data, or
 * text nodes put in or taken out (textContent, innerText); null for anything else.
 */
function textChanged(r: MutationRecord): Node | null {
  if (r.type === 'characterData') return r.target.parentNode instanceof Element ? r.target.parentNode : null;
  if (r.type !== 'childList') return null;
  for (const list of [r.addedNodes, r.removedNodes]) for (let i = 0; i < list.length; i++) if (list[i].nodeType !== Node.TEXT_NODE) return null;
  return r.target instanceof Element ? r.target : null;
}

/**
 * Starts watching. `report` (the binding, in the top-level document only) hears the reports; with
 * none, the watch only serves drain().
 */
export function watchPaint(report: ((message: string) => void) | null, drivers: FrameDrivers | null = null): PaintWatch {
  // The browser's own (natives.ts): TV apps often replace requestAnimationFrame with a timer of their own.
  const nextFrame = nativeFrame;
  let classed = new Set<Node>();
  let texted = new Set<Node>();
  let unpredictable = false;
  let cause = '';
  let canvas = false;
  let animatedImage = false;
  let seq = 0;
  let queued = false;
  /** performance.now() of the last drain. */
  let drained = 0;
  /** A report went out in this turn of tasks: later changes wait for `pending`'s report. */
  let holding = false;
  let pending = false;
  let state: 'unknown' | 'quiet' | 'busy' = 'unknown';
  let quietSeq = -1;
  let recent: number[] = [];
  let timer: ReturnType<typeof nativeSetTimeout> | null = null;
  let lastChange = 0;
  /** Date.now() of the last change that is not an animation's or a transition's end, nor a smooth scroll's step. */
  let lastMove = 0;
  /** The time between the last two moves: a stepping script's pace. */
  let moveGap = Infinity;
  /**
   * Something moved or ended since the last "ended": a word is due once all is still (a script's
   * motion ends without an end event; and the two checks below never say it twice).
   */
  let endDue = false;
  let stillTimer: ReturnType<typeof nativeSetTimeout> | null = null;
  /** The move being noted is a scroll that may be smooth (mayScrollSmoothly); the last move was. */
  let smoothMove = false;
  let lastMoveSmooth = false;
  let endQueued = false;
  /** What scrolls now: a scroll event came from it, and its scrollend not yet. */
  const scrolling = new Set<EventTarget>();

  function send(kind: 'd' | 'q' | 'b' | 'e' | 'f'): void {
    if (!report) return;
    try {
      report(kind + seq);
    } catch {
      // The binding is gone (the page is closing): nobody listens.
    }
  }
  function busy(): void {
    if (state !== 'busy') {
      state = 'busy';
      send('b');
    }
    arm();
  }
  function arm(): void {
    if (!report) return;
    if (timer) nativeClearTimeout(timer);
    timer = null;
    // A canvas or an animated image is there for good: nothing to look at again.
    if (canvas || animatedImage) {
      if (state !== 'busy') busy();
      return;
    }
    timer = nativeSetTimeout(evaluate, QUIET_MS);
  }
  function evaluate(): void {
    timer = null;
    if (busyReason()) {
      busy();
      return;
    }
    // Said again after every change: the orchestrator waits for a "still" newer than its last report.
    if (state !== 'quiet' || quietSeq !== seq) {
      state = 'quiet';
      quietSeq = seq;
      send('q');
    }
  }
  /** What paints without a trace here, if anything: then the page vouches for nothing. */
  function untraced(): string | null {
    if (canvas) return 'canvas';
    if (animatedImage) return 'image';
    if (document.querySelector(UNVOUCHED)) return 'media';
    return null;
  }
  function busyReason(): string | null {
    const why = untraced();
    if (why) return why;
    const active = document.activeElement as HTMLElement | null;
    if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return 'caret';
    if (animationRunning()) return 'animating';
    return null;
  }
  /**
   * Something may have painted: a report once the task that changed it is done. Changes in the
   * tasks right after (an animation frame dispatches each transition event in its own) wait for
   * the next macrotask and share one report.
   */
  function dirty(): void {
    if (!report) return;
    if (holding) {
      pending = true;
      return;
    }
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      holding = true;
      nativeSetTimeout(() => {
        holding = false;
        if (pending) {
          pending = false;
          dirty();
        }
      }, 0);
      seq++;
      send('d');
      const now = performance.now();
      recent = recent.filter((t) => now - t < BURST_MS);
      recent.push(now);
      if (recent.length >= BURST) busy();
      else arm();
    });
  }
  /** An animation the last change started runs now: the screencast is wanted at once, not a frame later. */
  function checkBusy(): void {
    if (report && state !== 'busy' && animationRunning()) busy();
  }
  /** `why`: the first thing since the last drain that a class change does not describe (for diagnostics). */
  function unpredictableChange(why: string, move = true): void {
    lastChange = Date.now();
    if (move) moved(lastChange);
    if (!unpredictable) cause = why;
    unpredictable = true;
    dirty();
  }
  /**
   * An animation or a transition ended: a change (what it moved stays there, and boxes measured
   * while it ran are stale), and, once the events of its frame are all dispatched, the end of the
   * page's motion if nothing with an end runs any more and nothing else changed for MOVING_MS (a
   * smooth scroll, a script moving things). Never where paints leave no trace here.
   */
  function animationEnded(why: string): void {
    unpredictableChange(why, false);
    endDue = true;
    if (!report || endQueued) return;
    endQueued = true;
    nativeSetTimeout(() => {
      endQueued = false;
      // Something moved just now: the wait for its stillness (moved()) says ended, if nothing does after it.
      if (!endDue || Date.now() - lastMove < MOVING_MS || endBlocked()) return;
      ended();
    }, 0);
  }

  /** Something with its own end runs (its end event asks again), or paints leave no trace here. */
  function endBlocked(): boolean {
    return finiteAnimationRunning() || stillScrolling() || untraced() !== null;
  }
  /** `final`: said at once, nothing of the app's being asked for (FrameDrivers), not after a wait. */
  function ended(final = false): void {
    endDue = false;
    send(final ? 'f' : 'e');
  }

  /**
   * Something moved at `now`: a script that sets a style or scrollTop every frame has no end
   * event. When the app has asked for nothing more once the task that moved is over (no
   * animation frame, no short timer: frame-drivers.ts) that move was its last, and the motion is
   * over in the two animation frames after it, unless something with an end runs or a step is
   * asked for meanwhile ("f"). Otherwise, or when the move may have started a smooth scroll
   * (whose events come a frame or more later), it is over once nothing moved for twice its last
   * step (at least MOVING_MS; an isolated change waits MOVING_MS) and in the two frames after
   * that ("e"). The frames: a loaded browser may draw none for longer than the wait, and a script
   * stepping in animation frames moves again in the first one it draws (its callback was asked
   * for before this check's).
   */
  function moved(now: number): void {
    // Moves in one task (a focus change and its class change) are one step.
    if (now - lastMove >= SAME_STEP_MS) moveGap = now - lastMove;
    lastMove = now;
    endDue = true;
    lastMoveSmooth = smoothMove;
    smoothMove = false;
    if (report) armStill(drivers !== null && !lastMoveSmooth);
  }
  // The app's last step may have moved nothing: once it has asked for nothing more, the motion
  // since its last move is over all the same (a smooth scroll's events still to come aside).
  if (drivers && report) {
    drivers.onIdle(() => {
      if (endDue && !lastMoveSmooth) armStill(true);
    });
  }
  function armStill(final: boolean): void {
    if (stillTimer) nativeClearTimeout(stillTimer);
    const wait = final ? 0 : moveGap < STEP_MS ? Math.max(MOVING_MS, 2 * moveGap) : MOVING_MS;
    stillTimer = nativeSetTimeout(() => {
      stillTimer = null;
      const at = lastMove;
      // A step asked for: the script goes on, and the wait decides.
      const stepping = (): boolean => (drivers as FrameDrivers).pending();
      if (final && stepping()) {
        armStill(false);
        return;
      }
      nextFrame(() =>
        nextFrame(() => {
          if (lastMove !== at || !endDue) return;
          const blocked = endBlocked();
          // Something with an end runs (a short transition, an instant scroll's scrollend still to
          // come): its end event defers to this move's wait while the move is recent, so the
          // wait still runs.
          if (final && (blocked || stepping())) armStill(false);
          else if (!blocked) ended(final);
        })
      );
    }, wait);
  }

  /** A scroll whose end never came (its element left the document) does not count. */
  function stillScrolling(): boolean {
    for (const t of scrolling) if (t instanceof Node && t !== document && !t.isConnected) scrolling.delete(t);
    return scrolling.size > 0;
  }

  function note(rs: MutationRecord[], announce = true): void {
    let any = false;
    for (const r of rs) {
      // The video hole's key (media/video-hole.ts) is the orchestrator's own doing, between keys.
      if (r.type === 'attributes' && r.attributeName === HOLE_ATTRIBUTE) continue;
      any = true;
      const text = textChanged(r);
      if (r.type === 'attributes' && r.attributeName === 'class' && classed.size < 64) classed.add(r.target);
      else if (text && texted.size < 64) texted.add(text);
      else if (!unpredictable) {
        unpredictable = true;
        cause = r.type === 'attributes' ? 'attribute' : r.type === 'childList' ? 'tree' : 'text';
      }
      if (r.type === 'attributes' && r.attributeName === 'src' && r.target instanceof HTMLImageElement) checkImage(r.target);
    }
    if (any) {
      lastChange = Date.now();
      moved(lastChange);
    }
    if (any && announce) dirty();
  }
  function checkImage(img: HTMLImageElement): void {
    if (ANIMATED_IMAGE.test(img.currentSrc || img.src)) animatedImage = true;
  }

  const observer = new MutationObserver((rs) => note(rs));
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  // Changes a MutationObserver does not see. (Scroll events come a frame late: a hint refuses the
  // next key, and its scroll position check covers this one.)
  for (const type of ['focusin', 'focusout']) document.addEventListener(type, () => unpredictableChange(type), true);
  // A smooth scroll's steps are its own motion, which ends with its scrollend (a script that sets
  // scrollTop every frame moves things through the wrappers below).
  document.addEventListener(
    'scroll',
    (e) => {
      if (e.target) scrolling.add(e.target);
      unpredictableChange('scroll', false);
    },
    true
  );
  document.addEventListener(
    'scrollend',
    (e) => {
      if (e.target) scrolling.delete(e.target);
      animationEnded('scrollend');
    },
    true
  );
  // A load repaints what waited for it: an image, a style sheet, a font.
  document.addEventListener(
    'load',
    (e) => {
      if (e.target instanceof HTMLImageElement) checkImage(e.target);
      unpredictableChange('load');
    },
    true
  );
  if (document.fonts) document.fonts.addEventListener('loadingdone', () => unpredictableChange('font'));
  // An animation or transition paints by itself until it ends.
  for (const type of ['animationstart', 'transitionrun']) {
    document.addEventListener(
      type,
      () => {
        // Its paints are not a key's change (the screencast shows them); its end is (below).
        if (report) busy();
        dirty();
      },
      true
    );
  }
  for (const type of ['animationend', 'animationcancel', 'transitionend', 'transitioncancel']) document.addEventListener(type, () => animationEnded(type), true);
  // Images and fonts that CSS loads (backgrounds) fire no load event on an element: their
  // resource entries say they came (a paint follows).
  if (typeof PerformanceObserver === 'function') {
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as PerformanceResourceTiming[]) {
          if (ANIMATED_IMAGE.test(e.name)) animatedImage = true;
          // Entries come late (an idle task): a load done before the last drain is in the capture
          // that followed it.
          if (PAINTING_LOADS.test(e.initiatorType) && e.responseEnd > drained) unpredictableChange('resource');
        }
      }).observe({ type: 'resource' });
    } catch {
      // No resource timing: <img> loads are still checked.
    }
  }

  const wrap = (proto: object, names: string[]): void => {
    for (const name of names) {
      const d = proto && Object.getOwnPropertyDescriptor(proto, name);
      if (!d) continue;
      if (typeof d.value === 'function') {
        const f = d.value as (...args: unknown[]) => unknown;
        Object.defineProperty(proto, name, {
          ...d,
          value: function (this: unknown, ...args: unknown[]) {
            const r = f.apply(this, args);
            smoothMove = mayScrollSmoothly(this, name, args[0]);
            unpredictableChange(name.toLowerCase());
            return r;
          }
        });
      } else if (d.set) {
        const s = d.set;
        Object.defineProperty(proto, name, {
          ...d,
          set: function (this: unknown, v: unknown) {
            s.call(this, v);
            smoothMove = mayScrollSmoothly(this, name, undefined);
            unpredictableChange(name.toLowerCase());
          }
        });
      }
    }
  };
  wrap(Element.prototype, ['scrollTop', 'scrollLeft', 'scrollTo', 'scrollBy', 'scrollIntoView']);
  // A script animation fires no DOM event: its end is a change (what it moved stays there).
  const animate = Element.prototype.animate;
  Element.prototype.animate = function (this: Element, ...args: Parameters<Element['animate']>) {
    const a = animate.apply(this, args);
    unpredictableChange('animate');
    if (report) busy();
    const ended = (): void => animationEnded('animation-end');
    a.finished.then(ended, ended);
    return a;
  };
  wrap(window, ['scrollTo', 'scrollBy', 'scroll']);
  // Style sheets edited through the CSSOM change no node.
  wrap(CSSStyleSheet.prototype, ['insertRule', 'deleteRule', 'addRule', 'removeRule', 'replace', 'replaceSync']);
  wrap(Document.prototype, ['adoptedStyleSheets']);
  // A canvas can be drawn on at any time without a trace in the DOM.
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, ...args: unknown[]) {
    canvas = true;
    lastChange = Date.now();
    if (report) busy();
    return (getContext as (...a: unknown[]) => RenderingContext | null).apply(this, args);
  } as typeof getContext;
  arm();

  return {
    drain(): PaintChanges {
      // Drained changes need no report of their own; one already queued is for changes drained now.
      note(observer.takeRecords(), false);
      checkBusy();
      drained = performance.now();
      const out = { classed, texted, unpredictable, cause, canvas, seq: queued || pending ? seq + 1 : seq };
      classed = new Set();
      texted = new Set();
      unpredictable = false;
      cause = '';
      return out;
    },
    changedAt: () => lastChange
  };
}
