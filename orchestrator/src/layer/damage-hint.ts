import type { HintRect } from '@stratus/cloud-page';
import { Rect } from './damage';
import type { KeyWord } from './layer-types';

/**
 * The orchestrator's half of page-reported damage (cloud-page/src/damage-hint.ts): the page's
 * answer is data from a page the app controls, so only a well-formed rectangle inside the layer
 * counts; anything else is no hint, and costs a full capture.
 */
export function hintRect(value: unknown, width: number, height: number): Rect | null {
  if (!Array.isArray(value) || value.length !== 4 || !value.every((n) => Number.isInteger(n))) return null;
  const [x0, y0, x1, y1] = value as HintRect;
  if (x0 < 0 || y0 < 0 || x1 > width || y1 > height || x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * The page's whole answer: its rectangle (checked as above), the last paint report it includes
 * (0 when malformed), why there is no rectangle (a short word, for diagnostics), and the page's
 * word on the key (KeyWord).
 */
export function hintAnswer(value: unknown, width: number, height: number): { rect: Rect | null; seq: number; why: string; word: KeyWord } {
  const v = (value && typeof value === 'object' ? value : {}) as { rect?: unknown; seq?: unknown; why?: unknown; still?: unknown; moving?: unknown };
  const seq = typeof v.seq === 'number' && Number.isSafeInteger(v.seq) && v.seq >= 0 ? v.seq : 0;
  const rect = hintRect(v.rect, width, height);
  const why = rect ? '' : typeof v.why === 'string' && /^[a-z-]{1,20}$/.test(v.why) ? v.why : 'malformed';
  // Only a plain true counts: anything else says nothing either way.
  return { rect, seq, why, word: { still: v.still === true, moving: v.moving === true } };
}
