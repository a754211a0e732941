import { StratusError } from '@stratus/protocol';
import { open, sign } from '../auth/signed';

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
const DOMAIN = 'stratus-ticket';

export function issueTicket(secret: string, claims: TicketClaims): string {
  return sign(secret, PREFIX, DOMAIN, claims);
}

/** The claims of a ticket for this node and device, still valid; else STRATUS_AUTH_INVALID. */
export function verifyTicket(secret: string, ticket: string, node: string, dev: string, nowMs = Date.now()): TicketClaims {
  const claims = open(secret, PREFIX, DOMAIN, ticket, 'redirect ticket') as TicketClaims;
  if (claims?.node !== node || claims.dev !== dev) throw new StratusError('STRATUS_AUTH_INVALID', 'the ticket is for another node or device');
  if (typeof claims.exp !== 'number' || claims.exp <= nowMs) throw new StratusError('STRATUS_AUTH_EXPIRED', 'the redirect ticket expired');
  return claims;
}
