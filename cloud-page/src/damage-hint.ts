/**
 * Where a key-down is about to repaint, as the page itself can tell: the "page-reported rects,
 * corrected by a diff" option of the design brief. The orchestrator's input pipeline asks
 * `take()` right after a key-down and captures the key's frame from that clip.
 *
 * A capture of a small clip returns ~10 ms sooner than a full-layer capture (Chromium reads back
 * and encodes only the clip), so when the page can say where its key handler changed things, the
 * key's frame is captured from that clip. The prediction is deliberately narrow: only `class`
 * changes on out-of-flow elements (position absolute or fixed), which cannot move anything else,
 * on pages whose style sheets have no sibling combinators or :has(). Anything the page cannot
 * vouch for (text or tree changes, inline styles, focus moves, scrolling, canvas, animations and
 * transitions) gives no hint and a full capture. Every clip frame is followed by a full capture,
 * whose diff corrects whatever the clip missed (descendants painted outside their parent, style
 * sheets from other origins).
 */
import { DamageTake, HintRect, HOLE_ATTRIBUTE } from './config';

/** Starts watching the page between two key-downs; the returned `take()` answers the hint. */
export function watchDamage(): DamageTake {
  // What changed since the last take(): elements whose class changed (a few), or "something else".
  // Nothing else is kept, so a page that mutates for hours between keys holds no more than this.
  let classed = new Set<Node>();
  let unpredictable = false;
  function note(rs: MutationRecord[]): void {
    for (const r of rs) {
      if (r.type === 'attributes' && r.attributeName === 'class' && classed.size < 64) classed.add(r.target);
      // The video hole's key (media/video-hole.ts) changes no layout, and the orchestrator's second
      // capture toggles it between keys: it is not the key's damage.
      else if (r.type === 'attributes' && r.attributeName === HOLE_ATTRIBUTE) continue;
      else unpredictable = true;
    }
  }
  const observer = new MutationObserver(note);
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  let canvas = false;
  const mark = (): void => {
    unpredictable = true;
  };
  // Changes a MutationObserver does not see. (Scroll events come a frame late: they refuse the
  // next key, and the scroll position check below covers this one.)
  for (const type of ['focusin', 'focusout', 'scroll']) document.addEventListener(type, mark, true);
  const wrap = (proto: object, names: string[]): void => {
    for (const name of names) {
      const d = proto && Object.getOwnPropertyDescriptor(proto, name);
      if (!d) continue;
      if (typeof d.value === 'function') {
        const f = d.value as (...args: unknown[]) => unknown;
        Object.defineProperty(proto, name, {
          ...d,
          value: function (this: unknown, ...args: unknown[]) {
            unpredictable = true;
            return f.apply(this, args);
          }
        });
      } else if (d.set) {
        const s = d.set;
        Object.defineProperty(proto, name, {
          ...d,
          set: function (this: unknown, v: unknown) {
            unpredictable = true;
            s.call(this, v);
          }
        });
      }
    }
  };
  wrap(Element.prototype, ['scrollTop', 'scrollLeft', 'scrollTo', 'scrollBy', 'scrollIntoView', 'animate']);
  wrap(window, ['scrollTo', 'scrollBy', 'scroll']);
  // A canvas can be drawn on at any time without a trace in the DOM: a page that ever used one
  // gets no more hints.
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, ...args: unknown[]) {
    canvas = true;
    return (getContext as (...a: unknown[]) => RenderingContext | null).apply(this, args);
  } as typeof getContext;

  const seen = new WeakMap<Element, number[]>();
  let scrolled: string | null = null;
  return function take(width: number, height: number, maxArea: number): HintRect | null {
    note(observer.takeRecords());
    const els = classed;
    classed = new Set();
    const se = document.scrollingElement;
    const scroll = se ? se.scrollLeft + ',' + se.scrollTop : '';
    const refused = unpredictable || canvas || (scrolled !== null && scroll !== scrolled);
    unpredictable = false;
    scrolled = scroll;
    if (refused || els.size === 0 || styleReachesOutside()) return null;
    let margin = 0;
    const boxes: number[][] = [];
    for (const el of els) {
      if (!(el instanceof HTMLElement) || !el.isConnected) return null;
      const cs = getComputedStyle(el);
      if ((cs.position !== 'absolute' && cs.position !== 'fixed') || cs.filter !== 'none' || cs.backdropFilter !== 'none' || cs.mixBlendMode !== 'normal') return null;
      if (el.querySelector('canvas,video,iframe,object,embed')) return null;
      // A transition or animation the change started keeps painting past this frame, and may
      // outgrow the box it has now.
      if (el.getAnimations && el.getAnimations({ subtree: true }).length > 0) return null;
      const b = el.getBoundingClientRect();
      // A transform scales the shadow with the box.
      const scale = Math.max(1, el.offsetWidth ? b.width / el.offsetWidth : 1, el.offsetHeight ? b.height / el.offsetHeight : 1);
      margin = Math.max(margin, ink(cs) * scale);
      const box = [b.left, b.top, b.right, b.bottom];
      boxes.push(box);
      // Where it was when last seen: a class change may have moved it.
      const before = seen.get(el);
      if (before) boxes.push(before);
      seen.set(el, box);
    }
    // A focus style usually moves from one element to another: the one that lost it painted the
    // same shadow, so every box gets the widest margin of them all, plus a pixel of antialiasing.
    margin = Math.ceil(margin) + 1;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const b of boxes) {
      x0 = Math.min(x0, b[0] - margin);
      y0 = Math.min(y0, b[1] - margin);
      x1 = Math.max(x1, b[2] + margin);
      y1 = Math.max(y1, b[3] + margin);
    }
    x0 = Math.max(0, Math.floor(x0));
    y0 = Math.max(0, Math.floor(y0));
    x1 = Math.min(width, Math.ceil(x1));
    y1 = Math.min(height, Math.ceil(y1));
    if (x1 <= x0 || y1 <= y0) return null;
    if ((x1 - x0) * (y1 - y0) > maxArea) return null;
    return [x0, y0, x1, y1];
  };
}

