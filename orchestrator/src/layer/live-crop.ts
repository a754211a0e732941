import { readJpegBlocks, JpegBlocks } from '../jpeg/blocks';
import { changedMcus, lumaMatches, sameGeometry } from '../jpeg/compare';
import { cropJpeg } from '../jpeg/crop';
import { Rgba } from '../png/decode';
import { area, Rect } from './damage';
import { FadeRect, FadeSources, findFades } from './live-fade';
import { KeptLooks } from './tile-looks';
import { cropsOf } from './mcu-cover';
import { CopyRect } from './copy-rect';
import { findScroll, LiveScroll, LumaCache } from './live-scroll';

/**
 * Live frames cut to what changed. The cloud page's screencast sends the whole layer as one JPEG
 * each time it paints (42–85 KB at 720p here), though a menu's highlight or a row of posters is
 * often all that moved. Two screencast JPEGs of the same page agree, coefficient for coefficient,
 * wherever the page did not change (the encoder is block-local), so the MCUs whose coefficients
 * differ from the frame the device shows are the change, and a lossless crop of them (jpeg/crop.ts)
 * is what the device needs: it then shows the new frame's pixels (but for a shade of colour at a
 * crop's edge, where a decoder's chroma upsampling has no neighbour; the settle makes it exact).
 * After a frame that scrolled (a copy, live-scroll.ts) the device shows the older frames' pixels
 * moved, within JPEG noise of the new frame's, and the next frame is compared with the new one:
 * what stays unchanged keeps that noise, never more, until the motion's exact frame.
 *
 * Measured on the realistic fixtures at 720p: a menu's highlight sliding 1.7–5 KB a frame instead
 * of 42 KB, rows of posters 16–75 KB instead of 84; a full-screen cross-fade changes every MCU and
 * goes whole as before. Reading a frame's coefficients costs ~6 ms, a crop ~1 ms per 100 MCUs.
 */

/**
 * A JPEG rectangle of the layer, a copy of the device's own pixels from (sx, sy) to it, or a
 * cross-fade the device draws from its kept layer and tile cache (live-fade.ts).
 */
export type LiveRect = { rect: Rect; jpeg: Buffer } | { rect: Rect; copy: { sx: number; sy: number } } | FadeRect;

/** What fades are drawn from: the device's kept layer and the tiles it holds (live-fade.ts). */
export interface FadeBasis {
  kept: KeptLooks;
  sources: FadeSources;
}

/** Past this share of the frame's MCUs the crop saves too little: the frame goes whole, as it came. */
const WHOLE_SHARE = 0.6;
/**
 * A motion's first frame, which its key waits for, goes whole past this share: a crop costs the
 * orchestrator time by the MCU and the device a decode each. Cut to 8 crops over 60 % of it, a
 * carousel's first frame painted ~13 ms later (medians of four alternations) for 13 KB less.
 */
const FIRST_SHARE = 1 / 3;
/** Past this share of the frame's MCUs changed, a scroll is looked for. */
const SCROLL_SHARE = 0.1;
/**
 * A search costs 10–50 ms per 720p frame here when it finds a scroll (inverse DCT and matching),
 * 40–150 ms when there is none to find: after this many misses in a row, a motion (a cross-fade)
 * is searched no more. A miss on less than MISS_SHARE of the frame counts in part, by the share
 * that changed (what its search cost): a focused poster growing (a tenth of the frame) before its
 * row scrolls used up the motion's misses on frames that only grew, and the scroll that followed
 * went as JPEG.
 */
const SCROLL_MISSES = 2;
const MISS_SHARE = 1 / 3;
/**
 * Frames of a motion in a row that no fade explained (live-fade.ts): after as many, the motion (a
 * fade towards a picture the device does not hold, a slide) is looked at for fades no more.
 */
const FADE_MISSES = 2;
/**
 * The share of what changed (in stretches along the move) that must have only moved for a copy:
 * the rest may change as it moves (a focused poster growing as its row scrolls, the one before
 * shrinking), and goes as JPEG. Beside fades and frame-wide alike.
 */
