import { createHmac, timingSafeEqual } from 'node:crypto';
import { StratusError } from '@stratus/protocol';

/**
 * `<prefix>.<payload>.<signature>`, both base64url: a JSON payload signed with HMAC-SHA256 under
 * the nodes' shared `auth.secret`. `domain` keeps one kind's signature from passing as another's
 * (device tokens use none, for the tokens already issued).
 */
function mac(secret: string, domain: string, body: string): Buffer {
  return createHmac('sha256', secret).update(domain ? `${domain}:${body}` : body).digest();
}

export function sign(secret: string, prefix: string, domain: string, payload: unknown): string {
  const body = `${prefix}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${mac(secret, domain, body).toString('base64url')}`;
}

/** The payload of a well-signed token of this kind; else STRATUS_AUTH_INVALID (`what` names the kind). */
export function open(secret: string, prefix: string, domain: string, token: string, what: string): unknown {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== prefix) throw new StratusError('STRATUS_AUTH_INVALID', `not a ${what}`);
  const given = Buffer.from(parts[2], 'base64url');
  const want = mac(secret, domain, `${parts[0]}.${parts[1]}`);
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw new StratusError('STRATUS_AUTH_INVALID', `bad ${what} signature`);
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new StratusError('STRATUS_AUTH_INVALID', `bad ${what} payload`);
  }
}
