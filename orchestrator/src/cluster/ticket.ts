import { createHmac, timingSafeEqual } from 'node:crypto';
import { StratusError } from '@stratus/protocol';

/**
 * A redirect ticket: `srt1.<payload>.<signature>`, base64url, signed like device tokens with the
 * `auth.secret` every node shares. It tells the node a device is sent to that another node placed
 * it there (so it serves the hello instead of placing it again), for which device, until when.
 */
export interface TicketClaims {
  /** The node the device is sent to. */
  node: string;
  dev: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

const PREFIX = 'srt1';

function sign(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`stratus-ticket:${body}`).digest();
}

export function issueTicket(secret: string, claims: TicketClaims): string {
  const body = `${PREFIX}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${sign(secret, body).toString('base64url')}`;
}

/** The claims of a ticket for this node and device, still valid; else STRATUS_AUTH_INVALID. */
export function verifyTicket(secret: string, ticket: string, node: string, dev: string, nowMs = Date.now()): TicketClaims {
  const parts = ticket.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) throw new StratusError('STRATUS_AUTH_INVALID', 'not a redirect ticket');
  const given = Buffer.from(parts[2], 'base64url');
  const want = sign(secret, `${parts[0]}.${parts[1]}`);
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw new StratusError('STRATUS_AUTH_INVALID', 'bad ticket signature');
  let claims: TicketClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new StratusError('STRATUS_AUTH_INVALID', 'bad ticket payload');
  }
  if (claims?.node !== node || claims.dev !== dev) throw new StratusError('STRATUS_AUTH_INVALID', 'the ticket is for another node or device');
  if (typeof claims.exp !== 'number' || claims.exp <= nowMs) throw new StratusError('STRATUS_AUTH_EXPIRED', 'the redirect ticket expired');
  return claims;
}
