import { StratusError } from '@stratus/protocol';
import { open, sign } from './signed';

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

export function issueDeviceToken(secret: string, deviceId: string, ttlSeconds: number, nowMs = Date.now()): string {
  if (!DEVICE_ID.test(deviceId)) throw new StratusError('STRATUS_CONFIG_INVALID', `illegal device id ${JSON.stringify(deviceId)}`);
  const iat = Math.floor(nowMs / 1000);
  return sign(secret, PREFIX, '', { dev: deviceId, iat, exp: iat + ttlSeconds });
}

/** Returns the claims of a valid token; throws STRATUS_AUTH_INVALID or STRATUS_AUTH_EXPIRED. */
export function verifyDeviceToken(secret: string, token: string, nowMs = Date.now()): DeviceClaims {
  const claims = open(secret, PREFIX, '', token, 'stv1 token') as DeviceClaims;
  if (typeof claims?.dev !== 'string' || !DEVICE_ID.test(claims.dev) || !Number.isInteger(claims.exp) || !Number.isInteger(claims.iat)) {
    throw new StratusError('STRATUS_AUTH_INVALID', 'bad claims');
  }
  if (claims.exp * 1000 <= nowMs) throw new StratusError('STRATUS_AUTH_EXPIRED', `expired at ${new Date(claims.exp * 1000).toISOString()}`);
  return claims;
}
