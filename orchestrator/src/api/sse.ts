import type { Request, Response } from 'express';
import { EventLog, LoggedEvent } from './event-log';
import { ownerFilter, Principal } from './principal';

/** A comment line every so often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15000;

/**
 * GET /api/events: the caller's events as Server-Sent Events, each with its id, so a client that
 * reconnects with Last-Event-ID (the header, or ?lastEventId=) gets what it missed first. When
 * some of that is no longer kept, a `gap` event says so before the replay. `?types=` and
 * `?session=` narrow the stream.
 */
export function serveEvents(log: EventLog, p: Principal, req: Request, res: Response): void {
  const owner = ownerFilter(p);
  const q = req.query as Record<string, unknown>;
  const types = typeof q.types === 'string' && q.types ? new Set(q.types.split(',')) : null;
  const session = typeof q.session === 'string' && q.session ? q.session : null;
  const wanted = (e: LoggedEvent): boolean =>
    (owner === null || e.owner === owner) && (!types || types.has(e.event.type)) && (!session || e.event.sessionId === session);
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
  res.write('retry: 2000\n\n');
  const send = (e: LoggedEvent): void => {
    if (wanted(e)) res.write(`id: ${e.event.id}\nevent: ${e.event.type}\ndata: ${JSON.stringify(e.event)}\n\n`);
  };
  const last = req.header('last-event-id') ?? (typeof q.lastEventId === 'string' ? q.lastEventId : '');
  if (last) {
    const { events, gap } = log.after(last);
    if (gap) res.write(`event: gap\ndata: ${JSON.stringify({ after: last.slice(0, 64) })}\n\n`);
    for (const e of events) send(e);
  }
  log.on('event', send);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const stop = (): void => {
    clearInterval(heartbeat);
    log.off('event', send);
  };
  req.on('close', stop);
  res.on('error', stop);
}