const MOVED_SHARE = 0.5;
/** A copy is taken when what it leaves to send is under this share of what the crops would be. */
const SCROLL_GAIN = 0.6;
/**
 * Fades that explain this share of what changed are the motion (a cross-fade): no scroll is looked
 * for across the frame. Fewer may be pictures the device holds passing by as content scrolls (a
 * grid of thumbnails, eight photographs among sixty cards): their fades explained a tenth to a
 * quarter of such frames, pre-empted the search that copies all of it, and the rest of the frame
 * went as JPEG (38–46 KB against 1–14 KB for the grid's frames with a copy). Then the scroll is
 * looked for too, and whichever leaves less to send is taken.
 */
const FADED_MOST = 0.5;

/** A frame as fades (live-fade.ts): the copy beside them and the fades, the JPEG crops of the rest (in MCUs), and the changed MCUs the fades explain. */
interface Faded {
  first: LiveRect[];
  crops: Rect[];
  covered: number;
}

export class LiveCrop {
  /** The coefficients of what the device shows now, when it is one screencast frame's pixels. */
  private ref: JpegBlocks | null = null;
  /**
   * A frame's coefficients that nothing reads any more (the last reference before this one): the
   * next frame is read into its arrays (readJpegBlocks). Only frames this class read are kept
   * here, and only once it holds them nowhere else: the luma cache keeps a frame's identity, never
   * reads its coefficients.
   */
  private spare: JpegBlocks | null = null;
  /**
   * Scroll searches in a row that found none, each weighed by the share of the frame it searched:
   * a motion that is no scroll (a cross-fade) stops paying for them.
   */
  private scrollMisses = 0;
  /** Frames of this motion in a row that fades did not explain. */
  private fadeMisses = 0;
  /** Searches beside this motion's fades in a row that found no scroll (slidBeside). */
  private besideMisses = 0;
  /** Frames of this motion planned so far. */
  private motionFrames = 0;
  /** Whether this motion's searches found a scroll; null before its first search. */
  private scrolled: boolean | null = null;
  /** The last motion that searched found no scroll. */
  private foundNone = false;
  /** The luma a scroll search last computed (the next search's old frame, most often). */
  private readonly luma: { last: LumaCache | null } = { last: null };
  /** The newest screencast frame seen: what the page looked like when it last painted. */
  private newest: Buffer | null = null;
  /** When `newest` was taken (ms since the epoch; 0: unknown). */
  private newestAt = 0;
  /** The newest frame when a key was about to be injected: what the page showed just before it. */
  private held: { jpeg: Buffer; at: number } | null = null;
  /** How each motion's first frame was cut: against a frame shown by its time or by its luma, or not. */
  readonly seeds = { time: 0, luma: 0, none: 0 };
  /**
   * Scroll searches: run, ended at once because the blocks' means had not moved, and the axes
   * searched in all (one when the likelier matched well: live-scroll.ts).
   */
  readonly searches = { run: 0, still: 0, axes: 0 };

  /** The device's layer is no longer a screencast frame (an exact frame, a keyframe): the next goes whole. */
  reset(): void {
    this.retire(this.ref);
    this.ref = null;
    this.newMotion();
    // 2.8 MB of coefficients a 720p frame: nothing of a motion outlives it.
    this.luma.last = null;
  }

  /**
   * A motion after the last one that searched found no scroll (a carousel's cross-fade, most
   * likely again) gets one search, not SCROLL_MISSES: a search that finds nothing cost its frame
   * 40–150 ms here, and the first frames of a motion are the ones a key waits for. One after a
   * motion that found a scroll gets them all. Idempotent: a motion may be ended and started in two
   * calls.
   */
  private newMotion(): void {
    if (this.scrolled !== null) this.foundNone = !this.scrolled;
    this.scrollMisses = this.foundNone ? SCROLL_MISSES - 1 : 0;
    this.scrolled = null;
    this.fadeMisses = 0;
    this.besideMisses = 0;
    this.motionFrames = 0;
  }

