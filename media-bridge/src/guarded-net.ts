import { lookup } from 'node:dns';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { StratusError } from '@stratus/protocol';
import { isPrivateAddress } from './source-guard';

/** What a refused connection carries: the lookup's error code, and the reason. */
export const FORBIDDEN = 'STRATUS_MEDIA_SOURCE_FORBIDDEN';

/** Whether `allow` ("host" or "host:port", lower case) lets this host and port be private. */
export function allowed(host: string, port: string | number, allow: readonly string[]): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return allow.includes(h) || allow.includes(`${h}:${port}`);
}

/**
 * A DNS lookup for sockets that fetch media: the name is resolved when the socket connects and the
 * address it connects to is the one checked here, so a name that answers a public address to a
 * check and a private one to the connection (DNS rebinding) gets nowhere. A private address is
 * refused unless `allow` lists the host; the error's code is FORBIDDEN.
 */
export function guardedLookup(port: string | number, allow: readonly string[]): LookupFunction {
  return ((hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | Array<{ address: string; family: number }>, family?: number) => void) => {
    const all = (options as { all?: boolean }).all === true;
    lookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, all ? [] : '', 0);
      const inside = addresses.find((a) => isPrivateAddress(a.address));
      if (inside && !allowed(hostname, port, allow)) {
        const refused: NodeJS.ErrnoException = new Error(`${hostname} is ${inside.address}, a private address (allow it with media.allowPrivate)`);
        refused.code = FORBIDDEN;
        return callback(refused, all ? [] : '', 0);
      }
      if (all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  }) as LookupFunction;
}

/**
 * Why a literal IP host is refused (a lookup function is not consulted for those): a private one
 * that `allow` does not list. Null when it may be reached, or is a name.
 */
export function literalRefusal(host: string, port: string | number, allow: readonly string[]): string | null {
  const h = host.replace(/^\[|\]$/g, '');
  return isIP(h) && isPrivateAddress(h) && !allowed(h, port, allow) ? `${h} is a private address (allow it with media.allowPrivate)` : null;
}

/** A GET through the guard (guardedRequest). */
export function guardedGet(url: string, allow: readonly string[], opts: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  return guardedRequest(url, allow, opts);
}

/**
 * A request (GET unless `method` says otherwise) whose connection passes the guard when it
 * connects (guardedLookup), as a fetch Response. It follows no redirect: the caller guards each
 * hop. Rejects with STRATUS_MEDIA_SOURCE_FORBIDDEN for a private address, or the network error.
 */
export function guardedRequest(
  url: string,
  allow: readonly string[],
  opts: { method?: string; headers?: Record<string, string | number>; body?: string; signal?: AbortSignal } = {}
): Promise<Response> {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const refused = literalRefusal(u.hostname, port, allow);
  if (refused) return Promise.reject(new StratusError(FORBIDDEN, refused));
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(u, { method: opts.method ?? 'GET', headers: opts.headers, lookup: guardedLookup(port, allow), signal: opts.signal }, (res: IncomingMessage) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
      const status = res.statusCode ?? 502;
      // A Response cannot carry a body with these statuses.
      const body = status === 204 || status === 205 || status === 304 ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      if (!body) res.resume();
      resolve(new Response(body, { status, headers }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === FORBIDDEN ? new StratusError(FORBIDDEN, err.message) : err);
    });
    req.end(opts.body);
  });
}
