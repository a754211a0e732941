/**
 * The HbbTV video/broadcast object: the channel line-up, tuning by ccid or DVB triplet, and its
 * PlayStateChange / ChannelChangeSucceeded / ChannelChangeError events, backed by the device's
 * tuner (or its player of the channel's stream).
 */
import type { MediaEventParams, StreamEventParams } from '@stratus/protocol';
import type { PageChannel } from '../config';
import { collection } from '../collection';
import { announce } from '../tasks';
import { Player } from './player';
import type { Failure } from './rpc';
import { nativeSetTimeout } from '../natives';

/** The configured channels as the OIPF Channel objects apps see; one frozen object per channel. */
export class Lineup {
  private readonly objects = new Map<string, object>();
  readonly channelList: object;

  constructor(readonly channels: PageChannel[]) {
    this.channelList = collection(
      channels.map((c) => this.channelObject(c)),
      {
        getChannel: (ccid: string) => {
          const c = channels.find((x) => x.ccid === ccid);
          return c ? this.channelObject(c) : null;
        },
        getChannelByTriplet: (onid: number, tsid: number, sid: number) => {
          const c = this.byTriplet(onid, tsid, sid);
          return c ? this.channelObject(c) : null;
        }
      }
    );
  }

  channelObject(ch: PageChannel): object {
    let o = this.objects.get(ch.ccid);
    if (!o) {
      o = Object.freeze({
        ccid: ch.ccid,
        name: ch.name,
        majorChannel: ch.lcn,
        lcn: ch.lcn,
        onid: ch.onid,
        tsid: ch.tsid,
        sid: ch.sid,
        idType: 12,
        channelType: 0
      });
      this.objects.set(ch.ccid, o);
    }
    return o;
  }

  byTriplet(onid: unknown, tsid: unknown, sid: unknown): PageChannel | null {
    return this.channels.find((x) => x.onid === onid && x.tsid === tsid && x.sid === sid) ?? null;
  }

  /**
   * The present and following programmes of a channel (OIPF Programme objects), from its schedule
   * repeated from midnight UTC; empty without one.
   */
  programmes(ch: PageChannel, nowMs: number): object[] {
    const list = ch.programmes ?? [];
    const cycle = list.reduce((n, p) => n + p.durationS, 0);
    if (!cycle) return [];
    const now = Math.floor(nowMs / 1000);
    const dayStart = now - (now % 86400);
    let start = dayStart + Math.floor((now - dayStart) / cycle) * cycle;
    let i = 0;
    while (start + list[i].durationS <= now) {
      start += list[i].durationS;
      i = (i + 1) % list.length;
    }
    const out: object[] = [];
    for (let k = 0; k < 2; k++) {
      const p = list[(i + k) % list.length];
      out.push(
        Object.freeze({
          name: p.name,
          description: p.description ?? '',
          longDescription: p.description ?? '',
          startTime: start,
          duration: p.durationS,
          channelID: ch.ccid,
          programmeID: `${ch.ccid}/${start}`,
          programmeIDType: 1,
          parentalRatings: []
        })
      );
      start += p.durationS;
    }
    return out;
  }

  /** The line-up's entry for a Channel object the app passes (by ccid, else by triplet). */
  entry(ch: unknown): PageChannel | null {
    if (!ch || typeof ch !== 'object') return null;
    const c = ch as Partial<PageChannel>;
    return this.channels.find((x) => x.ccid === c.ccid) ?? this.byTriplet(c.onid, c.tsid, c.sid);
  }
}

