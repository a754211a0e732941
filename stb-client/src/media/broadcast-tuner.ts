import { CarriedMedia, MediaChannel, MediaEventParams, MediaState, MediaTrack, StreamEventParams } from '@stratus/protocol/device';
import { Done } from './device-player';
import { hiddenBox, placeBox } from './place';
import { ComponentHolder, componentTracks, TrackReport } from './track-source';

/** The parts of an OIPF video/broadcast object (DAE 7.13.1) the tuner uses. */
interface OipfBroadcast extends HTMLElement {
  setChannel(channel: unknown): void;
  stop(): void;
  release(): void;
  setVolume?(volume: number): boolean;
  createChannelObject?(idType: number, onid: number, tsid: number, sid: number): unknown;
  getChannelConfig?(): { channelList?: { getChannelByTriplet?(onid: number, tsid: number, sid: number): unknown } } | null;
  addStreamEventListener?(targetURL: string, eventName: string, listener: (e: { name?: string; data?: string; text?: string; status?: string }) => void): void;
  removeStreamEventListener?(targetURL: string, eventName: string, listener: unknown): void;
  onChannelChangeSucceeded: ((channel: unknown) => void) | null;
  onChannelChangeError: ((channel: unknown, errorState: number) => void) | null;
}

/** OIPF channel id type for DVB-T; only used when the terminal's line-up does not know the triplet. */
var ID_DVB_T = 12;

var IDLE: MediaState = {
  currentTime: 0, duration: -2, paused: false, ended: false, seeking: false, readyState: 4, networkState: 2,
  volume: 1, muted: false, rate: 1, buffered: [], seekable: [], videoWidth: 0, videoHeight: 0
};

/**
 * The cloud page's video/broadcast on a real terminal: the terminal's own video/broadcast object
 * tunes by DVB triplet, and its channel change events become `tuned` / `tuneerror`.
 */
export class BroadcastTuner {
  cmd = 0;
  engine = 'broadcast';
  private object: OipfBroadcast;
  private released = false;
  /** The channel last asked for. */
  private tuned: MediaChannel | null = null;
  private streamListeners: { [key: string]: (e: { name?: string; data?: string; text?: string; status?: string }) => void } = {};
  private tracks: TrackReport;

  constructor(
    readonly id: string,
    plane: HTMLElement,
    private emit: (e: MediaEventParams) => void
  ) {
    var o = document.createElement('object') as unknown as OipfBroadcast;
    o.setAttribute('type', 'video/broadcast');
    hiddenBox(o.style);
    this.object = o;
    plane.appendChild(o);
    var self = this;
    this.tracks = new TrackReport(function (list) {
      self.send('tracks', undefined, list);
    });
    this.tracks.use(componentTracks(o as unknown as ComponentHolder, function () {
      self.tracks.changed();
    }));
    o.onChannelChangeSucceeded = function () {
      self.send('tuned');
      self.tracks.changed();
    };
    o.onChannelChangeError = function (_ch, errorState) {
      self.send('tuneerror', { code: typeof errorState === 'number' ? errorState : 100, message: 'channel change error ' + errorState });
    };
  }

  private send(type: string, error?: { code: number; message: string }, tracks?: MediaTrack[]): void {
    if (this.released) return;
    var e: MediaEventParams = { player: this.id, cmd: this.cmd, type: type, state: IDLE, engine: 'broadcast' };
    if (error) e.error = error;
    if (tracks) e.tracks = tracks;
    this.emit(e);
  }

  select(cmd: number, kind: string, id: string, on: boolean, done: Done): void {
    this.cmd = cmd;
    if (!this.tracks.select(kind, id, on)) {
      done({ code: 'STRATUS_MEDIA_UNKNOWN_TRACK', message: 'the terminal has no component ' + id + ' on this channel' });
      return;
    }
    done(null, {});
  }

  /** What it shows, for a new session after the old one was lost (CarriedMedia). */
  carried(): CarriedMedia[number] {
    var s: CarriedMedia[number] = { kind: 'broadcast', currentTime: 0, paused: false };
    if (this.tuned) s.channel = this.tuned;
    return s;
  }

  tune(channel: MediaChannel, cmd: number, done: Done): void {
    this.cmd = cmd;
    this.tuned = channel;
    if (channel.onid === undefined || channel.tsid === undefined || channel.sid === undefined) {
      done({ code: 'STRATUS_UNKNOWN_CHANNEL', message: 'channel ' + channel.ccid + ' has no DVB triplet' });
      return;
    }
    var o = this.object;
    var target: unknown = null;
    try {
      var config = o.getChannelConfig ? o.getChannelConfig() : null;
      var list = config && config.channelList;
      if (list && list.getChannelByTriplet) target = list.getChannelByTriplet(channel.onid, channel.tsid, channel.sid);
      if (!target && o.createChannelObject) target = o.createChannelObject(ID_DVB_T, channel.onid, channel.tsid, channel.sid);
      if (!target) {
        done({ code: 'STRATUS_UNKNOWN_CHANNEL', message: 'the terminal does not know channel ' + channel.ccid });
        return;
      }
      o.setChannel(target);
    } catch (e) {
      done({ code: 'STRATUS_MEDIA_ERROR', message: 'video/broadcast: ' + String((e as Error).message || e) });
      return;
    }
    done(null, { engine: 'broadcast' });
  }

  stop(cmd: number): void {
    this.cmd = cmd;
    this.object.stop();
  }

  set(cmd: number, p: { volume?: number }): void {
    this.cmd = cmd;
    if (p.volume !== undefined && this.object.setVolume) this.object.setVolume(Math.round(p.volume * 100));
  }

  setWindow(cmd: number, rect: { x: number; y: number; width: number; height: number }, visible: boolean): void {
    this.cmd = cmd;
    placeBox(this.object.style, rect, visible);
  }

  /** The cloud app listens for a stream event: the terminal's own object relays the broadcast's. */
  subscribe(targetURL: string, eventName: string, emit: (e: StreamEventParams) => void): void {
    var key = targetURL + '\n' + eventName;
    if (this.streamListeners[key] || !this.object.addStreamEventListener) return;
    var id = this.id;
    var fn = function (e: { name?: string; data?: string; text?: string; status?: string }): void {
      emit({
        player: id,
        targetURL: targetURL,
        eventName: eventName,
        name: String(e.name || eventName).slice(0, 256),
        data: String(e.data || '').slice(0, 8192),
        text: String(e.text || '').slice(0, 8192),
        status: e.status === 'error' ? 'error' : 'trigger'
      });
    };
    this.streamListeners[key] = fn;
    this.object.addStreamEventListener(targetURL, eventName, fn);
  }

  unsubscribe(targetURL: string, eventName: string): void {
    var key = targetURL + '\n' + eventName;
    var fn = this.streamListeners[key];
    if (!fn) return;
    delete this.streamListeners[key];
    if (this.object.removeStreamEventListener) this.object.removeStreamEventListener(targetURL, eventName, fn);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.tracks.use(null);
    try {
      this.object.release();
    } catch (e) {
      // Released already by the terminal.
    }
    if (this.object.parentNode) this.object.parentNode.removeChild(this.object);
  }
}
