/**
 * CORS for media a device fetches with XHR (hls.js, shaka) from a page of another origin: only
 * the listed origins ("*" for any) get an Access-Control-Allow-Origin, echoing their own. A device
 * page served by the same origin needs none, and a TV's native player none at all.
 */
export function corsFor(origins: readonly string[]): (req: { headers: { origin?: string } }, res: { setHeader(k: string, v: string): unknown }, next: () => void) => void {
  const any = origins.includes('*');
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.setHeader('Vary', 'Origin');
    if (origin && (any || origins.includes(origin))) res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    next();
  };
}

