import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ErrorCode, StratusError } from '@stratus/protocol';

/**
 * Addresses a cloud service must not be talked into fetching on an app's behalf: loopback,
 * private, link-local (cloud metadata lives there), carrier-grade NAT, unspecified, multicast.
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 3]
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** How a guard refuses: its code, the setting that allows a private host, and what a name that does not resolve is. */
export interface GuardRefusal {
  code: ErrorCode;
  setting: string;
  /** "refuse": STRATUS_MEDIA_SOURCE_UNREACHABLE; "pass": the connection's own guard (guardedLookup) decides later. */
  unresolved: 'refuse' | 'pass';
}

const MEDIA_SOURCE: GuardRefusal = { code: 'STRATUS_MEDIA_SOURCE_FORBIDDEN', setting: 'media.allowPrivate', unresolved: 'refuse' };

/**
 * Checks a media source (or, with another `refusal`, any destination such as a webhook) before
 * anything fetches it: http(s) only, no credentials, and no private address unless `allow` lists
 * its host ("host" or "host:port"). Names are resolved here, so a public name that points inside
 * is caught too. Throws the refusal's code (STRATUS_MEDIA_SOURCE_FORBIDDEN) or _UNREACHABLE.
 */
export async function guardSource(source: string, allow: readonly string[], refusal: GuardRefusal = MEDIA_SOURCE): Promise<URL> {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new StratusError(refusal.code, `not a URL: ${source.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StratusError(refusal.code, `scheme ${url.protocol} is not http(s)`);
  }
  if (url.username || url.password) throw new StratusError(refusal.code, 'credentials in the URL');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (allow.includes(host) || allow.includes(`${host}:${port}`)) return url;
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch (err) {
    if (refusal.unresolved === 'pass') return url;
    throw new StratusError('STRATUS_MEDIA_SOURCE_UNREACHABLE', `${host}: ${(err as NodeJS.ErrnoException).code ?? 'lookup failed'}`);
  }
  const inside = addresses.find(isPrivateAddress);
  if (inside) throw new StratusError(refusal.code, `${host} is ${inside}, a private address (allow it with ${refusal.setting})`);
  return url;
}

