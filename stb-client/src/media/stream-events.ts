import { MediaChannel, StreamEventParams } from '@stratus/protocol/device';

interface Script {
  name: string;
  afterS: number;
  everyS?: number;
  data?: string;
  text?: string;
}

/**
 * The emulator's stream events: a channel of the line-up scripts DSM-CC events (name, first time,
 * period), and a broadcast player fires them, from when the channel presents, to the subscriptions
 * the cloud app made (addStreamEventListener). A real terminal takes them from the broadcast
 * instead (broadcast-tuner.ts).
 */
export class ScriptedStreamEvents {
  /** Target URLs subscribed, by event name. */
  private subs: { [eventName: string]: string[] } = {};
  private timeouts: number[] = [];
  private intervals: number[] = [];

  constructor(
    private player: string,
    private emit: (e: StreamEventParams) => void
  ) {}

  subscribe(targetURL: string, eventName: string): void {
    var list = this.subs[eventName] || (this.subs[eventName] = []);
    if (list.indexOf(targetURL) < 0) list.push(targetURL);
  }

  unsubscribe(targetURL: string, eventName: string): void {
    var list = this.subs[eventName];
    if (!list) return;
    var i = list.indexOf(targetURL);
    if (i >= 0) list.splice(i, 1);
  }

  /** The channel presents: its scripted events start counting from now. */
  start(channel: MediaChannel): void {
    this.stop();
    var scripts = (channel.streamEvents || []) as Script[];
    var self = this;
    for (var i = 0; i < scripts.length; i++) {
      (function (s: Script) {
        self.timeouts.push(
          setTimeout(function () {
            self.fire(s);
            if (s.everyS) {
              self.intervals.push(
                setInterval(function () {
                  self.fire(s);
                }, s.everyS * 1000)
              );
            }
          }, s.afterS * 1000)
        );
      })(scripts[i]);
    }
  }

  stop(): void {
    for (var i = 0; i < this.timeouts.length; i++) clearTimeout(this.timeouts[i]);
    for (var j = 0; j < this.intervals.length; j++) clearInterval(this.intervals[j]);
    this.timeouts = [];
    this.intervals = [];
  }

  /** Fires `name` now, as if the broadcast carried it (the emulator's own trigger; the bench uses it). */
  fireNow(name: string, data: string, text: string): void {
    this.fire({ name: name, afterS: 0, data: data, text: text });
  }

  private fire(s: Script): void {
    var targets = this.subs[s.name] || [];
    for (var i = 0; i < targets.length; i++) {
      this.emit({ player: this.player, targetURL: targets[i], eventName: s.name, name: s.name, data: s.data || '', text: s.text || '', status: 'trigger' });
    }
  }
}
