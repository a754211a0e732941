import { EventEmitter } from 'node:events';
import { ENCODINGS, StratusError, TILE_CACHE_TILE, writeFade } from '@stratus/protocol';
import type { FrameSink } from '../channel/channel';
import { DecodedFrame, decodePng, FrameDecoder, Rgba } from '../png/decode';
import { blank, bounds, diffRects, Rect } from './damage';
import { CopyPlan, encodeCopy, MAX_RESIDUAL_RECTS, planCopy } from './copy-rect';
import { buildFrame, EncodedRect } from './frame-builder';
import { contains, lossyRegion, markLossy, opaque, pictured } from './motion';
import { ReadyKeyframe } from './ready-keyframe';
import { Motion, RegionMotion } from './region-motion';
import { copyRect, markRows, pasteRect, ShotChange, ShotReader, translucentIn } from './shot';
import { QuietChecks } from './quiet-checks';
import { FrameChecks } from './frame-checks';
import { FrameWindow } from './frame-window';
import { LayerCopies } from './layer-copies';
import { LiveRect } from './live-crop';
import { LiveFrames } from './live-frames';
import { LiveMotion } from './live-motion';
import { LiveState } from './live-state';
import { TileCache } from './tile-cache';
import type { HoleCutter } from './video-holes';
import { FrameInfo, KeyWord, LayerSource, LayerStreamEvents, LayerStreamOptions, NO_WORD } from './layer-types';
import { perfOf, wallOf } from '../wall-clock';

/**
 * Streams one page's UI layer to one device.
 *
 * Nothing runs unless something is dirty: damage signals, keys and keyframe requests set flags,
 * and `pump` captures only while fewer than `window` frames are unacknowledged. While the device
 * is slow, damage simply accumulates in the dirty flag and the next capture is diffed against what
 * the device already has, so pending changes merge into one frame and memory stays at three
 * frame buffers whatever the device does (`sent`, the decoder's last inflated rows, and the
 * capture being diffed).
 */
export class LayerStream extends EventEmitter<LayerStreamEvents> {
  private readonly frames: FrameWindow;
  /** What the device shows once every sent frame is applied. */
  private sent: Rgba | null = null;
  /**
   * The decoder's frame that `sent` was made from (the same object unless video holes were cut
   * in it), and the holes' generation then: the decoder's changed rows hold against `sent` only
   * while both are the same.
   */
  private sentRaw: Rgba | null = null;
  private sentHoles = 0;
  /** Video holes to cut in every capture (video-holes.ts); none until the page has media. */
  private holes: HoleCutter | null = null;
  private readonly decoder = new FrameDecoder();
  private inputSeq = 0;
  /** Seq of the last key-down delivered: the keys whose paint devices measure. */
  private downSeq = 0;
  /** inputSeq of the last frame sent. */
  private sentInputSeq = 0;
  private dirty = false;
  private keyframeWanted = true;
  private busy = false;
  private stopped = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private capturing: Promise<void> | null = null;
  /** No device is attached: capture nothing until resume(). */
  private paused = false;
  /** The page is being re-created (hold()): capture nothing until restart(). */
  private rebuilding = false;
  /** Counts restart()s: a capture begun on the page before one is not of the page now. */
  private epoch = 0;
  /** Where the next capture may look, when a key-down's page-reported damage is all there is. */
  private clip: Rect | null = null;
  /** The last frame came from a clip: the next capture is of the whole layer, to correct it. */
  private verifying = false;
  /** A key-down is being delivered (holdForInput): no capture starts until its hint is in. */
  private holding = false;
  private damageBeforeInput = false;
  /** The device decodes JPEG (its hello said so) and the config allows lossy motion. */
  private lossyAllowed = false;
  /** The device applies copy rectangles (its hello said so) and the config allows them. */
  private copyAllowed = false;
  /** The same for `kept` rectangles, copied from the layer kept at a live motion's start. */
  private keptAllowed = false;
  /** The same for `stash` and `cached` rectangles: the device's tile cache. */
  private cacheAllowed = false;
  /** The device draws `fade` rectangles, from its kept layer and its tile cache (live-fade.ts). */
  private fadeAllowed = false;
  private tileCache = new TileCache(0);
  /** The region sent as JPEG while its photographs move, and the timer that settles it. */
  private readonly region: RegionMotion;
  /** The next whole-layer capture sends everything exactly: motion stopped. */
  private settling = false;
  /** The live motion running, and what the ones before it teach the next key (live-state.ts). */
  private readonly lives: LiveState;
  /** Live frames cut against what the device shows, and the layer it keeps from before a live motion. */
  private readonly liveFrames: LiveFrames;
  /**
   * When the capture began (ms since the epoch) since which the page has looked as the device's
   * layer shows it, exactly; null when the device shows lossy pixels.
   */
  private sentShows: number | null = null;
  /** When the newest whole capture began (Date.now()): see capturedSince. */
  private wholeCaptureAt = -Infinity;
  /** When the last key-down's injection was about to start (Date.now()). */
  private heldAt = 0;
  /** The last key-down a frame has shown, and how long after its delivery that frame went out. */
  private paintedSeq = 0;
  private keyPaintMs = 0;
  /**
   * No device yet (a pre-warmed session): each change is captured and built into a keyframe
   * anyway, so that the device's first frame goes out the moment it attaches.
   */
  private preparing = false;
  private readonly ready: ReadyKeyframe;
  /** Pixels mode: PNG screencast frames carry the layer's changes (layer/shot.ts); the session sets it at scale 1. */
  private shotsWanted = false;
  /**
   * Quiet: the screencast is off while the page is still and vouches for its paints; the page's
   * reports mark it dirty instead (layer/page-paint.ts), and every change is captured.
   */
  private quiet = false;
  /** While quiet: where the page's own changes are, when it can tell (useReportHints). */
  private reportHint: (() => Promise<Rect | null>) | null = null;
  /** While quiet, every frame is checked by a whole capture, a clip's too: when (quiet-checks.ts). */
  private readonly quietChecks: QuietChecks;
  /** The newest screencast frame not taken in yet. */
  private shot: { png: Buffer; takenAt: number } | null = null;
  private readonly shots: ShotReader;
  /** Copies of the layer that changes are laid over (patchClip, screencast frames). */
  private readonly copies = new LayerCopies();
  /** Which keys a frame shows, and the captures that check what frames may have missed. */
  private readonly checks: FrameChecks;
  /** Key frames captured from a page-reported clip, and the full captures after them that still found changes; frames of the page's own changes captured from its hint. */
  readonly stats = { clipFrames: 0, clipCorrections: 0, readyKeyframes: 0, reportClipFrames: 0 };
  readonly counters = { framesSent: 0, bytesSent: 0, lossyFrames: 0, copyFrames: 0, liveFrames: 0, liveFramesCropped: 0, liveFirstCut: 0, liveFramesSame: 0, liveCutMs: 0, shotFrames: 0, shotCaptures: 0, unreadShots: 0, keyChecks: 0, burstChecks: 0, confirmChecks: 0, quietChecks: 0, quietMisses: 0, cachedTiles: 0, movedTiles: 0, liveFadeFrames: 0, liveFadeTiles: 0, liveFadeHeldTiles: 0, liveEndedByPage: 0, liveEndedAtLastStep: 0 };

