import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Checks a webhook delivery: the `Stratus-Signature` header (`t=<unix s>,v1=<hex>`) must be the
 * HMAC-SHA256 of "<t>.<raw body>" with the endpoint's secret, and `t` within `toleranceS` of now
 * (a replayed old delivery fails). Pass the body exactly as received.
 */
export function verifyWebhook(secret: string, header: string | undefined, rawBody: string, toleranceS = 300, nowS = Date.now() / 1000): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(nowS - t) > toleranceS) return false;
  const want = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return timingSafeEqual(want, Buffer.from(m[2], 'hex'));
}
