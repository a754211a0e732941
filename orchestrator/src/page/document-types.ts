import { CDPSession } from 'puppeteer-core';
import type { Protocol } from 'puppeteer-core';

/** The XHTML types HbbTV apps are served with; Chromium downloads the first instead of showing it. */
const XHTML_TYPES = /^\s*(application\/vnd\.hbbtv\.xhtml\+xml|application\/xhtml\+xml)\s*(;|$)/i;

/**
 * Documents served with the HbbTV content types run, as on a terminal. Chromium does not render
 * `application/vnd.hbbtv.xhtml+xml` (the navigation is aborted), and renders a document that is
 * not well-formed XML as a parse error, where TVs are tolerant. So a document response of either
 * type is given to Chromium as `application/xhtml+xml` when it is well-formed XML (checked with
 * Chromium's own XML parser: page/xml-check.ts), and as `text/html` when it is not.
 * Called for every document response the page's Fetch interception pauses; false when the
 * response was left alone (the caller continues it).
 */
export async function runAsTerminal(
  cdp: CDPSession,
  e: Protocol.Fetch.RequestPausedEvent,
  wellFormedXml: (text: string) => Promise<boolean>
): Promise<boolean> {
  const headers = e.responseHeaders ?? [];
  const type = headers.find((h) => h.name.toLowerCase() === 'content-type');
  if (!type || !XHTML_TYPES.test(type.value) || (e.responseStatusCode ?? 0) >= 300) return false;
  const { body, base64Encoded } = await cdp.send('Fetch.getResponseBody', { requestId: e.requestId });
  const bytes = Buffer.from(body, base64Encoded ? 'base64' : 'utf8');
  const charset = /charset=([^;]+)/i.exec(type.value)?.[1]?.trim().toLowerCase();
  const text = bytes.toString(charset === 'iso-8859-1' || charset === 'latin1' ? 'latin1' : 'utf8');
  const wellFormed = await wellFormedXml(text).catch(() => false);
  const kept = headers.filter((h) => h.name.toLowerCase() !== 'content-type' && h.name.toLowerCase() !== 'content-length');
  const as = wellFormed ? 'application/xhtml+xml' : 'text/html';
  await cdp.send('Fetch.fulfillRequest', {
    requestId: e.requestId,
    responseCode: e.responseStatusCode ?? 200,
    responseHeaders: [...kept, { name: 'Content-Type', value: `${as}; charset=${charset ?? 'utf-8'}` }],
    body: bytes.toString('base64')
  });
  return true;
}
