/**
 * Media calls to the orchestrator: each goes through the session's CDP binding as JSON and is
 * answered through the inbox (`settle`). The orchestrator's media/media-proxy.ts is the other end.
 */

/** How a refused call comes back: a registry code and a message. */
export interface Failure {
  code: string;
  message: string;
}

let send: ((payload: string) => void) | null = null;
let nextCall = 1;
const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Failure) => void }>();

/**
 * Takes the binding away from window, so the app never sees it. False when the document has none
 * (a frame the binding does not reach): the media proxy then stays out of that document.
 */
export function connect(binding: string): boolean {
  const w = window as unknown as Record<string, unknown>;
  const fn = w[binding];
  if (typeof fn !== 'function') return false;
  delete w[binding];
  send = fn as (payload: string) => void;
  return true;
}

export function call(player: string, method: string, params: object): Promise<unknown> {
  const id = nextCall++;
  return new Promise((resolve, reject) => {
    calls.set(id, { resolve, reject });
    send!(JSON.stringify({ id, player, method, params }));
  });
}

/** The orchestrator's answer to call `id`. */
export function settle(id: number, error: Failure | null, result: unknown): void {
  const c = calls.get(id);
  if (!c) return;
  calls.delete(id);
  if (error) c.reject(error);
  else c.resolve(result);
}
