import { DEVICE_WS_PATH, StratusError } from '@stratus/protocol';
import { Directory, NodeRecord } from './directory';
import { placeSession } from './placement';
import { issueTicket, verifyTicket } from './ticket';

export interface RoutingOptions {
  /** Signs and checks the tickets that carry a placed hello to its node (auth.secret). */
  secret: string;
  /** How long a placement ticket stays good (cluster.ticketTtlMs). */
  ticketTtlMs: number;
}

/**
 * Where a device or a client belongs when this node is one of many (cluster.redisUrl): a hello
 * goes to the least-loaded node with room, a resume or a join to the node that owns its session.
 * Alone (no directory), or while the directory does not answer, everything is served here: a node
 * keeps serving while Redis is away.
 */
export class Routing {
  constructor(
    private readonly directory: Directory | null,
    private readonly nodeId: string,
    /** This node's record as it is now, not as last written. */
    private readonly self: () => NodeRecord,
    private readonly opts: RoutingOptions
  ) {}

  /**
   * A hello without a ticket for this node is placed: another node gets STRATUS_REDIRECT to it,
   * with a ticket; null means serve it here (this node is the place, nobody has room, or no
   * directory answered). A ticket for this node is checked and served here.
   */
  async place(deviceId: string, ticket: string | undefined): Promise<StratusError | null> {
    const d = this.directory;
    if (!d) return null;
    if (ticket !== undefined) {
      verifyTicket(this.opts.secret, ticket, this.nodeId, deviceId);
      return null;
    }
    let nodes: NodeRecord[];
    try {
      nodes = await d.nodes();
    } catch {
      return null;
    }
    const me = this.self();
    const target = placeSession([...nodes.filter((n) => n.id !== me.id), me], me.id);
    // Nobody has room, or this node is the place: served here (or refused, while it drains).
    if (!target || target.id === me.id) return null;
    const exp = Date.now() + this.opts.ticketTtlMs;
    return redirectTo(target.url, issueTicket(this.opts.secret, { node: target.id, dev: deviceId, exp }));
  }

  /** The base URL of the node that owns a session this node does not have; null when none does. */
  async ownerUrl(sessionId: string): Promise<string | null> {
    const d = this.directory;
    if (!d) return null;
    try {
      const rec = await d.session(sessionId);
      if (!rec || rec.node === this.nodeId) return null;
      return (await d.nodes()).find((n) => n.id === rec.node)?.url ?? null;
    } catch {
      return null;
    }
  }

  /** The owner of a session this node does not have, as a redirect; STRATUS_UNKNOWN_SESSION when none. */
  async toOwner(sessionId: string): Promise<StratusError> {
    const url = await this.ownerUrl(sessionId);
    return url ? redirectTo(url) : new StratusError('STRATUS_UNKNOWN_SESSION', sessionId.slice(0, 64));
  }

  /** The base URLs of the other nodes; none when alone or when the directory does not answer. */
  async otherNodeUrls(): Promise<string[]> {
    if (!this.directory) return [];
    try {
      return (await this.directory.nodes()).filter((n) => n.id !== this.nodeId).map((n) => n.url);
    } catch {
      return [];
    }
  }
}

/** STRATUS_REDIRECT to a node's device endpoint (the device reconnects there), with a ticket for a placed hello. */
export function redirectTo(nodeUrl: string, ticket?: string): StratusError {
  const err = new StratusError('STRATUS_REDIRECT', nodeUrl);
  err.redirect = { url: nodeUrl.replace(/^http/, 'ws').replace(/\/$/, '') + DEVICE_WS_PATH, ticket };
  return err;
}