  /** A screencast frame taken at `takenAt` (ms since the epoch), sent live (next()) or not: the page's newest look. */
  observe(jpeg: Buffer, takenAt: number): void {
    this.newest = jpeg;
    this.newestAt = takenAt;
  }

  /**
   * A key is about to be injected: the newest frame is kept as the next motion's first frame's
   * reference, since frames that come later may show the key's effect (live or not, the key's
   * capture may find the page moving).
   */
  hold(): void {
    this.held = this.newest ? { jpeg: this.newest, at: this.newestAt } : null;
  }

  /**
   * A live motion starts on a device that shows `layer` (exact pixels, opaque). When the newest
   * screencast frame shows the same picture, the motion's first frame is cut against it too, and
   * the device keeps its exact pixels wherever the page does not change. Two ways to know it does:
   *
   * - By time (`still`): the frame held for the last key (hold()) was taken after the capture the
   *   layer comes from began (`still.from`) and before the key was injected (`still.to`), and
   *   nothing was reported to change in between. Each capture makes the page paint once more, so
   *   the frame of that paint (its echo) is the usual one. A change after the capture would have
   *   come as a newer frame, and as damage, which the caller rules out.
   * - By luma: each luma block's mean, read from the frame's DC coefficients (no DCT), against
   *   the layer's. A frame the screencast sent before the page's last paint (it drops frames while
   *   earlier ones are unacknowledged) shows another picture somewhere. At a fractional scale the
   *   screencast and the capture draw text edges differently (blocks up to 24 steps apart), as far
   *   apart as a stale frame: there only the time can tell.
   *
   * Otherwise the first frame goes whole.
   */
  start(layer: Rgba, still: { from: number; to: number } | null = null): void {
    this.retire(this.ref);
    this.ref = null;
    this.newMotion();
    const held = this.held;
    this.held = null;
    const byTime = still && held && held.at >= still.from && held.at < still.to ? blocksAt(held.jpeg, layer.width, layer.height) : null;
    const newest = byTime || !this.newest ? null : blocksAt(this.newest, layer.width, layer.height);
    if (byTime) {
      this.ref = byTime;
      this.seeds.time++;
    } else if (newest && lumaMatches(newest, layer)) {
      this.ref = newest;
      this.seeds.luma++;
    } else {
      this.seeds.none++;
    }
  }

  /**
   * The rectangles that bring the device from the last frame to `jpeg`, a screencast frame for a
   * `width`×`height` layer: the frame whole, the crops of what changed (after a copy, when it
   * scrolled and `scroll` says the device copies), or none when nothing did.
   */
  next(jpeg: Buffer, width: number, height: number, scroll = false, takenAt = 0, fades: FadeBasis | null = null): LiveRect[] {
    this.observe(jpeg, takenAt);
    try {
      return this.plan(jpeg, width, height, scroll, fades);
    } catch {
      // A frame this cannot cut (a JPEG it misread) goes whole, and the next one too.
      this.reset();
      return [{ rect: { x: 0, y: 0, w: width, h: height }, jpeg }];
    }
  }

  private plan(jpeg: Buffer, width: number, height: number, scroll: boolean, fades: FadeBasis | null): LiveRect[] {
    const first = this.motionFrames++ === 0;
    const ref = this.ref;
    // A frame of another size (the app's CSS size, at a fractional scale) is stretched by the device.
    this.ref = blocksAt(jpeg, width, height, this.take());
    try {
      return this.planAgainst(ref, jpeg, width, height, scroll, fades, first);
    } finally {
      // What the device showed before this frame is not read again.
      this.retire(ref);
    }
  }

