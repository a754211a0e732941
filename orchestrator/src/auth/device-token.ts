import { createHmac, timingSafeEqual } from 'node:crypto';
import { StratusError } from '@stratus/protocol';

/**
 * Device credentials: `stv1.<payload>.<signature>`, both base64url. The payload is JSON
 * `{"dev": deviceId, "iat": issuedAt, "exp": expiresAt}` (Unix seconds); the signature is
 * HMAC-SHA256 over `stv1.<payload>` with the orchestrator's `auth.secret`. Operators issue them
 * with `npm run token -- <deviceId> [ttlSeconds]` and revoke a device with `auth.revokedDevices`
 * or the operator API.
 */
export interface DeviceClaims {
  dev: string;
  iat: number;
  exp: number;
}

const PREFIX = 'stv1';
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function sign(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

export function issueDeviceToken(secret: string, deviceId: string, ttlSeconds: number, nowMs = Date.now()): string {
  if (!DEVICE_ID.test(deviceId)) throw new StratusError('STRATUS_CONFIG_INVALID', `illegal device id ${JSON.stringify(deviceId)}`);
  const iat = Math.floor(nowMs / 1000);
  const payload = Buffer.from(JSON.stringify({ dev: deviceId, iat, exp: iat + ttlSeconds })).toString('base64url');
  const body = `${PREFIX}.${payload}`;
  return `${body}.${sign(secret, body).toString('base64url')}`;
}

/** Returns the claims of a valid token; throws STRATUS_AUTH_INVALID or STRATUS_AUTH_EXPIRED. */
export function verifyDeviceToken(secret: string, token: string, nowMs = Date.now()): DeviceClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) throw new StratusError('STRATUS_AUTH_INVALID', 'not a stv1 token');
  const given = Buffer.from(parts[2], 'base64url');
  const want = sign(secret, `${parts[0]}.${parts[1]}`);
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw new StratusError('STRATUS_AUTH_INVALID', 'bad signature');
  let claims: DeviceClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new StratusError('STRATUS_AUTH_INVALID', 'bad payload');
  }
  if (typeof claims?.dev !== 'string' || !DEVICE_ID.test(claims.dev) || !Number.isInteger(claims.exp) || !Number.isInteger(claims.iat)) {
    throw new StratusError('STRATUS_AUTH_INVALID', 'bad claims');
  }
  if (claims.exp * 1000 <= nowMs) throw new StratusError('STRATUS_AUTH_EXPIRED', `expired at ${new Date(claims.exp * 1000).toISOString()}`);
  return claims;
}