  constructor(
    private readonly source: LayerSource,
    private readonly sink: FrameSink,
    private readonly opts: LayerStreamOptions
  ) {
    super();
    this.frames = new FrameWindow(opts.window);
    this.shots = new ShotReader(opts.tileSize, this.copies);
    this.checks = new FrameChecks({ keyPaintWaitMs: opts.keyPaintWaitMs, settleMs: opts.motionSettleMs }, () => this.pump());
    this.quietChecks = new QuietChecks(opts.quietVerifyMs, () => this.startCheck());
    this.liveFrames = new LiveFrames(opts.motionCrop === 'on');
    this.region = new RegionMotion({ settleMs: opts.motionSettleMs, maxMs: opts.motionMaxMs });
    this.ready = new ReadyKeyframe({ tileSize: opts.tileSize, pngLevel: opts.pngLevel });
    this.lives = new LiveState(opts, source.moving?.bind(source) ?? null, {
      live: (on) => this.emit('live', on),
      ready: (on) => this.emit('ready', on),
      settle: (exact) => {
        this.settling = exact;
        this.dirty = true;
      },
      pump: () => this.pump()
    });
  }

  /** The live motion running now. */
  private get live(): LiveMotion | null {
    return this.lives.motion;
  }

  /**
   * The device's hello listed these encodings: lossy motion needs "jpeg", moving content "copy",
   * the tile cache "stash" and "cached" and the `tileCache` slots it keeps, live cross-fades
   * "fade" with "kept" and the tile cache.
   */
  setDeviceEncodings(names: readonly string[], tileCache = 0): void {
    this.lossyAllowed = this.opts.motion === 'lossy' && names.includes('jpeg');
    this.copyAllowed = this.opts.copyRects === 'on' && names.includes('copy');
    this.keptAllowed = this.opts.copyRects === 'on' && names.includes('kept');
    this.cacheAllowed = this.opts.tileCache === 'on' && names.includes('stash') && names.includes('cached') && tileCache > 0;
    this.fadeAllowed = this.cacheAllowed && names.includes('kept') && names.includes('fade');
    this.tileCache = new TileCache(this.cacheAllowed ? tileCache : 0, TILE_CACHE_TILE, this.fadeAllowed);
  }

  /** From now on, every capture has the page's video holes cut before it is diffed. */
  useHoles(holes: HoleCutter): void {
    this.holes = holes;
  }

  /**
   * Pixels mode on or off: the layer's changes come from the page's screencast frames
   * (screencastShot), and captures only where those cannot vouch for them. The session turns it
   * on at scale 1 only: at a fractional one the screencast's frames are not the capture's.
   */
  useShots(on: boolean): void {
    this.shotsWanted = on;
    this.forgetShots();
  }

  /** The video holes' generation now (0 without holes): frames remember it, and a change ends what they began. */
  private get holeGeneration(): number {
    return this.holes ? this.holes.generation : 0;
  }

  /** Screencast frames carry the layer's changes: pixels mode, while the screencast runs. */
  private get pixels(): boolean {
    return this.shotsWanted && !this.quiet;
  }

  /**
   * The screencast stops (on) or runs again (off). Quiet starts only when the stream is idle (the
   * caller checks), so nothing the screencast showed is left untaken; back from quiet, the first
   * screencast frame has no frame before it to diff with, and asks for a capture.
   */
  setQuiet(on: boolean): void {
    if (this.quiet === on) return;
    this.quiet = on;
    this.forgetShots();
    // What the screencast showed last is checked once: a paint just before it stopped (an image
    // that decoded late) shows nowhere else.
    if (on) this.quietChecks.arm();
    if (!on && this.quietChecks.armed) {
      // The screencast's frames check from here: a clip's change that they do not show gets a capture.
      this.quietChecks.drop();
      this.verifying = true;
      this.dirty = true;
    }
    this.pump();
  }

  /** The screencast is quiet (setQuiet). */
  get quietNow(): boolean {
    return this.quiet;
  }

  /**
   * A PNG screencast frame that differs from the one before, taken at `takenAt` (ms since the
   * epoch). In pixels mode its changes become the next frame; otherwise it only signals damage.
   */
  screencastShot(png: Buffer, takenAt: number): void {
    if (!this.pixels || this.paused) {
      // Without a device (a pre-warmed session captures its keyframe), the frames start over after.
      this.forgetShots();
      this.markDirty();
      return;
    }
    this.shot = { png, takenAt };
    this.pump();
  }

  /**
   * The page painted, or may have: capture when the window allows. A key's clip still waiting
   * (for the window, or behind a capture when the key was not held) is kept: the paint signalled
   * is most often that key's own, and a clip frame is always followed by a full capture, which
   * catches any other damage.
   */
  markDirty(): void {
    this.dirty = true;
    this.pump();
  }

  /**
   * While quiet: the page reported a change a key's hint did not include. The capture it asks
   * for still corrects any clip before it, but what it finds is the page's change, not a miss.
   */
  pageChanged(): void {
    // With nothing else to do, the page may say where it changed (a clock turning the minute):
    // the capture is of that clip, and the quiet check that follows every frame corrects it.
    const alone = this.reportHint !== null && this.quiet && this.idle;
    this.verifying = false;
    this.dirty = true;
    this.pump(alone);
  }

  /** Where the page's own changes are, as it can tell (its damage hint; null: it cannot); null: never asked. */
  useReportHints(hint: (() => Promise<Rect | null>) | null): void {
    this.reportHint = hint;
  }

  /**
   * A key-down is about to be injected: resolves once no capture is running, and from then on
   * starts none until inputDelivered() says where the key painted. Without this, a capture that
   * runs while the key is injected, or one that the key's own paint signals before the page's hint
   * is in, takes the key's change in a full capture: the key loses its clip frame, and what the
   * hint would have missed is never shown to need a correction. Captures are serialised anyway, so
   * the key's frame waits for no capture it would not have waited for.
   */
  async holdForInput(): Promise<void> {
    while (this.busy && this.capturing) await this.capturing;
    this.holding = true;
    this.heldAt = Date.now();
    this.liveFrames.hold();
    // Damage already pending is not the key's: it will need the whole layer.
    this.damageBeforeInput = this.dirty;
  }

