import type { NodeRecord } from './directory';

/**
 * The node a new session goes to: the least loaded (sessions over capacity) of the nodes that
 * take sessions, this one when it is among the least loaded (no redirect for nothing), else the
 * first by id so that nodes placing at once agree. Null when none has room.
 */
export function placeSession(nodes: NodeRecord[], selfId: string): NodeRecord | null {
  const open = nodes.filter((n) => !n.draining && n.capacity > 0 && n.sessions < n.capacity);
  if (open.length === 0) return null;
  const load = (n: NodeRecord): number => n.sessions / n.capacity;
  const least = Math.min(...open.map(load));
  const best = open.filter((n) => load(n) === least);
  return best.find((n) => n.id === selfId) ?? best.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];
}
