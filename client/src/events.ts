import type { StratusEvent } from '@stratus/protocol';

/** One Server-Sent Event as read off the stream: `gap` says some events were missed for good. */
export type StreamItem = { kind: 'event'; event: StratusEvent } | { kind: 'gap' };

/**
 * Reads an SSE body into events. Lines are split on \n (the orchestrator sends no \r); a blank
 * line ends an event; comments (": keep-alive") are skipped.
 */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamItem> {
  const decoder = new TextDecoder();
  let buffer = '';
  let type = '';
  let data = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line === '') {
        if (type === 'gap') yield { kind: 'gap' };
        else if (data) yield { kind: 'event', event: JSON.parse(data) as StratusEvent };
        type = '';
        data = '';
      } else if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
  }
}