  /**
   * Frames captured from now on include the effect of input `seq`. A key-down changes the UI more
   * often than not, so it captures at once instead of waiting for the damage signal. A key-up
   * rarely does (apps act on key-down), and when it does the damage signal reports it: capturing
   * for it anyway cost a full capture per key press, one in three of a focus move's captures.
   */
  inputDelivered(seq: number, keyDown = true, hint: Rect | null = null, at = Date.now(), word: KeyWord = NO_WORD): void {
    const held = this.holding;
    this.holding = false;
    this.inputSeq = seq;
    if (!keyDown) {
      if (held) this.pump();
      return;
    }
    this.downSeq = seq;
    this.quietChecks.keyDown();
    // A check due now would find this key's change: it is no check any more (the key's frame
    // arms the next).
    if (this.quiet) this.verifying = false;
    // Every key-down gets a frame that claims it: one whose paint no frame claims (a live motion's
    // frames all taken before it, a paint that raced its delivery) is checked by a capture.
    this.checks.keyDelivered(seq, at);
    // Live already: the screencast's next frame is this key's paint, which takes the page as long
    // as its keys take here (the first key's unknown: twice the key check's wait). Ending the
    // motion sooner would take a moving page for a still one.
    if (this.live) this.live.key(this.lives.waitBasis(this.keyPaintMs), seq, at, word.moving);
    // The last motion was live: this key most likely moves the same layer again, unless the page
    // saw it change nothing (a key past the end of a row). Such a key would wait for a frame that
    // never comes before the device learns it painted; its capture says so at once.
    if (this.lives.ready && !word.still && !this.live && !this.keyframeWanted && this.liveAllowed()) {
      this.startLive(this.holeGeneration, held ? this.stillBeforeKey() : null).key(this.lives.waitBasis(this.keyPaintMs), seq, at, word.moving);
      this.pump();
      return;
    }
    if (this.direct()) {
      // The key's paint comes as a screencast frame; a key that paints nothing is checked later.
      // Where keys change translucent pixels, which a frame cannot vouch for, the key's capture
      // starts at once (from its hint when there is one), as outside pixels mode: the frame of
      // its paint then finds it done.
      if (this.shots.translucentKeys) {
        this.clip = hint && !(held ? this.damageBeforeInput : this.dirty) ? hint : null;
        this.dirty = true;
      }
      this.pump();
      return;
    }
    // A key may change anything, not only the moving region: after a JPEG of the region the key
    // most likely moves (the last one that moved, as a carousel's next step), the whole layer is
    // looked at, as after a clip frame.
    this.region.key(this.lossyAllowed, this.keyframeWanted);
    // The hint covers this key's change only; other pending damage needs the whole layer. Damage
    // signalled while the key was held is the key's own paint (or caught by the full capture that
    // always follows a clip frame).
    const otherDamage = held ? this.damageBeforeInput : this.dirty;
    this.clip = hint && !otherDamage && !this.keyframeWanted && !this.verifying ? hint : null;
    this.dirty = true;
    this.pump();
  }

  /**
   * The device lost sync (a tile failed to decode, a frame did not parse). Frames in flight are
   * moot, so the window restarts and a keyframe follows. A device gets one such restart per
   * keyframe it acknowledges, so spamming requests cannot make the server send without acks.
   */
  requestKeyframe(): void {
    if (this.frames.recovering || this.keyframeWanted) return;
    this.frames.abandon(true);
    this.keyframeWanted = true;
    this.pump();
  }

  /**
   * When the newest whole capture of the layer began (ms since the epoch; -Infinity: none since
   * the page was made): the page as it was before then is on the device, or on its way there, or
   * what that capture found is being taken care of (a live motion, a lossy region); a capture that
   * failed or was outdated is taken again.
   */
  get capturedSince(): number {
    return this.wholeCaptureAt;
  }

  /** Resolves once the capture running now, if any, has finished. */
  settled(): Promise<void> {
    return this.capturing ?? Promise.resolve();
  }

  /** Nothing to capture, nothing being captured, nothing unacknowledged: the device has it all. */
  get idle(): boolean {
    return (
      !this.busy &&
      !this.holding &&
      !this.dirty &&
      !this.keyframeWanted &&
      !this.retryTimer &&
      this.frames.count === 0 &&
      // Lossy pixels on the device: their exact ones are still to come.
      !this.region.active &&
      !this.live &&
      !this.settling &&
      !this.shot &&
      !this.quietChecks.armed &&
      // A check still to come: a key-down no frame has claimed yet, a burst's.
      !this.checks.pending(this.downSeq > this.sentInputSeq)
    );
  }

  /** The stream's state in a few words, for diagnostics. */
  describe(): string {
    const flags = {
      busy: this.busy,
      dirty: this.dirty,
      keyframeWanted: this.keyframeWanted,
      paused: this.paused,
      stopped: this.stopped,
      retrying: this.retryTimer !== null,
      lossy: this.region.active,
      live: this.live !== null
    };
    const on = Object.entries(flags).filter(([, v]) => v).map(([k]) => k);
    return `${this.frames.count} in flight${on.length ? `, ${on.join(', ')}` : ''}`;
  }

  /** A capture is running now. */
  get isCapturing(): boolean {
    return this.busy;
  }

  get framesInFlight(): number {
    return this.frames.count;
  }

  /**
   * Acknowledges frame `id` and every frame before it, and reports it painted. False when `id` is
   * not in flight (a late ack of a frame a keyframe request abandoned is fine): the caller treats
   * that as a protocol error by the device.
   */
  ack(id: number, decodeMs?: number, inputToPaintMs?: number): boolean {
    const info = this.frames.ack(id);
    if (info === 'late') return true;
    if (!info) return false;
    const ackedAt = performance.now();
    this.pump();
    this.emit('painted', { ...info, ackedAt, decodeMs, inputToPaintMs });
    if (this.idle) this.emit('idle');
    return true;
  }

  /**
   * While paused, keep a keyframe of the page built (on) or not (off): a pre-warmed session's
   * device then gets its first frame without waiting for a capture.
   */
  prepareWhilePaused(on: boolean): void {
    this.preparing = on;
    if (!on) this.ready.drop();
    else this.markDirty();
  }

  /** The device's connection dropped: frames in flight are lost with it. */
  pause(): void {
    this.paused = true;
    this.frames.clear();
    this.endMotion();
    this.forgetShots();
    this.quietChecks.drop();
  }

  /** A device (re)attached: it starts from a keyframe with a fresh window. */
  resume(): void {
    this.paused = false;
    // Only the first attach of a pre-warmed session: a device that drops later resumes as any.
    this.preparing = false;
    this.frames.clear();
    this.keyframeWanted = true;
    this.pump();
  }

