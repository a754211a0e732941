/**
 * Where a key-down is about to repaint, as the page itself can tell: the "page-reported rects,
 * corrected by a diff" option of the design brief. The orchestrator's input pipeline asks
 * `take()` right after a key-down and captures the key's frame from that clip.
 *
 * A capture of a small clip costs half a whole one (Chromium reads back and encodes only the
 * clip), so when the page can say where its key handler changed things, the key's frame is
 * captured from that clip. The prediction is deliberately narrow: only `class` changes on
 * out-of-flow elements (position absolute or fixed), which cannot move anything else, and text
 * changes inside one (a clock, a title panel), on pages whose style sheets have no sibling
 * combinators or :has(). The same hint serves a change the page reports by itself while the
 * screencast is quiet (a clock turning the minute). Anything the page cannot vouch for (other
 * text or tree changes, inline styles, focus moves, scrolling, canvas, animations and
 * transitions, pseudo-elements, large subtrees) gives no hint and a full capture.
 *
 * Where such an element painted before the change is measured, not guessed: every answer that is
 * no hint (and the first) measures the paint box of every out-of-flow element, and each hint
 * measures the boxes of what it covers again, so the next key finds them where they are. A paint
 * box is the element's border box after transforms, widened by its shadows and outline, with
 * every descendant's box and ink and the extent of its text.
 */
import { DamageAnswer, HOLE_ATTRIBUTE } from './config';
import type { PaintWatch } from './paint-watch';

/** Most elements measured in one pass; a larger document gets hints for none it did not measure. */
const MAX_MEASURED = 3000;
/** Most descendants of a changed element: a larger subtree costs too much to measure each key. */
const MAX_DESCENDANTS = 64;

type Box = [number, number, number, number];

/** Answers the hint from `watch` (paint-watch.ts), which sees what changed between two calls. */
export function watchDamage(watch: PaintWatch): (width: number, height: number, maxArea: number) => DamageAnswer {
  let seen = new WeakMap<Element, Box>();
  let scrolled: string | null = null;
  /** Measures every out-of-flow element where it paints now: the "before" of the next key. */
  function measureAll(): void {
    seen = new WeakMap();
    const all = document.getElementsByTagName('*');
    if (all.length > MAX_MEASURED) return;
    for (let i = 0; i < all.length; i++) {
      const el = all[i];
      if (!(el instanceof HTMLElement) || el.hasAttribute(HOLE_ATTRIBUTE)) continue;
      const pos = getComputedStyle(el).position;
      if (pos !== 'absolute' && pos !== 'fixed') continue;
      const box = paintBox(el);
      if (box) seen.set(el, box);
    }
  }
  return function take(width: number, height: number, maxArea: number): DamageAnswer {
    const c = watch.drain();
    const se = document.scrollingElement;
    const scroll = se ? se.scrollLeft + ',' + se.scrollTop : '';
    // Text changes inside an out-of-flow element repaint that element only (it moves nothing
    // else): they count as a change of it. Text anywhere else may move the page around it.
    const holders = Array.from(c.texted, outOfFlowHolder);
    const refused = c.canvas ? 'canvas' : c.unpredictable ? c.cause : scrolled === null ? 'first' : scroll !== scrolled ? 'scrolled' : holders.some((h) => !h) ? 'text' : '';
    scrolled = scroll;
    const none = (why: string): DamageAnswer => ({ seq: c.seq, rect: null, why });
    if (refused) {
      // A full capture follows: measure from here, so that the next key can have a hint.
      if (!c.canvas && !styleReachesOutside()) measureAll();
      return none(refused);
    }
    const changed = new Set<Node>(c.classed);
    for (const h of holders) changed.add(h as Element);
    if (changed.size === 0) return none('nothing');
    if (styleReachesOutside()) return none('style-sheet');
    const boxes: Box[] = [];
    let ok = '';
    for (const el of changed) {
      if (!(el instanceof HTMLElement) || !el.isConnected) {
        ok = 'element-gone';
        break;
      }
      const cs = getComputedStyle(el);
      const before = seen.get(el);
      const now = (cs.position === 'absolute' || cs.position === 'fixed') && cs.filter === 'none' && cs.backdropFilter === 'none' && cs.mixBlendMode === 'normal' ? paintBox(el) : null;
      // A transition or animation the change started keeps painting past this frame, and may
      // outgrow the box it has now; an element never measured has no known "before".
      ok = !before ? 'not-measured' : !now ? 'not-measurable' : el.getAnimations({ subtree: true }).length > 0 ? 'animated' : '';
      if (ok || !before || !now) break;
      boxes.push(before, now);
      seen.set(el, now);
      // Out-of-flow descendants moved with it: their next "before" is where they are now.
      const inner = el.getElementsByTagName('*');
      for (let i = 0; i < inner.length; i++) {
        if (!seen.has(inner[i])) continue;
        const b = paintBox(inner[i] as HTMLElement);
        if (b) seen.set(inner[i], b);
        else seen.delete(inner[i]);
      }
    }
    if (ok) {
      measureAll();
      return none(ok);
    }
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    // A pixel of antialiasing around every box.
    for (const b of boxes) {
      x0 = Math.min(x0, b[0] - 1);
      y0 = Math.min(y0, b[1] - 1);
      x1 = Math.max(x1, b[2] + 1);
      y1 = Math.max(y1, b[3] + 1);
    }
    x0 = Math.max(0, Math.floor(x0));
    y0 = Math.max(0, Math.floor(y0));
    x1 = Math.min(width, Math.ceil(x1));
    y1 = Math.min(height, Math.ceil(y1));
    if (x1 <= x0 || y1 <= y0) return none('empty');
    if ((x1 - x0) * (y1 - y0) > maxArea) return none('area');
    return { seq: c.seq, rect: [x0, y0, x1, y1] };
  };
}