export class BroadcastPlayer extends Player {
  declare readonly el: HTMLObjectElement;
  playState = 0;
  current: PageChannel | null = null;
  pending: PageChannel | null = null;
  volume = 100;
  onPlayStateChange: unknown = null;
  onChannelChangeSucceeded: unknown = null;
  onChannelChangeError: unknown = null;
  /** The channel presented, or (right after bindToCurrentChannel or setChannel) about to be. */
  get channel(): PageChannel | null {
    return this.current ?? this.pending;
  }
  /** Stream event listeners, by target URL and event name (the device relays each pair once). */
  private readonly streamListeners = new Map<string, Array<(e: object) => void>>();
  constructor(
    el: HTMLObjectElement,
    private readonly lineup: Lineup
  ) {
    super(el);
  }
  setState(next: number, error?: number): void {
    if (next === this.playState) return;
    this.playState = next;
    announce(this.el, () => this.onPlayStateChange, 'PlayStateChange', [next, error], { state: next, playState: next, error });
    this.refreshHole();
  }
  /** Connecting or presenting: the terminal shows the channel (or its change) in the object's window. */
  override showsPicture(): boolean {
    return this.playState === 1 || this.playState === 2;
  }
  tune(ch: PageChannel): void {
    this.pending = ch;
    this.loaded = true;
    this.setState(1);
    this.command('tune', { ccid: ch.ccid }).catch((f: Failure) => this.tuneFailed(ch, f.code === 'STRATUS_UNKNOWN_CHANNEL' ? 5 : 100));
    // Listeners added before the object was bound subscribe now (the device keeps each pair once).
    this.streamListeners.forEach((_l, key) => {
      const [targetURL, eventName] = key.split('\n');
      this.send('subscribe', { targetURL, eventName });
    });
    this.updateWindow();
  }
  tuneFailed(ch: PageChannel, state: number): void {
    if (this.pending !== ch) return;
    this.pending = null;
    const channel = this.lineup.channelObject(ch);
    announce(this.el, () => this.onChannelChangeError, 'ChannelChangeError', [channel, state], { channel, errorState: state });
    this.setState(0, state);
  }
  /** next/prevChannel: `by` places along the line-up, wrapping round. */
  step(by: number): void {
    const list = this.lineup.channels;
    const n = list.length;
    if (!n) return;
    const cur = this.current;
    const i = cur ? list.findIndex((c) => c.ccid === cur.ccid) : -1;
    this.tune(list[(((i + by) % n) + n) % n]);
  }
  /** addStreamEventListener: the first listener of a (target, name) pair subscribes on the device. */
  addStreamListener(targetURL: string, eventName: string, listener: unknown): void {
    if (typeof listener !== 'function') return;
    const key = `${targetURL}\n${eventName}`;
    const list = this.streamListeners.get(key) ?? [];
    if (list.indexOf(listener as (e: object) => void) >= 0) return;
    list.push(listener as (e: object) => void);
    this.streamListeners.set(key, list);
    if (list.length === 1 && this.loaded) this.send('subscribe', { targetURL, eventName });
  }
  removeStreamListener(targetURL: string, eventName: string, listener: unknown): void {
    const key = `${targetURL}\n${eventName}`;
    const list = this.streamListeners.get(key);
    if (!list) return;
    const i = list.indexOf(listener as (e: object) => void);
    if (i >= 0) list.splice(i, 1);
    if (list.length) return;
    this.streamListeners.delete(key);
    this.send('unsubscribe', { targetURL, eventName });
  }
  /** A relayed stream event: the listeners get a StreamEvent, from a task, as on a terminal. */
  onStreamEvent(e: StreamEventParams): void {
    const list = this.streamListeners.get(`${e.targetURL}\n${e.eventName}`);
    if (!list) return;
    const event = Object.freeze({ type: 'StreamEvent', name: e.name, data: e.data, text: e.text, status: e.status });
    for (const fn of list.slice()) {
      nativeSetTimeout(() => fn.call(this.el, event), 0);
    }
  }
  onDevice(e: MediaEventParams): void {
    const ch = this.pending;
    if (e.type === 'tuned' && ch && this.caughtUp(e)) {
      this.pending = null;
      this.current = ch;
      this.setState(2);
      const channel = this.lineup.channelObject(ch);
      announce(this.el, () => this.onChannelChangeSucceeded, 'ChannelChangeSucceeded', [channel], { channel });
    } else if (e.type === 'tuneerror' && ch) {
      this.tuneFailed(ch, e.error ? e.error.code : 100);
    }
  }
}
