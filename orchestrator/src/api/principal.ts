import { StratusError } from '@stratus/protocol';

/**
 * Who makes an API call: an operator (everything), a broadcaster (its own apps and the sessions
 * running them), or a device (its own sessions, through a device token on the control channel).
 */
export type Principal =
  | { kind: 'operator'; keyId: string }
  | { kind: 'broadcaster'; keyId: string; name: string }
  | { kind: 'device'; deviceId: string };

export function principalOfScope(scope: string, keyId: string): Principal {
  if (scope === 'operator') return { kind: 'operator', keyId };
  return { kind: 'broadcaster', keyId, name: scope.slice('broadcaster:'.length) };
}

/** Whether `p` may see and drive an app owned by `owner` (or sessions running it). */
export function coversApp(p: Principal, owner: string | undefined): boolean {
  if (p.kind === 'operator') return true;
  if (p.kind === 'broadcaster') return owner === p.name;
  return false;
}

/** Whether `p` may see and drive a session: operators any, broadcasters those running their apps, devices their own. */
export function coversSession(p: Principal, s: { deviceId: string; owner: string | undefined }): boolean {
  if (p.kind === 'device') return p.deviceId === s.deviceId;
  return coversApp(p, s.owner);
}

/** Operators only: API keys, device credentials, webhooks of other scopes. */
export function requireOperator(p: Principal): void {
  if (p.kind !== 'operator') throw new StratusError('STRATUS_FORBIDDEN', 'operators only');
}

/** The owner name events and webhooks of this principal are filtered by; null sees everything. */
export function ownerFilter(p: Principal): string | null {
  return p.kind === 'broadcaster' ? p.name : null;
}
