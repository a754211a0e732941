/**
 * The HbbTV A/V Control object (`<object type="video/mp4">` and friends): play(speed), stop(),
 * seek(ms), playState and its PlayStateChange events, backed by a device player.
 */
import type { MediaEventParams } from '@stratus/protocol';
import { announce, cloudError } from '../tasks';
import { baseType } from './can-play';
import { decodeDuration, mediaErrorCode } from './media-errors';
import { Player } from './player';
import type { Failure } from './rpc';

/** The MIME types an A/V Control object plays. */
export const AV_TYPES = ['video/mp4', 'video/mpeg', 'video/mpeg4', 'video/mp2t', 'audio/mp4', 'audio/mpeg', 'application/dash+xml', 'application/vnd.apple.mpegurl'];

/** MediaError code to A/V Control error: 0 format, 1 connection, 2 unidentified, 4 corrupt. */
const AV_ERROR: Record<number, number> = { 1: 2, 2: 1, 3: 4, 4: 0 };

export function objType(el: HTMLObjectElement): string {
  return baseType(el.getAttribute('type') || '');
}

export class AvPlayer extends Player {
  declare readonly el: HTMLObjectElement;
  data = '';
  playState = 0;
  error: number | undefined = undefined;
  speed = 0;
  onPlayStateChange: unknown = null;
  setState(next: number, error?: number): void {
    if (next === this.playState) return;
    this.playState = next;
    this.error = next === 6 ? error : undefined;
    if (next !== 1) this.speed = next === 0 || next === 5 || next === 6 ? 0 : this.speed;
    announce(this.el, () => this.onPlayStateChange, 'PlayStateChange', [next], { state: next, playState: next, error });
    this.refreshHole();
  }
  /** Playing, paused or buffering: the device's plane shows a picture in the object's window. */
  override showsPicture(): boolean {
    return this.playState === 1 || this.playState === 2 || this.playState === 4;
  }
  play(speed: number): boolean {
    const sp = speed === undefined ? 1 : Number(speed);
    if (sp === 0) {
      if (this.playState === 1 || this.playState === 3 || this.playState === 4) {
        this.send('pause');
        this.setState(2);
      }
      return true;
    }
    if (sp < 0) return false;
    if (!this.data) return false;
    this.speed = sp;
    if (this.playState === 0 || this.playState === 5 || this.playState === 6 || !this.loaded) {
      this.loaded = true;
      this.lastWindow = '';
      this.setState(3);
      this.command('load', {
        kind: 'avcontrol',
        url: this.data,
        type: objType(this.el),
        autoplay: true,
        muted: false,
        volume: 1,
        rate: sp
      }).catch((f: Failure) => {
        // OIPF A/V Control error: 0 format not supported, 1 cannot connect, 2 unidentified.
        const code = mediaErrorCode(f.code);
        this.setState(6, code === 4 ? 0 : code === 2 ? 1 : 2);
        cloudError(f.code, f.message);
      });
      this.updateWindow();
      return true;
    }
    this.send('set', { rate: sp });
    if (this.playState === 2) this.send('play');
    return true;
  }
  /**
   * stop(): back to the start, and the device's player goes (the next play() loads again), so an
   * app that makes a new object for each programme does not pile up players on the device.
   */
  stop(): boolean {
    if (this.playState === 0) return true;
    this.unload();
    return true;
  }
  /** Stopped, with no device player: after stop(), data = "", or the object's removal. */
  unload(): void {
    this.release();
    this.state.currentTime = 0;
    this.state.paused = true;
    this.setState(0);
  }
  seek(ms: number): boolean {
    if (this.playState !== 1 && this.playState !== 2 && this.playState !== 4) return false;
    this.state.currentTime = Math.max(0, Number(ms) / 1000);
    this.at = performance.now();
    this.send('seek', { time: this.state.currentTime });
    return true;
  }
  onDevice(e: MediaEventParams): void {
    // A late report of a load the object has stopped or replaced says nothing about this one.
    if (e.cmd < this.loadCmd) return;
    const s = this.state;
    const caughtUp = this.caughtUp(e);
    s.duration = decodeDuration(e.state.duration);
    s.readyState = e.state.readyState;
    if (caughtUp) {
      s.currentTime = e.state.currentTime;
      s.paused = e.state.paused;
      s.seeking = e.state.seeking;
      s.rate = e.state.rate;
      this.at = performance.now();
    }
    if (!this.loaded && e.type !== 'error') return;
    switch (e.type) {
      case 'playing':
        if (caughtUp) this.setState(1);
        return;
      case 'waiting':
        if (this.playState === 1) this.setState(4);
        return;
      case 'pause':
        if (caughtUp && (this.playState === 1 || this.playState === 4) && !e.state.ended) this.setState(2);
        return;
      case 'ended':
        this.setState(5);
        return;
      case 'error':
        this.setState(6, AV_ERROR[e.error ? e.error.code : 4] ?? 2);
        return;
    }
  }
}
