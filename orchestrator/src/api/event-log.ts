import { EventEmitter } from 'node:events';
import { EventType, StratusEvent } from '@stratus/protocol';

/** An event with the owner of the app it is about, by which scopes filter. */
export interface LoggedEvent {
  event: StratusEvent;
  /** The broadcaster owning the session's app when it happened; undefined: operators only. */
  owner: string | undefined;
}

/** What an event is about. */
export interface EventSubject {
  id: string;
  appId: string;
  deviceId: string;
  owner: string | undefined;
}

/**
 * Every event of this orchestrator, numbered in order, the latest `capacity` kept so that a
 * Server-Sent Events client that reconnects with Last-Event-ID gets what it missed. Ids are
 * "<run>-<n>": a run that restarted is told apart, so a stale id is a gap, not a wrong replay.
 */
export class EventLog extends EventEmitter<{ event: [LoggedEvent] }> {
  private readonly run = Date.now().toString(36);
  private next = 1;
  private readonly recent: LoggedEvent[] = [];

  constructor(private readonly capacity: number) {
    super();
    // SSE clients and webhook endpoints each listen.
    this.setMaxListeners(0);
  }

  publish(subject: EventSubject, type: EventType, data: Record<string, unknown>): LoggedEvent {
    const logged: LoggedEvent = {
      event: { id: `${this.run}-${this.next++}`, type, time: new Date().toISOString(), sessionId: subject.id, appId: subject.appId, deviceId: subject.deviceId, data },
      owner: subject.owner
    };
    this.recent.push(logged);
    if (this.recent.length > this.capacity) this.recent.shift();
    this.emit('event', logged);
    return logged;
  }

  /**
   * The events after `lastId`, oldest first; `gap` when some of them are no longer kept (or the id
   * is from another run), and the replay then starts at the oldest kept.
   */
  after(lastId: string): { events: LoggedEvent[]; gap: boolean } {
    const m = /^([0-9a-z]+)-(\d+)$/.exec(lastId);
    const n = m && m[1] === this.run ? Number(m[2]) : -1;
    const oldest = this.recent.length ? Number(this.recent[0].event.id.split('-')[1]) : this.next;
    if (n < 0 || n > this.next - 1) return { events: this.recent.slice(), gap: true };
    return { events: this.recent.filter((e) => Number(e.event.id.split('-')[1]) > n), gap: n + 1 < oldest };
  }
}
