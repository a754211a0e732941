import { createHash, timingSafeEqual } from 'node:crypto';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * Whether two secrets are equal, in time that depends neither on where they differ nor on their
 * lengths: their digests are compared, so any input (another length, non-ASCII) never throws.
 */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