/** The nearest element, `node` or above it, laid out of the flow (position absolute or fixed); null when none is or `node` left the document. */
function outOfFlowHolder(node: Node): Element | null {
  if (!node.isConnected) return null;
  for (let el: Element | null = node instanceof Element ? node : node.parentElement; el && el !== document.documentElement; el = el.parentElement) {
    const pos = getComputedStyle(el).position;
    if (pos === 'absolute' || pos === 'fixed') return el;
  }
  return null;
}

/**
 * Where `el` and everything in it paints, in viewport pixels; null when that cannot be measured
 * (generated content, a large subtree, embedded content).
 */
function paintBox(el: HTMLElement): Box | null {
  const inner = el.getElementsByTagName('*');
  if (inner.length > MAX_DESCENDANTS) return null;
  const box: Box = [Infinity, Infinity, -Infinity, -Infinity];
  const add = (e: Element): boolean => {
    if (/^(CANVAS|VIDEO|IFRAME|OBJECT|EMBED)$/.test(e.tagName)) return false;
    for (const pseudo of ['::before', '::after']) {
      const content = getComputedStyle(e, pseudo).content;
      if (content && content !== 'none' && content !== 'normal') return false;
    }
    const cs = getComputedStyle(e);
    const b = e.getBoundingClientRect();
    const w = (e as HTMLElement).offsetWidth;
    const h = (e as HTMLElement).offsetHeight;
    // A transform scales the shadow with the box.
    const scale = Math.max(1, w ? b.width / w : 1, h ? b.height / h : 1);
    const m = ink(cs) * scale;
    if (b.width === 0 && b.height === 0 && m === 0) return true;
    box[0] = Math.min(box[0], b.left - m);
    box[1] = Math.min(box[1], b.top - m);
    box[2] = Math.max(box[2], b.right + m);
    box[3] = Math.max(box[3], b.bottom + m);
    return true;
  };
  if (!add(el)) return null;
  for (let i = 0; i < inner.length; i++) if (!add(inner[i])) return null;
  // Text that overflows its box paints outside it.
  const range = document.createRange();
  range.selectNodeContents(el);
  const t = range.getBoundingClientRect();
  if (t.width > 0 || t.height > 0) {
    const m = textInk(el);
    box[0] = Math.min(box[0], t.left - m);
    box[1] = Math.min(box[1], t.top - m);
    box[2] = Math.max(box[2], t.right + m);
    box[3] = Math.max(box[3], t.bottom + m);
  }
  return box[0] === Infinity ? [0, 0, 0, 0] : box;
}

/** The widest text shadow in `el` (text strokes and italics overhang a little too). */
function textInk(el: HTMLElement): number {
  let m = 2;
  const shadows = [getComputedStyle(el).textShadow];
  const inner = el.getElementsByTagName('*');
  for (let i = 0; i < inner.length; i++) shadows.push(getComputedStyle(inner[i]).textShadow);
  for (const shadow of shadows) m = Math.max(m, shadowExtent(shadow) + 2);
  return m;
}

/** How far a box-shadow or text-shadow list reaches: offsets, blur (Skia draws 1.5 radii), spread. */
function shadowExtent(shadow: string): number {
  let m = 0;
  if (!shadow || shadow === 'none') return 0;
  for (const part of shadow.split(/,(?![^(]*\))/)) {
    const n = (part.replace(/rgba?\([^)]*\)/g, '').match(/-?[\d.]+px/g) || []).map(px);
    m = Math.max(m, Math.abs(n[0] || 0) + Math.abs(n[1] || 0) + 1.5 * (n[2] || 0) + Math.max(0, n[3] || 0));
  }
  return m;
}

const px = (v: string): number => parseFloat(v) || 0;

/** How far an element paints outside its border box: shadows and outline. */
function ink(cs: CSSStyleDeclaration): number {
  let m = shadowExtent(cs.boxShadow);
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