  /** plan() once the frame is read (this.ref) and `ref` is what the device shows. */
  private planAgainst(ref: JpegBlocks | null, jpeg: Buffer, width: number, height: number, scroll: boolean, fades: FadeBasis | null, first: boolean): LiveRect[] {
    const whole = [{ rect: { x: 0, y: 0, w: width, h: height }, jpeg }];
    if (!this.ref) return whole;
    const b = this.ref;
    if (!ref || !sameGeometry(ref, b)) return whole;
    const dirty = changedMcus(ref, b);
    const total = dirty.length;
    const count = ones(dirty);
    if (count === 0) return [];
    // Much changed, towards a picture the device holds: it draws the fade (live-fade.ts). A
    // motion's first frame too, though its key waits for it: weighing the fades and cropping what
    // they leave (a carousel's sliding row) cost its cut 10–25 ms here, where the frame went whole
    // before (41 KB at 720p, a third of a key back to a photograph's bytes), and the keys' medians
    // did not move in the A/B (benchmarks.md, session 38).
    let faded: Faded | null = null;
    if (count >= SCROLL_SHARE * total) {
      faded = this.fade(ref, b, dirty, count, fades, scroll);
      if (faded && (!scroll || faded.covered >= FADED_MOST * count)) return this.fadedRects(b, faded, width, height);
    }
    const plan = cropsOf(dirty, b.mcusX, b.mcusY);
    const goesWhole = count > WHOLE_SHARE * total || area(plan) > (first ? FIRST_SHARE : WHOLE_SHARE) * total;
    // Much changed: maybe content that moved, which the device can copy (live-scroll.ts).
    if (scroll && count >= SCROLL_SHARE * total && this.scrollMisses < SCROLL_MISSES) {
      let found: LiveScroll | null = null;
      this.scrolled ??= false;
      this.searches.run++;
      try {
        found = findScroll(ref, b, dirty, this.luma, this.searches, MOVED_SHARE);
      } catch {
        found = null;
      }
      const moved = found ? cropsOf(found.residual, b.mcusX, b.mcusY) : null;
      // Weighed against what goes without it: the crops, or the whole frame.
      if (found && moved && area(moved) < SCROLL_GAIN * (goesWhole ? total : area(plan))) {
        this.scrollMisses = 0;
        this.scrolled = true;
        // And against the fades' crops when some were found.
        if (!faded || area(moved) < area(faded.crops)) return [{ rect: found.copy.dst, copy: { sx: found.copy.sx, sy: found.copy.sy } }, ...this.cut(b, moved, width, height)];
      } else {
        this.scrollMisses += Math.min(1, count / (MISS_SHARE * total));
      }
    }
    if (faded) return this.fadedRects(b, faded, width, height);
    if (goesWhole) return whole;
    return this.cut(b, plan, width, height);
  }

  /**
   * The frame as fades and the JPEG crops of what they leave (after a copy of what slid beside
   * them, when `scroll` says the device copies and the fades explain most of the change), or null
   * when fades do not pay.
   */
  private fade(ref: JpegBlocks, b: JpegBlocks, dirty: Uint8Array, count: number, basis: FadeBasis | null, scroll: boolean): Faded | null {
    if (!basis || this.fadeMisses >= FADE_MISSES) return null;
    const found = findFades(b, dirty, basis.kept, basis.sources);
    if (!found) {
      this.fadeMisses++;
      return null;
    }
    this.fadeMisses = 0;
    const rest = new Uint8Array(dirty.length);
    for (let i = 0; i < dirty.length; i++) rest[i] = dirty[i] & (found.covered[i] ^ 1);
    const covered = count - ones(rest);
    // Fades of a few pictures passing by: plan() searches the whole frame for their scroll.
    const slid = scroll && covered >= FADED_MOST * count ? this.slidBeside(ref, b, rest, found.covered) : null;
    let copy: LiveRect[] = [];
    let crops: Rect[] | null = null;
    if (slid) {
      // Cropped apart (up to twice mcu-cover.ts's limit): the residual's few MCUs, covered with
      // the rest of the frame's, would widen the crops back over the whole row.
      const moved = cropsOf(slid.residual, b.mcusX, b.mcusY);
      if (area(moved) < SCROLL_GAIN * area(cropsOf(slid.searched, b.mcusX, b.mcusY))) {
        copy = [{ rect: slid.copy.dst, copy: { sx: slid.copy.sx, sy: slid.copy.sy } }];
        crops = [...cropsOf(slid.elsewhere, b.mcusX, b.mcusY), ...moved];
      }
    }
    crops ??= cropsOf(rest, b.mcusX, b.mcusY);
    if (area(crops) > WHOLE_SHARE * dirty.length) return null;
    // Fades first: a crop widened over a faded tile paints the frame's own pixels there. The copy
    // reads the device's own pixels, in rows no fade draws, before any crop paints them.
    return { first: [...copy, ...found.fades], crops, covered };
  }