  /**
   * The page is being re-created after a crash or hang: nothing is captured until restart(), and
   * captures of the dead page that fail meanwhile do not count towards giving up.
   */
  hold(): void {
    this.rebuilding = true;
    this.failures = 0;
    this.endMotion();
    this.forgetShots();
    // A new page starts with its screencast on.
    this.quiet = false;
    this.quietChecks.reset();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * The page is back: the device gets a keyframe of it, whatever it has in flight (late acks of
   * those frames are fine), and the diff starts from nothing.
   */
  restart(): void {
    this.rebuilding = false;
    this.epoch++;
    this.wholeCaptureAt = -Infinity;
    this.frames.abandon();
    this.keyframeWanted = true;
    this.sent = null;
    this.sentRaw = null;
    this.decoder.reset();
    this.holding = false;
    this.clip = null;
    this.verifying = false;
    this.endMotion();
    this.forgetShots();
    this.dirty = true;
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.frames.clear();
    this.endMotion();
    this.sent = null;
    this.liveFrames.forgetKept();
    this.decoder.reset();
    this.forgetShots();
    this.quietChecks.drop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * A JPEG frame of the page's screencast, taken at `takenAt` (ms since the epoch): while live
   * (and taken live), it is the layer's next frame; otherwise it only shows the page's newest look.
   */
  liveFrame(jpeg: Buffer, takenAt: number, live = true): void {
    if (!this.live || !live) {
      // The page's newest look: the next live motion's first frame may be cut against it.
      this.liveFrames.observe(jpeg, takenAt);
      return;
    }
    this.live.frame(jpeg, takenAt);
    this.pump();
  }

  /** Pixels mode may make the next frame from a screencast frame: nothing else is under way that captures. */
  private direct(): boolean {
    return (
      this.pixels &&
      this.sent !== null &&
      !this.keyframeWanted &&
      !this.live &&
      !this.region.active &&
      !this.settling &&
      !this.region.keyPending &&
      !this.paused &&
      !this.rebuilding &&
      (!this.holes || this.holes.snapshot().length === 0)
    );
  }

  /** Screencast frames, and the checks that wait on frames (a key's, a burst's), start over. */
  private forgetShots(): void {
    this.shot = null;
    this.shots.reset();
    this.checks.reset();
  }

  /** The key-downs a frame taken at `takenAt` (ms since the epoch) shows. */
  private claimedBy(takenAt: number): number {
    return this.checks.claimedBy(takenAt, this.sentInputSeq);
  }

  /**
   * Takes in a screencast frame. Where it differs from the last one, its opaque and clear pixels
   * are the layer's; changes with translucent pixels are taken from one whole capture (the
   * bounding box of them all). Anything else that is going on (a keyframe, a motion, video holes) makes the
   * frame a damage signal only, as outside pixels mode.
   */
  private async takeShot(shot: { png: Buffer; takenAt: number }): Promise<void> {
    const capturedAt = performance.now();
    const epoch = this.epoch;
    const checkDue = this.verifying;
    const layer = this.sent;
    let change: ShotChange | null | undefined = null;
    try {
      if (layer) change = this.shots.read(shot.png, shot.takenAt, layer, this.direct());
    } catch {
      change = null;
    }
    // A clip capture's echo: nothing to learn from it.
    if (change === undefined) return;
    if (!layer || !change) {
      // Nothing yet known to match the device's layer, or a state that captures anyway: the
      // capture that follows starts after this frame, so the next frame's diff holds again.
      this.counters.unreadShots++;
      this.dirty = true;
      return;
    }
    if (change.changed) this.checks.frameChanged();
    if (change.unconfirmed) {
      // A capture's change this frame does not show (the page undid it, or the frame missed it):
      // the layer is captured once this frame is sent.
      this.counters.confirmChecks++;
      this.dirty = true;
    }
    const holes = this.holeGeneration;
    const { img, rows, translucent } = change;
    // The frame claims what was delivered before it was taken, or before its capture began: a
    // capture shows every key the page had taken when it was asked for.
    let claimFrom = shot.takenAt;
    if (translucent.length > 0) {
      // The whole layer: a clip capture makes the page paint twice more (the clip's frame, then
      // the whole page again), where a whole one paints once and its echo is the frame before.
      const clip = bounds(translucent);
      const at = Date.now();
      const whole = decodePng(await this.source.capture());
      if (this.outdated(epoch) || whole.width !== img.width || whole.height !== img.height) {
        this.dirty = true;
        return;
      }
      copyRect(whole, img, clip);
      markRows(rows, clip);
      this.counters.shotCaptures++;
      this.shots.captured = { at, area: clip };
      claimFrom = Math.max(claimFrom, at);
    }
    if (this.sent !== layer || !this.direct() || this.holeGeneration !== holes) {
      // A keyframe, a motion or a video hole came meanwhile: only a capture will do.
      this.dirty = true;
      return;
    }
    if (change.changed) this.counters.shotFrames++;
    await this.sendChanges(img, { raw: null, rows, clip: null, checkDue, holesGeneration: holes, inputSeq: this.claimedBy(claimFrom), capturedAt, captureDone: performance.now(), epoch });
  }

  /** Live motion may start: the device decodes JPEG, the config allows it, and no video shows through. */
  private liveAllowed(): boolean {
    return this.lossyAllowed && this.opts.motionLive === 'on' && (!this.holes || this.holes.snapshot().length === 0);
  }

  /**
   * When the page last looked, as far as is known, as the device's layer shows it: from the capture
   * the layer comes from to the last key's injection, if no damage was pending then. Screencast
   * frames taken in it show what the device shows (live-crop.ts). Null when not known.
   */
  private stillBeforeKey(): { from: number; to: number } | null {
    return !this.damageBeforeInput && this.sentShows !== null ? { from: this.sentShows, to: this.heldAt } : null;
  }

  private startLive(holes: number, still: { from: number; to: number } | null = null): LiveMotion {
    this.liveFrames.start(this.sent, still);
    // A clip frame's check is moot: the live frames carry the whole layer.
    this.verifying = false;
    return this.lives.start(holes);
  }

  /**
   * The page says the motion it ran has ended (its paint reports; `final`: at the script's last
   * step, not after a wait): a live motion ends now, see LiveMotion.pageStill.
   */
  pageStill(final = false): void {
    if (this.lives.pageStill(final)) this.endedByPage(final);
  }

  private endedByPage(final: boolean): void {
    this.counters.liveEndedByPage++;
    if (final) this.counters.liveEndedAtLastStep++;
  }

  /** `live`'s frame just sent (or found the same) showed the end the page spoke of: the motion is over, its exact capture next. */
  private endIfLast(live: LiveMotion): void {
    const word = live.last;
    if (!word || live !== this.live || live.pending) return;
    this.lives.end(true);
    this.endedByPage(word.final);
    this.pump();
  }

  /** The live motion running now (null: none): what a screencast switch made for it is told for (liveSwitched). */
  get liveMotion(): object | null {
    return this.live;
  }

  /**
   * The screencast now sends JPEG frames for `motion` (the 'live' event's switch is done). A
   * switch made for a motion that has ended since is not the next one's: the screencast went
   * back after it, and the next motion's own switch is still to come.
   */
  liveSwitched(motion: object | null = this.live): void {
    const live = this.live;
    if (live && motion === live) live.switchDone(this.lives.waitBasis(this.keyPaintMs));
  }

  /** Sends the newest live frame when the window allows: the JPEG of what changed, or of the whole layer. */
  private sendLive(live: LiveMotion): void {
    const next = live.pending;
    const sent = this.sent;
    if (!next || !sent || this.frames.full || live.slot) return;
    const wait = live.waitFor(this.opts.motionMaxFps, performance.now());
    if (wait > 0) {
      live.slot = setTimeout(() => {
        live.slot = null;
        this.pump();
      }, wait);
      return;
    }
    if (this.holeGeneration !== live.holes) {
      // A video hole came or went: a JPEG would paint over it.
      this.lives.end(true);
      return;
    }
    live.pending = null;
    // Slots are counted from when a frame's making began: counted from its end, each frame's
    // cut (~20 ms at 720p) was added to the slot, and rows moved at 19 fps at most (30 allowed).
    const began = performance.now();
    // Only what changed since what the device shows (live-frames.ts): the last live frame, or for
    // the first, a screencast frame known to show the device's exact layer.
    const cut = this.liveFrames.cut(live, next, sent, this.copyAllowed, this.fadeAllowed ? this.tileCache : null);
    if (!cut) {
      this.counters.liveFramesSame++;
      this.counters.liveCutMs += performance.now() - began;
      this.endIfLast(live);
      return;
    }
    live.frames++;
    live.frameSent(this.opts.motionMaxFps, began);
    // The device's layer is lossy from the motion's first frame on; the layer it had is kept.
    if (cut.keep) this.keepSent(markLossy(sent, { x: 0, y: 0, w: sent.width, h: sent.height }, this.copies), null, this.sentHoles);
    const inputSeq = this.claimedBy(next.takenAt);
    // Counted to the frame's arrival, not its timestamp: the screencast reads back and encodes a
    // frame after that (~100 ms at 1920x1080 here), and the motion must wait for both. Only keys
    // delivered while live count: one that went live after its capture took that capture's time.
    if (inputSeq > this.paintedSeq && inputSeq >= live.timedFrom) this.lives.keyPainted(this.checks.sinceDelivered(inputSeq, Date.now()));
    this.counters.liveFrames++;
    if (cut.fadeTiles > 0) this.counters.liveFadeFrames++;
    this.counters.liveFadeTiles += cut.fadeTiles;
    this.counters.liveFadeHeldTiles += cut.heldFadeTiles;
    if (cut.cropped) {
      this.counters.liveFramesCropped++;
      // A motion's first frame cut: against a screencast frame that showed what the device had.
      if (cut.keep) this.counters.liveFirstCut++;
    }
    const now = performance.now();
    // The event loop's time for the frame's making, unchanged frames' included (benchmarks.md).
    this.counters.liveCutMs += now - began;
    // A live frame's capture is the screencast's: from the page's paint (the frame's timestamp)
    // to the cut's start, so its stratusrendered times (and the bench's settle time) begin when
    // the page showed it.
    const takenAt = next.takenAt > 0 ? Math.min(began, perfOf(next.takenAt)) : began;
    this.sendJpeg(cut.rects, inputSeq, takenAt, began, cut.keep, true);
    if (cut.keep && this.fadeAllowed) this.liveFrames.firstSent();
    this.endIfLast(live);
  }

  /** No lossy pixels pending: a keyframe or the page's end makes them moot. */
  private endMotion(): void {
    this.lives.reset();
    this.region.end();
    this.settling = false;
  }

  /** A quiet check is due: the next whole capture is it (a change it finds, 'missed', ends the quiet). */
  private startCheck(): void {
    this.counters.quietChecks++;
    this.verifying = true;
    this.dirty = true;
    this.pump();
  }

  /** Starts what is due. `reportAlone`: it runs for a change the page reported, with nothing else to do (pageChanged). */
  private pump(reportAlone = false): void {
    if (this.paused && this.preparing && this.dirty && !this.stopped && !this.rebuilding && !this.busy && !this.retryTimer) {
      this.prepare();
      return;
    }
    if (this.stopped || this.paused || this.rebuilding || this.busy || this.retryTimer || this.holding) return;
    if (this.keyframeWanted && !this.dirty && this.sendReady()) return;
    if (this.live) {
      if (!this.keyframeWanted) {
        // The screencast's frames carry every change: nothing to capture.
        this.dirty = false;
        this.sendLive(this.live);
        return;
      }
      this.lives.end(false);
    }
    if (this.frames.full) return;
    // No frame has claimed the last key-down: a capture shows it painted, or what it changed.
    if (this.checks.takeKeyCheck()) {
      if (this.downSeq > this.sentInputSeq) {
        this.counters.keyChecks++;
        this.dirty = true;
      }
    }
    if (this.shot && !this.dirty && !this.keyframeWanted) {
      const shot = this.shot;
      this.shot = null;
      this.busy = true;
      this.track(this.takeShot(shot));
      return;
    }
    if (this.checks.takeBurstCheck()) {
      this.counters.burstChecks++;
      this.dirty = true;
    }
    if (!this.dirty && !this.keyframeWanted) {
      // The lossy region has had no damage for motionSettleMs: its exact pixels go out.
      if (this.region.active && !this.settling) this.region.armSettle(() => this.settleRegion());
      return;
    }
    // Damage again: the region still moves.
    this.region.cancelSettle();
    this.busy = true;
    this.dirty = false;
    const run = this.region.next(this.holeGeneration, this.keyframeWanted, this.settling, performance.now());
    // Exact pixels after motion are the whole layer's: a clip would leave lossy rows outside it.
    const clip = this.keyframeWanted || run || this.settling ? null : this.clip;
    this.clip = null;
    this.track(run ? this.captureLossyAndSend(run) : this.captureAndSend(clip, reportAlone && !clip && !this.keyframeWanted && !this.settling));
  }

  /** The lossy region stood still for motionSettleMs: the next capture sends the whole layer exact. */
  private settleRegion(): void {
    this.settling = true;
    this.dirty = true;
    this.pump();
  }

  /** The capture under way (busy): when it ends the next may start; a failure counts towards giving up. */
  private track(work: Promise<void>): void {
    this.capturing = work.then(
      () => {
        this.busy = false;
        this.capturing = null;
        this.failures = 0;
        this.pump();
        if (this.idle) this.emit('idle');
      },
      (err: unknown) => {
        this.busy = false;
        this.capturing = null;
        this.onCaptureFailure(err);
      }
    );
  }

  /** A keyframe of the page as it is now, built and kept for the device that has not attached yet. */
  private prepare(): void {
    this.busy = true;
    this.dirty = false;
    const epoch = this.epoch;
    const run = async (): Promise<void> => {
      const capturedAt = performance.now();
      const holesBefore = this.holes ? this.holes.snapshot() : [];
      const holesAtStart = this.holeGeneration;
      this.wholeCaptureAt = Date.now();
      const decoded = this.decoder.decode(await this.source.capture());
      const captureDone = performance.now();
      const img = this.holes ? await this.holes.cut(decoded.image, 0, 0, holesBefore) : decoded.image;
      // A device that attached meanwhile still gets it (sendReady), unless the page was re-created.
      if (this.stopped || this.rebuilding || epoch !== this.epoch) {
        this.dirty = true;
        return;
      }
      const holes = !this.holes ? 0 : this.holes.generation === holesAtStart ? holesAtStart : -1;
      // What the capture found teaches the damage signal its echoes, as when streaming.
      if (!this.ready.offer({ img, raw: decoded.image, holes, epoch, inputSeq: this.inputSeq, capturedAt, captureDone })) {
        this.emit('unchanged');
        return;
      }
      this.emit('changed');
      this.stats.readyKeyframes++;
    };
    this.track(run());
  }

  /**
   * The device has just attached and the kept keyframe still shows the page (nothing changed
   * since, the same holes, the same page): it goes out now, under the next frame id.
   */
  private sendReady(): boolean {
    const r = this.ready.take(this.frames.next, this.epoch, this.holes ? this.holes.generation : null);
    if (!r) return false;
    const { message } = r;
    const frame = this.frames.take();
    this.keyframeWanted = false;
    this.liveFrames.forgetKept();
    this.tileCache.reset();
    this.keepSent(r.img, r.raw, r.holes, wallOf(r.capturedAt));
    this.sentInputSeq = r.inputSeq;
    const sentAt = performance.now();
    this.send(
      { frame, inputSeq: r.inputSeq, keyframe: true, clip: false, lossy: 0, copies: 0, rects: r.rects, bytes: message.length, capturedAt: r.capturedAt, captureMs: r.captureMs, encodeMs: r.encodeMs, sentAt },
      message
    );
    return true;
  }

  private onCaptureFailure(err: unknown): void {
    if (this.stopped || this.rebuilding) return;
    this.failures++;
    if (this.failures >= this.opts.maxCaptureFailures) {
      this.stopped = true;
      this.emit('error', new StratusError('STRATUS_CAPTURE_FAILED', String((err as Error)?.message ?? err)));
      return;
    }
    // A capture fails while the page navigates; try again shortly rather than spin.
    this.dirty = true;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, 50 * this.failures);
  }

  /**
   * The layer as the device has it, with `clip` replaced by a fresh capture of it; the rows
   * outside the clip are marked unchanged for the diff. Null when the clip no longer fits.
   */
  private async patchClip(png: Buffer, clip: Rect, holesBefore: Rect[]): Promise<DecodedFrame | null> {
    const sent = this.sent;
    if (!sent || this.keyframeWanted || clip.x + clip.w > sent.width || clip.y + clip.h > sent.height) return null;
    let part = decodePng(png);
    if (this.holes) part = await this.holes.cut(part, clip.x, clip.y, holesBefore);
    if (this.sent !== sent) return null;
    if (part.width !== clip.w || part.height !== clip.h) return null;
    const image = this.copies.of(sent);
    const changedRows = new Uint8Array(sent.height);
    pasteRect(part, image, clip);
    markRows(changedRows, clip);
    return { image, changedRows, previous: sent };
  }

  /** A capture begun in `epoch` may not be sent: the stream stopped, lost its device, or the page was re-created since. */
  private outdated(epoch: number): boolean {
    return this.stopped || this.paused || this.rebuilding || epoch !== this.epoch;
  }

  /** `shows`: see sentShows (null: the layer has lossy pixels, or it is not known since when it is the page's). */
  private keepSent(img: Rgba, raw: Rgba | null, holesGeneration: number, shows: number | null = null): void {
    const old = this.sent;
    this.sentShows = shows;
    // What the device had is free now, unless it is kept for after a live motion.
    if (old && old.data !== img.data && old.data !== this.liveFrames.kept?.data) this.copies.release(old);
    this.sent = img;
    this.sentRaw = raw;
    this.sentHoles = holesGeneration;
  }

  /** `askPage`: the page's report of its own change is all there is to capture; its hint may narrow it to a clip. */
  private async captureAndSend(clip: Rect | null, askPage = false): Promise<void> {
    if (askPage && this.reportHint) {
      const asked = this.epoch;
      clip = await this.reportHint();
      if (this.outdated(asked)) {
        this.dirty = true;
        return;
      }
      if (clip) this.stats.reportClipFrames++;
    }
    const inputSeq = this.inputSeq;
    const capturedAt = performance.now();
    const holesBefore = this.holes ? this.holes.snapshot() : [];
    const holesAtStart = this.holeGeneration;
    const epoch = this.epoch;
    const at = Date.now();
    // A check is a capture begun after it fell due: one due while another capture ran (for a
    // change the page reported) is the next capture's, since the running one may show that change.
    const checkDue = this.verifying && !clip;
    if (!clip) this.wholeCaptureAt = at;
    const png = await this.source.capture(clip ?? undefined);
    if (this.outdated(epoch)) {
      this.dirty = true;
      return;
    }
    const captureDone = performance.now();
    const fresh = clip ? await this.patchClip(png, clip, holesBefore) : null;
    if (clip && !fresh) {
      // The layer changed size, or a keyframe is due: only the whole layer will do.
      this.dirty = true;
      return;
    }
    const decoded = fresh ?? this.decoder.decode(png);
    // Cutting holes may take a second capture; nothing else captures meanwhile (busy).
    const img = !fresh && this.holes ? await this.holes.cut(decoded.image, 0, 0, holesBefore) : decoded.image;
    if (this.outdated(epoch)) {
      this.dirty = true;
      return;
    }
    // Holes that changed while this frame was taken leave no frame to compare rows with.
    const holesGeneration = !this.holes ? 0 : this.holes.generation === holesAtStart ? holesAtStart : -1;
    const sent = this.sent;
    const rowsHold =
      sent !== null &&
      decoded.previous !== null &&
      (fresh ? decoded.previous === sent : decoded.previous === this.sentRaw && holesGeneration !== -1 && this.sentHoles === holesGeneration);
    const raw = fresh ? null : decoded.image;
    this.shots.captured = { at, area: clip ?? { x: 0, y: 0, w: img.width, h: img.height } };
    const changed = await this.sendChanges(img, { raw, rows: rowsHold ? decoded.changedRows : null, clip, checkDue, holesGeneration, inputSeq, capturedAt, captureDone, epoch });
    // The next frame taken after this capture began must show what it changed (ShotReader.confirm).
    if (this.pixels) this.shots.confirm = changed.length > 0 ? { at, rects: changed } : null;
    // The key's frame is out: the check waiting for it starts (once this capture has ended).
    if (inputSeq === this.downSeq) this.quietChecks.keyFrameSent();
  }

  /**
   * Diffs `img` (the layer now) with what the device has and sends the difference: by copy, live,
   * as a JPEG region or as exact PNG rectangles. `rows`: the only rows that can differ, when known.
   * `raw`: the capture decoder's frame `img` was made from (null when patched together). Resolves
   * to the rectangles the diff found changed (none for a keyframe).
   */
  private async sendChanges(img: Rgba, f: { raw: Rgba | null; rows: Uint8Array | null; clip: Rect | null; checkDue: boolean; holesGeneration: number; inputSeq: number; capturedAt: number; captureDone: number; epoch: number }): Promise<Rect[]> {
    const { clip, holesGeneration, inputSeq, capturedAt, captureDone, epoch } = f;
    const keyframe =
      this.keyframeWanted || !this.sent || this.sent.width !== img.width || this.sent.height !== img.height;
    let base = keyframe ? blank(img.width, img.height) : (this.sent as Rgba);
    let rects = diffRects(base, img, this.opts.tileSize, keyframe ? null : f.rows);
    // What changed, for the caller; a keyframe starts the frames' reference over anyway (the first
    // frame after it is only taken in).
    const found = keyframe ? [] : rects;
    const changed = rects.length > 0;
    // Photographs move on a full-screen layer: it goes live (below), scrolls included. Their
    // frames then come from the screencast, and what only moved comes back from the kept layer.
    const full = { x: 0, y: 0, w: img.width, h: img.height };
    // An opaque layer of pictures (a carousel, rows of posters, a grid of cards, a menu over a
    // photograph) will most likely move them: its first key goes live at once too, as every key
    // after a live motion does, instead of a whole capture (180 ms at 720p, a second at
    // 1920x1080 here) that finds the motion half over and only then switches the screencast to
    // JPEG: the first scroll of a session took 420–600 ms to paint, the next ones 130–180. So in
    // pixels mode too (scale 1), where the first key of a menu over a photograph went as PNG
    // steps of the whole layer (1.4 MB, 325 ms at 720p) and every key after it went live anyway.
    // Weighed for keyframes only: it reads the whole layer (~2 ms at 720p; run for every capture,
    // it was 8 % of the orchestrator's work on portal keys).
    if (keyframe && holesGeneration !== -1 && this.liveAllowed() && opaque(img, full) && pictured(img)) this.lives.setReady(true);
    const liveWorthy =
      !keyframe && changed && !this.settling && holesGeneration !== -1 && this.liveAllowed() && lossyRegion(base, img, rects) !== null && opaque(img, full);
    // After a live motion that sent no frame the page is most likely still: its change goes exact.
    // If photographs moved, the screencast's switch was too slow for the motion: the next
    // key-down goes live at once, so that the switch is under way when the motion starts.
    const missed = this.lives.takeMissed();
    if (missed && liveWorthy) this.lives.setReady(true);
    const goLive = liveWorthy && !missed;
    // Content that scrolled is moved on the device; only what the move leaves is diffed further.
    let plan: CopyPlan | null = null;
    let copyEncoding = ENCODINGS.copy;
    const restore: EncodedRect[] = [];
    const kept = this.liveFrames.kept;
    if (goLive) {
      // Nothing to plan: this capture sends nothing.
    } else if (!keyframe && changed && this.settling && kept && this.keptAllowed && kept.width === img.width && kept.height === img.height) {
      // After a live motion every pixel on the device is lossy. The kept layer (exact, from
      // before the motion) comes back whole, then what moved is copied from it to where it went:
      // only what neither explains is sent.
      restore.push({ rect: full, encoding: ENCODINGS.kept, payload: encodeCopy({ dst: full, sx: 0, sy: 0 }) });
      base = kept;
      rects = diffRects(kept, img, this.opts.tileSize, null, MAX_RESIDUAL_RECTS);
      plan = planCopy(kept, img, rects, this.opts.tileSize, kept);
      copyEncoding = ENCODINGS.kept;
    } else if (!keyframe && changed && this.copyAllowed) {
      plan = planCopy(base, img, rects, this.opts.tileSize);
    }
    if (plan) rects = plan.residual;
    // Only a capture that may send lossy pixels ends up with a motion; every other leaves none.
    const settling = this.settling;
    this.settling = false;
    this.region.wholeCaptured();
    // Still due: no key and no reported change since it began (they clear it).
    const check = f.checkDue && this.verifying && !keyframe;
    if (check && changed) {
      this.stats.clipCorrections++;
      if (this.quiet) {
        this.counters.quietMisses++;
        this.emit('missed');
      }
    } else if (check && this.quiet) {
      // It covers every frame before it, the one that armed a check while it was due included.
      this.quietChecks.passed();
    }
    if (f.checkDue) this.verifying = false;
    if (this.quiet && !check && (changed || keyframe)) this.quietChecks.arm();
    if (clip) {
      this.stats.clipFrames++;
      // In pixels mode the page's next frames show whatever the clip missed; while quiet, its check.
      if (!this.pixels && !this.quiet) {
        this.verifying = true;
        this.dirty = true;
      }
    }
    // No change sends nothing, unless the frame claims a key-down no frame has claimed: its effect
    // (if any) went out in an earlier frame captured while its dispatch was still being confirmed.
    // An empty frame tells the device it is painted, so key-to-paint is measured late, never early
    // or never.
    const claimsKey = this.downSeq > this.sentInputSeq && inputSeq > this.sentInputSeq;
    if (!keyframe && !changed && !claimsKey) {
      // The same pixels: keeping the newer copy lets the decoder's next row hints apply to it.
      // The page has looked so since the capture that changed them, and exact now in any case.
      this.keepSent(img, f.raw, holesGeneration, this.sentShows ?? wallOf(capturedAt));
      if (!clip) this.emit('unchanged');
      return found;
    }
    if (changed) this.emit('changed');
    // An opaque photograph that changed goes as a JPEG of its region, taken now; the frame's other
    // rectangles stay exact. Its exact pixels follow once it has stopped (settling).
    // Content that scrolled goes by copy and exact strips: a lossy run of it would only send it twice.
    const region = !keyframe && !settling && !missed && !plan && this.lossyAllowed && holesGeneration !== -1 ? lossyRegion(base, img, rects) : null;
    if (plan) this.region.forgetLast();
    if (goLive) {
      // The screencast's next frames carry this change and the motion that follows. Nothing is
      // sent from this capture, so the layer the device keeps when live starts is exact, and the
      // frame held for the last key may show it.
      this.startLive(holesGeneration, this.stillBeforeKey());
      return found;
    }
    const copied: EncodedRect[] = [...restore, ...(plan ? [{ rect: plan.copy.dst, encoding: copyEncoding, payload: encodeCopy(plan.copy) }] : [])];
    let encoded: EncodedRect[] = copied;
    let exact = rects;
    if (region) {
      const jpeg = await this.source.captureLossy(region, this.opts.motionQuality);
      if (this.outdated(epoch)) {
        this.dirty = true;
        return found;
      }
      // Only the region is captured again, as JPEG, while it moves; the same JPEG again is still.
      if (this.region.chosen(region, jpeg, capturedAt, holesGeneration)) {
        encoded = [...copied, { rect: region, encoding: ENCODINGS.jpeg, payload: jpeg }];
        exact = rects.filter((r) => !contains(region, r));
      }
    }
    const frame = this.frames.take();
    const lossyRect = encoded.length > copied.length ? region : null;
    // Tiles the device has shown before come from its cache; what is sent whole goes in it. A
    // keyframe starts the cache over (it follows a new device or one that lost a frame), then
    // fills it: the first screen is the one a user most often comes back to.
    let cache: EncodedRect[] = [];
    if (keyframe) this.tileCache.reset();
    if (this.cacheAllowed) {
      const p = this.tileCache.plan(img, exact, lossyRect);
      exact = p.rects;
      cache = [...p.stash, ...p.cached];
      // Tiles found where content moved go before the frame's PNGs (tile-cache.ts).
      encoded = [...encoded, ...p.moved];
      this.counters.cachedTiles += p.cached.length + p.moved.length;
      this.counters.movedTiles += p.moved.length;
    }
    const built = buildFrame(img, exact, { frame, inputSeq, keyframe, pngLevel: this.opts.pngLevel }, encoded, cache);
    this.keyframeWanted = false;
    if (keyframe) {
      this.liveFrames.forgetKept();
      // A keyframe kept for a device's attach that a capture superseded shows the page as it was:
      // sent on a later attach or request, it would stay on screen until the page next changed.
      this.ready.drop();
      // Until a frame shows where keys paint, a layer with see-through parts is taken to have them there.
      this.shots.translucentKeys = this.shotsWanted && translucentIn(img, { x: 0, y: 0, w: img.width, h: img.height });
    }
    if (lossyRect) this.keepSent(markLossy(img, lossyRect), null, holesGeneration);
    else this.keepSent(img, f.raw, holesGeneration, wallOf(capturedAt));
    this.sentInputSeq = inputSeq;
    const sentAt = performance.now();
    const info: FrameInfo = {
      frame,
      inputSeq,
      keyframe,
      clip: clip !== null,
      // Tiles the cache found moved are exact: only the JPEG region is lossy.
      lossy: lossyRect ? 1 : 0,
      copies: copied.length,
      rects: built.rects,
      bytes: built.message.length,
      capturedAt,
      captureMs: captureDone - capturedAt,
      encodeMs: sentAt - captureDone,
      sentAt
    };
    this.send(info, built.message);
    return found;
  }

  /**
   * One capture of a moving lossy region: its JPEG goes out alone, nothing is decoded or diffed.
   * The same JPEG as last time means the region has stopped: the next capture is of the whole
   * layer, exact. Changes elsewhere wait for that capture or for motionMaxMs.
   */
  private async captureLossyAndSend(m: Motion): Promise<void> {
    const inputSeq = this.inputSeq;
    const capturedAt = performance.now();
    const epoch = this.epoch;
    const jpeg = await this.source.captureLossy(m.region, this.opts.motionQuality);
    const running = this.region.runs(m);
    if (this.outdated(epoch) || (!running && this.region.active)) {
      this.dirty = true;
      return;
    }
    const sent = this.sent;
    if (!sent || jpeg.equals(m.last)) {
      // Still. After a run, its exact pixels are due; for a key, the whole layer has its change.
      if (running && m.since !== -Infinity) this.settling = true;
      this.dirty = true;
      return;
    }
    this.region.advance(m, jpeg);
    if (!running) {
      // Exact pixels were on the device: they are lossy now, until the region stands still.
      this.keepSent(markLossy(sent, m.region, this.copies), null, this.sentHoles);
    }
    // A key's JPEG frame is followed by a look at the whole layer, as a clip frame is.
    if (m.since === -Infinity) this.dirty = true;
    const captureDone = performance.now();
    this.sendJpeg([{ rect: m.region, jpeg }], inputSeq, capturedAt, captureDone);
  }

  /** A frame of JPEG rectangles (and copies): a moving region's, or a live frame (`live`: the screencast's, whole or cut). */
  private sendJpeg(rects: LiveRect[], inputSeq: number, capturedAt: number, captureDone: number, keep = false, live = false): void {
    const frame = this.frames.take();
    const encoded: EncodedRect[] = rects.map((r) =>
      'jpeg' in r
        ? { rect: r.rect, encoding: ENCODINGS.jpeg, payload: r.jpeg }
        : 'fade' in r
          ? { rect: r.rect, encoding: ENCODINGS.fade, payload: Buffer.from(writeFade(r.fade)) }
          : { rect: r.rect, encoding: ENCODINGS.copy, payload: encodeCopy({ dst: r.rect, sx: r.copy.sx, sy: r.copy.sy }) }
    );
    const built = buildFrame(this.sent as Rgba, [], { frame, inputSeq, keyframe: false, keep, pngLevel: this.opts.pngLevel }, encoded);
    const copies = rects.filter((r) => 'copy' in r).length;
    this.sentInputSeq = inputSeq;
    const sentAt = performance.now();
    this.send(
      { frame, inputSeq, keyframe: false, clip: false, lossy: rects.length - copies, copies, rects: built.rects, bytes: built.message.length, capturedAt, captureMs: captureDone - capturedAt, encodeMs: sentAt - captureDone, sentAt },
      built.message,
      live
    );
  }

  private send(info: FrameInfo, message: Buffer, live = false): void {
    // The device no longer shows a screencast frame: the next live frame goes whole.
    if (!live) this.liveFrames.reset();
    if (info.inputSeq > this.paintedSeq) {
      // How long the page takes to show a key here, today: a live motion's first frame may take as long.
      this.paintedSeq = info.inputSeq;
      this.keyPaintMs = this.checks.sinceDelivered(info.inputSeq, Date.now()) ?? this.keyPaintMs;
    }
    this.frames.sent(info);
    this.sink.sendFrame(message);
    this.counters.framesSent++;
    this.counters.bytesSent += info.bytes;
    if (info.lossy > 0) this.counters.lossyFrames++;
    if (info.copies > 0) this.counters.copyFrames++;
    this.emit('frame', info);
  }
}
