/**
 * The video hole: where a proxied element shows its picture, the element paints a key colour
 * that the orchestrator turns transparent in the layer, so the device's video shows through
 * whatever the app painted below the element, while what is above it keeps its colour and alpha.
 * The element's own paint follows the browser's rules for free: ancestors' overflow and clip-path
 * clip it, opacity and visibility hide it, what is above in z-order covers it. The style also
 * hides the poster once the picture shows, and native controls always (they would cover the
 * device's video). The orchestrator half is orchestrator/src/layer/video-holes.ts.
 */
import { HOLE_ATTRIBUTE, HOLE_KEYS, HoleRect } from '../config';
import { call } from './rpc';

const rgb = (c: readonly number[]): string => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;

/**
 * A constructed sheet: not in document.styleSheets nor the DOM, so the app's own style queries
 * do not see it. The poster is moved out of the element's box rather than removed, so the app
 * still reads the poster attribute it set.
 */
export function installHoleStyle(): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(
    `[${HOLE_ATTRIBUTE}] { background: ${rgb(HOLE_KEYS.first)} !important; object-position: -100000px -100000px !important; }\n` +
      `[${HOLE_ATTRIBUTE}="2"] { background: ${rgb(HOLE_KEYS.second)} !important; }\n` +
      `video::-webkit-media-controls { display: none !important; }`
  );
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

/** The elements painting the key now, with where they are. */
const holes = new Map<HTMLElement, HoleRect | null>();
let lastReport = '';

/** Marks or unmarks the element as showing the device's picture. */
export function setHole(el: HTMLElement, on: boolean, rect: HoleRect | null): void {
  if (on) {
    holes.set(el, rect);
    // Reported before the key paints (same task, and the binding's message leaves at once), so the
    // orchestrator never takes a frame with the key for app colour.
    report();
    if (el.getAttribute(HOLE_ATTRIBUTE) === null) el.setAttribute(HOLE_ATTRIBUTE, '');
  } else if (holes.delete(el)) {
    el.removeAttribute(HOLE_ATTRIBUTE);
    report();
  }
}

/** Where a hole moved to (the element's window was recomputed). */
export function moveHole(el: HTMLElement, rect: HoleRect | null): void {
  if (!holes.has(el)) return;
  holes.set(el, rect);
  report();
}

function report(): void {
  const rects: HoleRect[] = [];
  holes.forEach((r) => {
    if (r) rects.push(r);
  });
  const key = JSON.stringify(rects);
  if (key === lastReport) return;
  lastReport = key;
  call('page', 'holes', { rects }).catch(() => undefined);
}

/** The orchestrator's second capture: every hole of this document in key `n`. */
export function holeKey(n: 1 | 2): number {
  holes.forEach((_r, el) => el.setAttribute(HOLE_ATTRIBUTE, n === 2 ? '2' : ''));
  return holes.size;
}