  /** The frame as the fades chose it: the copy beside them, the fades, then the crops of the rest. */
  private fadedRects(b: JpegBlocks, f: Faded, width: number, height: number): LiveRect[] {
    return [...f.first, ...this.cut(b, f.crops, width, height)];
  }

  /**
   * Content that slid beside a fade (a carousel's row of thumbnails under its backdrop): the
   * widest run of MCU rows no fade covers is searched for a scroll on its own, since a search of
   * the whole change would weigh the fading picture too and find none. A run wider than half the
   * frame is no more beside the fade than the frame is (plan() searches the frame). The copy, the
   * MCUs of `rest` searched, the ones the copy leaves of them, and `rest` elsewhere; or null.
   */
  private slidBeside(ref: JpegBlocks, b: JpegBlocks, rest: Uint8Array, covered: Uint8Array): { copy: CopyRect; searched: Uint8Array; residual: Uint8Array; elsewhere: Uint8Array } | null {
    if (this.besideMisses >= SCROLL_MISSES) return null;
    const { mcusX, mcusY } = b;
    let band = { from: 0, to: 0 };
    let from = -1;
    for (let my = 0; my < mcusY; my++) {
      let free = true;
      for (let mx = 0; mx < mcusX && free; mx++) free = covered[my * mcusX + mx] === 0;
      if (!free) {
        from = -1;
        continue;
      }
      if (from < 0) from = my;
      if (my + 1 - from > band.to - band.from) band = { from, to: my + 1 };
    }
    if (2 * (band.to - band.from) > mcusY) return null;
    const searched = new Uint8Array(rest.length);
    searched.set(rest.subarray(band.from * mcusX, band.to * mcusX), band.from * mcusX);
    if (ones(searched) === 0) return null;
    this.searches.run++;
    let found: LiveScroll | null = null;
    try {
      found = findScroll(ref, b, searched, this.luma, this.searches, MOVED_SHARE);
    } catch {
      found = null;
    }
    if (!found) {
      this.besideMisses++;
      return null;
    }
    this.besideMisses = 0;
    const elsewhere = new Uint8Array(rest.length);
    for (let i = 0; i < rest.length; i++) elsewhere[i] = rest[i] & (searched[i] ^ 1);
    return { copy: found.copy, searched, residual: found.residual, elsewhere };
  }

  /** The spare frame, now to be read over: no longer this class's to hand out. */
  private take(): JpegBlocks | null {
    const s = this.spare;
    this.spare = null;
    return s;
  }

  /** `b`, read by this class, is no longer read by it: its arrays may hold the next frame. */
  private retire(b: JpegBlocks | null): void {
    if (b) this.spare = b;
  }

  private cut(b: JpegBlocks, crops: Rect[], width: number, height: number): LiveRect[] {
    return crops.map((m) => {
      const x = m.x * b.mcuW;
      const y = m.y * b.mcuH;
      return { rect: { x, y, w: Math.min(m.w * b.mcuW, width - x), h: Math.min(m.h * b.mcuH, height - y) }, jpeg: cropJpeg(b, m) };
    });
  }
}

/** The frame's coefficients when it reads and is `width`×`height`, else null. */
function blocksAt(jpeg: Buffer, width: number, height: number, reuse: JpegBlocks | null = null): JpegBlocks | null {
  try {
    const b = readJpegBlocks(jpeg, reuse);
    return b && b.width === width && b.height === height ? b : null;
  } catch {
    return null;
  }
}

function ones(a: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += a[i];
  return n;
}
