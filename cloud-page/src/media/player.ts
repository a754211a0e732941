/**
 * What every proxied thing shares (a <video>/<audio>, an A/V Control or a video/broadcast
 * object): an id, a command counter, the device's last state, and the video window it shows in.
 */
import type { MediaEventParams, MediaState } from '@stratus/protocol';
import type { HoleRect } from '../config';
import { call } from './rpc';
import { TrackMirror } from './track-mirror';
import { moveHole, setHole } from './video-hole';
import { players, scheduleWindows } from './video-window';

let nextPlayer = 1;

/** Commands the device carries out without changing the player's state: its reports need not wait for them. */
const STATELESS: Record<string, boolean> = { window: true, subscribe: true, unsubscribe: true, select: true };

export abstract class Player {
  readonly id = `m${nextPlayer++}`;
  cmd = 0;
  /** The last command that changes the player's state (not window moves, nor stream event subscriptions). */
  stateCmd = 0;
  /** The command that loaded (or tuned) what the player has now. */
  loadCmd = 0;
  loaded = false;
  state: MediaState = {
    currentTime: 0,
    duration: NaN,
    paused: true,
    ended: false,
    seeking: false,
    readyState: 0,
    networkState: 0,
    volume: 1,
    muted: false,
    rate: 1,
    buffered: [],
    seekable: [],
    videoWidth: 0,
    videoHeight: 0
  };
  /** performance.now() when state.currentTime was last reported. */
  at = performance.now();
  lastWindow = '';
  /** The element paints the video hole's key (video-hole.ts). */
  hole = false;
  /** HbbTV component events of A/V Control and broadcast objects (components.ts). */
  onSelectedComponentChanged: unknown = null;
  onComponentChanged: unknown = null;
  /** The last track selection sent: track reports older than it do not undo it. */
  selectCmd = 0;
  readonly tracks = new TrackMirror((kind, id, on) => this.command('select', { kind, id, on }));
  constructor(readonly el: HTMLElement) {
    players.set(this.id, this);
    scheduleWindows();
  }
  command(method: string, params: object = {}): Promise<unknown> {
    this.cmd++;
    if (!STATELESS[method]) this.stateCmd = this.cmd;
    if (method === 'load' || method === 'tune') {
      this.loadCmd = this.cmd;
      this.tracks.reset();
    }
    if (method === 'select') this.selectCmd = this.cmd;
    return call(this.id, method, { ...params, cmd: this.cmd });
  }
  /**
   * The device has carried out every command that changes the player's state, so its report is
   * the truth. A window move or a subscription changes no state: counting it would leave a
   * 'playing' (or 'tuned') that raced it unheard (the device echoes the last command it carried out).
   */
  caughtUp(e: MediaEventParams): boolean {
    return e.cmd >= this.stateCmd;
  }
  /**
   * The event is about what the element has loaded now: not a late one from a source it has left
   * (a new load, src = "", a release) that was on its way when the app moved on.
   */
  ofCurrentLoad(e: MediaEventParams): boolean {
    return this.loaded && e.cmd >= this.loadCmd;
  }
  /** Fire and forget: a failure is reported through events, or does not matter. */
  send(method: string, params: object = {}): void {
    this.command(method, params).catch(() => undefined);
  }
  /** Position now, extrapolated from the last report while playing. */
  position(): number {
    const s = this.state;
    if (s.paused || s.seeking || s.ended || s.readyState < 3) return s.currentTime;
    const t = s.currentTime + ((performance.now() - this.at) / 1000) * s.rate;
    return s.duration === s.duration && s.duration !== Infinity ? Math.min(t, s.duration) : t;
  }
  visual(): boolean {
    return true;
  }
  /** Whether a browser would show the device's picture in the element now (not a poster, not black). */
  showsPicture(): boolean {
    return false;
  }
  /** Opens or closes the element's video hole after a change of state. */
  refreshHole(): void {
    const want = this.loaded && this.visual() && this.showsPicture() && this.el.isConnected;
    if (want === this.hole) return;
    this.hole = want;
    setHole(this.el, want, want ? holeOf(this.windowRect()) : null);
  }
  /** The video window in CSS pixels of the top-level viewport, or null when nothing shows. */
  windowRect(): { x: number; y: number; width: number; height: number; visible: boolean } {
    const el = this.el;
    if (!el.isConnected) return { x: 0, y: 0, width: 0, height: 0, visible: false };
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    let x = r.left;
    let y = r.top;
    let win: Window = window;
    try {
      // A player in a same-origin iframe: add the frames' offsets. Cross-origin stays frame-relative.
      while (win !== win.parent && win.frameElement) {
        const fr = win.frameElement.getBoundingClientRect();
        x += fr.left;
        y += fr.top;
        win = win.parent;
      }
    } catch {
      /* cross-origin parent */
    }
    // The element's own style, and its ancestors' as the browser applies them: display: none,
    // visibility: hidden and opacity: 0 anywhere up the tree hide what it would show.
    const shown = el.checkVisibility ? el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) : true;
    const visible = shown && cs.display !== 'none' && cs.visibility !== 'hidden' && cs.opacity !== '0' && r.width > 0 && r.height > 0;
    return { x, y, width: r.width, height: r.height, visible };
  }
  updateWindow(): void {
    if (!this.loaded || !this.visual()) return;
    const r = this.windowRect();
    const key = `${r.x},${r.y},${r.width},${r.height},${r.visible}`;
    if (key === this.lastWindow) return;
    this.lastWindow = key;
    if (this.hole) moveHole(this.el, holeOf(r));
    this.send('window', { rect: { x: r.x, y: r.y, width: r.width, height: r.height }, visible: r.visible });
  }
  release(): void {
    if (this.loaded) this.send('release');
    this.loaded = false;
    this.lastWindow = '';
    this.tracks.reset();
    this.refreshHole();
  }
  /** The device's track report, unless it predates what the app loaded or selected since. */
  onTracks(e: MediaEventParams): void {
    if (e.tracks && this.ofCurrentLoad(e) && e.cmd >= this.selectCmd) this.tracks.update(e.tracks);
  }
  /** A device event for this player, for its state mirror and the app's events. */
  abstract onDevice(e: MediaEventParams): void;
}

function holeOf(r: { x: number; y: number; width: number; height: number; visible: boolean }): HoleRect | null {
  return r.visible ? [r.x, r.y, r.width, r.height] : null;
}