const px = (v: string): number => parseFloat(v) || 0;

/** How far an element paints outside its border box: shadows and outline. */
function ink(cs: CSSStyleDeclaration): number {
  let m = 0;
  const shadow = cs.boxShadow;
  if (shadow && shadow !== 'none') {
    for (const part of shadow.split(/,(?![^(]*\))/)) {
      const n = (part.replace(/rgba?\([^)]*\)/g, '').match(/-?[\d.]+px/g) || []).map(px);
      // offset x, offset y, blur, spread: Skia draws a blur out to 1.5 times its radius.
      m = Math.max(m, Math.abs(n[0] || 0) + Math.abs(n[1] || 0) + 1.5 * (n[2] || 0) + Math.max(0, n[3] || 0));
    }
  }
  if (cs.outlineStyle !== 'none') m = Math.max(m, px(cs.outlineWidth) + Math.max(0, px(cs.outlineOffset)));
  return m;
}

/**
 * Sibling combinators and :has() let a class restyle elements outside the changed one (any
 * "+" counts, nth-child formulas too: a false alarm only costs a full capture). Style sheets
 * the page cannot read (other origins) are not checked.
 */
function reachesOutside(rules: CSSRuleList): boolean {
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i] as CSSRule & { selectorText?: string; cssRules?: CSSRuleList };
    if (r.selectorText && /[+~]|:has\(/.test(r.selectorText)) return true;
    if (r.cssRules && reachesOutside(r.cssRules)) return true;
  }
  return false;
}

function styleReachesOutside(): boolean {
  for (const sheet of Array.from(document.styleSheets)) {
    let rules: CSSRuleList | null = null;
    try {
      rules = sheet.cssRules;
    } catch {
      continue;
    }
    if (rules && reachesOutside(rules)) return true;
  }
  return false;
}
