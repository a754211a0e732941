import { isIP } from 'node:net';

/** Strips the IPv4-mapped prefix, so 127.0.0.1 reads the same over IPv4 and IPv6 sockets. */
export function normalizeIp(ip: string | undefined): string | null {
  if (!ip) return null;
  const v = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  return isIP(v) ? v : null;
}

/**
 * The device's IP: the socket peer, unless the peer is a trusted proxy, in which case the
 * X-Forwarded-For chain is read from the right, skipping trusted proxies, and the first other
 * address wins. Anything unparsable falls back to the last trustworthy address; a client can
 * never choose its IP by sending the header itself.
 */
export function deviceIp(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: Set<string>): string | null {
  let ip = normalizeIp(peer);
  if (!ip || !trusted.has(ip) || forwardedFor === undefined) return ip;
  const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').slice(-32);
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = normalizeIp(chain[i].trim());
    if (!hop) return ip;
    ip = hop;
    if (!trusted.has(hop)) return hop;
  }
  return ip;
}

/** Device model text safe to put in a User-Agent: printable, no separators, at most 64 chars. */
function cleanModel(model: string): string {
  return model.replace(/[^A-Za-z0-9 ._+-]/g, '_').trim().slice(0, 64) || 'unknown';
}

/**
 * The User-Agent of a session's cloud page. It keeps Chromium's own tokens (headless ones
 * renamed), adds the HbbTV token with Stratus as vendor and the device model as model, so apps
 * that sniff for a TV browser see one, and ends with the Stratus product token:
 *   Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0
 *   Safari/537.36 HbbTV/1.6.1 (+DRM; Stratus; <model>; <version>; ; ) Stratus/<version> (cloud browser)
 */
export function sessionUserAgent(chromiumUa: string, model: string, version: string): string {
  const base = chromiumUa.replace('HeadlessChrome/', 'Chrome/');
  return `${base} HbbTV/1.6.1 (+DRM; Stratus; ${cleanModel(model)}; ${version}; ; ) Stratus/${version} (cloud browser)`;
}
