import { NO_FADE_SLOT, TILE_CACHE_TILE } from '@stratus/protocol';
import { JpegBlocks } from '../jpeg/blocks';
import { Rect } from './damage';
import { frameLook, KeptLooks, TileLook } from './tile-looks';

/**
 * Cross-fades the device draws itself (protocol/src/fade.ts). A TV UI fades its backdrop from one
 * photograph to another as focus moves, full screen: every MCU of every live frame changes, and
 * each frame went whole (48–62 KB at 720p, 8–14 of them a key). When the photograph faded to was
 * shown before, the device holds it in its tile cache, and it holds the layer from before the
 * motion (the kept layer). A frame of the fade is then, tile by tile,
 *
 *   F = p × kept + q × slot + (1 − p − q) × grey
 *
 * (a plain cross-fade: p + q = 1; both layers translucent over a dark background: the grey term),
 * which five bytes and a slot per tile say.
 *
 * Everything is weighed on 8×8 block means, which a screencast JPEG carries as its DC
 * coefficients (no inverse DCT: a whole frame costs a few ms less than a pixel search would): the
 * weights are fitted to the luma means, and a tile is faded only where its luma and colour means
 * are the frame's to within what the JPEG's rounding allows, so a tile with anything else in it
 * (a caption redrawn over the fade, a focus ring) goes as a JPEG crop. What block means cannot
 * see is detail inside a block: a picture the device holds that has the same means as the one
 * faded to but other fine detail (the same photograph sharper or blurred) would pass.
 */

const T = TILE_CACHE_TILE;
/** Mean luma difference (steps) a faded tile may have from the frame, over its blocks. */
const FIT_MEAN = 1.5;
/** The same for any one block: text or a ring over the fade moves a block's mean past it. */
const FIT_BLOCK = 5;
/** The same for the colour (Cb and Cr) means, which the JPEG keeps at a quarter of the resolution. */
const COLOUR_MEAN = 2;
const COLOUR_BLOCK = 6;
/** The ridge of the fits (luma steps squared per block): what keeps smooth tiles' fits finite. */
const RIDGE = 1;
/**
 * How far (luma steps) a frame may be darker or lighter than the nearest fade the device can draw
 * (its grey between 0 and 255), judged on the fit's own constant: a fade's last frames, with the
 * kept picture's share within the fit's noise of none, fitted a constant a step or two below zero.
 * The device draws the fade that much off, as a JPEG frame is off: the settle after the motion is
 * exact.
 */
const MAX_BIAS = 3;
/** A tile's pictures have detail enough for its own fit: the variance of their block means (luma steps squared). */
const DETAIL = 16;
/** ...and are not alike: the squared correlation of their block means at most. */
const ALIKE = 0.8;
/** Rounds of dropping the tiles that fit the frame's weights worst and fitting again. */
const TRIM_ROUNDS = 4;
/** How far a fitted weight may fall outside [0, 1] and still be taken for rounding. */
const WEIGHT_SLACK = 0.03;
/** A slot this close (mean luma steps) to a scaled and shifted kept tile is the kept picture again: less than a fit's noise. */
const REDUNDANT_MEAN = 1;
/** Tiles the frame's weights are fitted to, at most, spread over the changed ones. */
const FIT_TILES = 48;
/** Fewer faded tiles than this in a frame may be chance: the frame goes as JPEG. */
const MIN_TILES = 4;
/** Candidates kept per grid place: the slots most recently drawn there. */
export const FADE_CANDIDATES = 8;

/** A tile the device holds that stood at a grid place before. */
export interface FadeCandidate {
  slot: number;
  look: TileLook;
  /** When it was drawn there (a count of frames planned): a picture shown at once has one. */
  drawn: number;
}

/** Tiles the device holds that stood at a grid place before, newest first, with their look. */
export interface FadeSources {
  fadeCandidates(tx: number, ty: number): FadeCandidate[];
}

/** A slot weight (of 255) from which a held picture shows in a fade, for the counters: a quarter. */
const SHOWS = 64;

/** A fade rectangle: a run of grid tiles in one row, with its weights (of 255) and colour. */
export interface FadeRect {
  rect: Rect;
  fade: { keptWeight: number; slotWeight: number; color: [number, number, number]; slots: number[] };
  /**
   * Its tiles where a held picture shows (SHOWS), one that is no scale and shift of the kept
   * tile. A slot that is the kept picture again (the page's own fade-in, held from its first
   * frames) may serve a fade's first frames under any weight: it draws the kept picture, not a
   * held one, and is not counted.
   */
  held: number;
}

interface Fit {
  p: number;
  q: number;
  c: number;
}

/**
 * Least squares f ≈ p·a + q·b + c (or with c = 0: no background showing through). Ridged: on a
 * smooth tile a and b are nearly proportional and the split of the weights is anyone's guess, but
 * the fit still says how well the pair explains f; null only for two identical pictures.
 */
function fit(f: Float32Array, a: Float32Array, b: Float32Array, intercept: boolean): Fit | null {
  const n = f.length;
  const [ma, mb, mf] = intercept ? [mean(a), mean(b), mean(f)] : [0, 0, 0];
  let caa = RIDGE * n;
  let cbb = RIDGE * n;
  let cab = 0;
  let cfa = 0;
  let cfb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    const df = f[i] - mf;
    caa += da * da;
    cbb += db * db;
    cab += da * db;
    cfa += df * da;
    cfb += df * db;
  }
  const det = caa * cbb - cab * cab;
  if (!(det > 0)) return null;
  const p = (cfa * cbb - cfb * cab) / det;
  const q = (cfb * caa - cfa * cab) / det;
  return { p, q, c: mf - p * ma - q * mb };
}

/** Mean luma difference of `f` from the fit's fade of `a` and `b`. */
function residual(f: Float32Array, a: Float32Array, b: Float32Array, t: Fit): number {
  let sum = 0;
  for (let i = 0; i < f.length; i++) sum += Math.abs(f[i] - t.p * a[i] - t.q * b[i] - t.c);
  return sum / f.length;
}

function mean(xs: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  return sum / xs.length;
}

/**
 * Weights as the device draws them: of 255, with a grey; `bias`: what the frame's luma has beyond
 * them (the fit's constant less the grey's share), in steps.
 */
interface Weights {
  kept: number;
  slot: number;
  grey: number;
  bias: number;
}

function quantise(t: Fit): Weights | null {
  if (t.p < -WEIGHT_SLACK || t.q < -WEIGHT_SLACK || t.p + t.q > 1 + WEIGHT_SLACK) return null;
  let kept = Math.max(0, Math.round(t.p * 255));
  let slot = Math.max(0, Math.round(t.q * 255));
  if (kept + slot > 255) {
    if (kept >= slot) kept = 255 - slot;
    else slot = 255 - kept;
  }
  const rest = 255 - kept - slot;
  // The constant term is the grey's share: with (almost) no share it must be (almost) nothing.
  const grey = rest > 2 ? Math.min(255, Math.max(0, Math.round((t.c * 255) / rest))) : 0;
  const bias = t.c - (rest * grey) / 255;
  return Math.abs(bias) <= MAX_BIAS ? { kept, slot, grey, bias } : null;
}

/** Mean difference of one plane's means from the fade's; Infinity past `mean`, or past `block` anywhere. */
function planeMisfit(f: Float32Array, a: Float32Array, b: Float32Array, w: Weights, base: number, limit: number, block: number): number {
  let total = 0;
  for (let i = 0; i < f.length; i++) {
    const d = Math.abs(f[i] - (w.kept * a[i] + w.slot * b[i] + base) / 255);
    if (d > block) return Infinity;
    total += d;
  }
  total /= f.length;
  return total <= limit ? total : Infinity;
}

/** How far the device's fade of `a` and `b` is from `f` in luma (mean difference), or Infinity when it shows something else. */
function misfit(f: TileLook, a: TileLook, b: TileLook, w: Weights): number {
  return planeMisfit(f.y, a.y, b.y, w, (255 - w.kept - w.slot) * w.grey + 255 * w.bias, FIT_MEAN, FIT_BLOCK);
}

/** Whether the device's fade of `a` and `b` has `f`'s colour too. */
function colourFits(f: TileLook, a: TileLook, b: TileLook, w: Weights): boolean {
  // A grey has no colour: 128 in both differences.
  const base = (255 - w.kept - w.slot) * 128;
  return planeMisfit(f.cb, a.cb, b.cb, w, base, COLOUR_MEAN, COLOUR_BLOCK) !== Infinity && planeMisfit(f.cr, a.cr, b.cr, w, base, COLOUR_MEAN, COLOUR_BLOCK) !== Infinity;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Indices (row-major) of the MCUs of grid tile (tx, ty). */
function mcusOf(b: JpegBlocks, tx: number, ty: number): number[] {
  const out: number[] = [];
  for (let my = (ty * T) / b.mcuH; my < ((ty + 1) * T) / b.mcuH; my++) for (let mx = (tx * T) / b.mcuW; mx < ((tx + 1) * T) / b.mcuW; mx++) out.push(my * b.mcusX + mx);
  return out;
}

/**
 * The kept layer's own picture there, as far as a fade can tell: a slot whose luma is the kept
 * tile's scaled and shifted (that tile itself, or it fading in over a plain background: a page's
 * first frames) adds nothing that the kept weight and the grey cannot draw. Weighed as a slot, it
 * took the first frames of fades to pictures the device did not hold (their faint share within
 * the fit's noise) as held ones.
 */
function redundant(slot: TileLook, kept: TileLook): boolean {
  const a = kept.y;
  const c = slot.y;
  const n = a.length;
  const ma = mean(a);
  const mc = mean(c);
  let cov = 0;
  let va = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i] - ma) * (c[i] - mc);
    va += (a[i] - ma) ** 2;
  }
  const k = va > 0 ? cov / va : 0;
  let err = 0;
  for (let i = 0; i < n; i++) err += Math.abs(c[i] - mc - k * (a[i] - ma));
  return err / n <= REDUNDANT_MEAN;
}

/** A tile weighed for the frame's weights, with the slot picked for it. */
interface Picked {
  f: TileLook;
  a: TileLook;
  pick: TileLook;
}

/** The frame's weights fitted to tiles, the ones that fit worst dropped. */
interface Weighed {
  /** The luma means of the tiles kept, end to end: frame, kept layer, picked slots. */
  fitted: [Float32Array, Float32Array, Float32Array];
  joint: Fit;
  /** The tiles' mean residual from the fit. */
  err: number;
}

function weigh(picked: Picked[]): Weighed | null {
  if (picked.length < MIN_TILES) return null;
  // Two kinds of tile in one frame (a backdrop nearly faded, and a row of posters back where it
  // stood, its held picture whole) fitted together met half-way, and neither fitted: so the tiles
  // that fit a start made of the tiles' own weights are the ones weighed.
  const from = start(picked);
  let use = from ? near(picked, from) : picked;
  if (use.length < MIN_TILES) use = picked;
  const pooled = (): [Float32Array, Float32Array, Float32Array] => [concat(use.map((t) => t.f.y)), concat(use.map((t) => t.a.y)), concat(use.map((t) => t.pick.y))];
  let fitted = pooled();
  let joint = fit(...fitted, true);
  for (let round = 0; joint && round < TRIM_ROUNDS && use.length >= MIN_TILES; round++) {
    const fitting = near(use, joint);
    if (fitting.length === use.length) break;
    use = fitting;
    fitted = pooled();
    joint = fit(...fitted, true);
  }
  if (!joint || use.length < MIN_TILES) return null;
  const j = joint;
  return { fitted, joint, err: use.reduce((sum, t) => sum + residual(t.f.y, t.a.y, t.pick.y, j), 0) / use.length };
}

/** A tile's own fit says something of the frame's weights: its pictures have detail, and not the same. */
function determined(t: Picked): boolean {
  const a = t.a.y;
  const b = t.pick.y;
  const n = a.length;
  const ma = mean(a);
  const mb = mean(b);
  let caa = 0;
  let cbb = 0;
  let cab = 0;
  for (let i = 0; i < n; i++) {
    caa += (a[i] - ma) ** 2;
    cbb += (b[i] - mb) ** 2;
    cab += (a[i] - ma) * (b[i] - mb);
  }
  return caa >= DETAIL * n && cbb >= DETAIL * n && cab * cab <= ALIKE * caa * cbb;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1];
}

/**
 * Where the frame's weights start: the median of the own fits of the tiles that determine theirs
 * and that their fit explains (a smooth tile's own weights are anyone's guess), or null when
 * fewer than MIN_TILES do. The median is the most common kind of tile's.
 */
function start(picked: Picked[]): Fit | null {
  const own: Fit[] = [];
  for (const t of picked) {
    if (!determined(t)) continue;
    const f = fit(t.f.y, t.a.y, t.pick.y, true);
    if (f && residual(t.f.y, t.a.y, t.pick.y, f) <= FIT_MEAN) own.push(f);
  }
  if (own.length < MIN_TILES) return null;
  return { p: median(own.map((f) => f.p)), q: median(own.map((f) => f.q)), c: median(own.map((f) => f.c)) };
}

/** The tiles that fit `from` as well as most do: within twice the median residual (at least FIT_MEAN). */
function near(picked: Picked[], from: Fit): Picked[] {
  const errs = picked.map((t) => residual(t.f.y, t.a.y, t.pick.y, from));
  const limit = Math.max(FIT_MEAN, 2 * median(errs));
  return picked.filter((_, i) => errs[i] <= limit);
}

/** A fit as the device draws it (or without the grey, when it makes none). */
function weightsOf({ fitted, joint }: Weighed): Weights | null {
  const w = quantise(joint);
  if (w) return w;
  const plain = fit(...fitted, false);
  const v = plain && quantise(plain);
  if (v || (joint.p >= 0 && joint.q >= 0)) return v;
  // A fade's first or last frames: one picture's share is within the fit's noise of none, and
  // fell below it (the last two frames of a backdrop's fade here). Fitted without it.
  const [f, a, b] = fitted;
  const none = new Float32Array(f.length);
  const one = joint.p < 0 ? fit(f, none, b, true) : fit(f, a, none, true);
  return one && quantise(one);
}

/** A changed tile of the frame: its means, the kept layer's, and the tiles held that stood there. */
interface Place {
  tx: number;
  ty: number;
  f: TileLook;
  a: TileLook;
  candidates: FadeCandidate[];
  telling: FadeCandidate[];
}

/**
 * The held tile that the device's fade under `w` turns into the frame's at `t`: the one `drawn`
 * drew there, if it does; else the best by light alone, which must have the colour too. In a
 * fade's first frames, before the slot shows, the kept layer fades alone (towards the grey).
 */
function slotFor(t: Place, w: Weights, drawn?: number): FadeCandidate | undefined {
  const mine = drawn === undefined ? undefined : t.candidates.find((c) => c.drawn === drawn);
  if (mine && misfit(t.f, t.a, mine.look, w) !== Infinity && colourFits(t.f, t.a, mine.look, w)) return mine;
  let pick: FadeCandidate | undefined;
  let err = Infinity;
  for (const c of t.candidates) {
    const e = misfit(t.f, t.a, c.look, w);
    if (e < err) [err, pick] = [e, c];
  }
  return pick && colourFits(t.f, t.a, pick.look, w) ? pick : undefined;
}

/**
 * The frame's weights, and the frame that drew the picture faded to (when one did), from
 * `sample`. Two ways of picking each tile's slot to fit are weighed. Each tile's own best fit
 * serves a fade to several pictures at once (posters each turning into another). But where the
 * pictures are smooth and dark, or the slot's share is still small, a tile's own fit cannot tell
 * the held pictures apart: picks scattered over all of them, the pooled fit found the slot's
 * share near none, and the carousel's fades back to its dark photographs went as whole frames.
 * A picture shown at once was drawn by one frame, so the slots each frame drew are also fitted
 * together. The weights that fade most of the sample win (a fit's own residual does not tell:
 * on the smooth tiles, which any held picture matches, a wrong picture's fit with the kept
 * layer's share too high explains as many tiles as the right one).
 */
function pickWeights(sample: Place[]): { w: Weights; drawn?: number } | null {
  const own: Picked[] = [];
  for (const t of sample) {
    let best = Infinity;
    let pick: TileLook | null = null;
    for (const c of t.telling) {
      const fitted = fit(t.f.y, t.a.y, c.look.y, true);
      const err = fitted ? residual(t.f.y, t.a.y, c.look.y, fitted) : Infinity;
      if (err < best) [best, pick] = [err, c.look];
    }
    if (pick) own.push({ f: t.f, a: t.a, pick });
  }
  const counts = new Map<number, number>();
  for (const t of sample) for (const c of t.telling) counts.set(c.drawn, (counts.get(c.drawn) ?? 0) + 1);
  const frames = [...counts].filter(([, n]) => n >= MIN_TILES).sort((x, y) => y[1] - x[1]).slice(0, FADE_CANDIDATES);
  const contenders: { picked: Picked[]; drawn?: number }[] = [{ picked: own }];
  for (const [drawn] of frames) {
    const picked: Picked[] = [];
    for (const t of sample) {
      const c = t.telling.find((c) => c.drawn === drawn);
      if (c) picked.push({ f: t.f, a: t.a, pick: c.look });
    }
    contenders.push({ picked, drawn });
  }
  let best: { w: Weights; drawn?: number; fades: number; err: number } | null = null;
  for (const { picked, drawn } of contenders) {
    const weighed = weigh(picked);
    const w = weighed && weightsOf(weighed);
    if (!weighed || !w) continue;
    const fades = sample.filter((t) => slotFor(t, w, drawn)).length;
    if (!best || fades > best.fades || (fades === best.fades && weighed.err < best.err)) best = { w, drawn, fades, err: weighed.err };
  }
  return best;
}

/**
 * Fades for the changed tiles of a live frame `b` (`dirty`: its MCUs that changed, row-major),
 * over `kept` (the device's kept layer: exact, or alpha 0 where it is not) and the tiles `sources`
 * says the device holds. A page fades its backdrop as one, so one set of weights serves the
 * frame: it is fitted to up to FIT_TILES changed tiles, spread over the change, each with a slot
 * of those drawn at its place before (pickWeights), and the tiles that fit worst (the frame's
 * other motions: a row sliding, a ring growing) are dropped and the weights fitted again. Then
 * every changed tile with a slot that under those weights shows the frame's means is faded;
 * runs of them in a row are one rectangle. Returns the fades and the MCUs they cover, or null
 * when fewer than MIN_TILES tiles fade.
 */
export function findFades(b: JpegBlocks, dirty: Uint8Array, kept: KeptLooks, sources: FadeSources): { fades: FadeRect[]; covered: Uint8Array } | null {
  if (b.width !== kept.layer.width || b.height !== kept.layer.height || T % b.mcuW !== 0 || T % b.mcuH !== 0 || b.comps.length !== 3) return null;
  const tilesX = Math.floor(b.width / T);
  const tilesY = Math.floor(b.height / T);
  const places: Omit<Place, 'f'>[] = [];
  let tellingPlaces = 0;
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      const held = mcusOf(b, tx, ty).some((m) => dirty[m] === 1) ? sources.fadeCandidates(tx, ty) : [];
      const a = held.length > 0 ? kept.at(tx, ty) : null;
      if (!a) continue;
      const telling = held.filter((c) => !redundant(c.look, a));
      if (telling.length > 0) tellingPlaces++;
      places.push({ tx, ty, a, candidates: held, telling });
    }
  }
  // The weights are fitted to tiles spread over the change (enough to drop another motion's),
  // each with a slot that tells a fade from the kept picture alone: one that is the kept picture
  // again would fit a fade to a picture the device does not hold. Under the weights, any slot may
  // then serve (where two photographs are alike, the fade to either looks the same).
  // Checked before the frame's looks are read: a frame with too few costs no more than that.
  if (tellingPlaces < MIN_TILES) return null;
  const tiles: Place[] = places.map((p) => ({ ...p, f: frameLook(b, p.tx, p.ty) }));
  const weighed = tiles.filter((t) => t.telling.length > 0);
  const stride = Math.max(1, Math.floor(weighed.length / FIT_TILES));
  const sample = weighed.filter((_, i) => i % stride === 0);
  const best = pickWeights(sample);
  if (!best) return null;
  const { w, drawn } = best;
  const slotOf = new Map<number, number>();
  const shown = new Set<number>();
  for (const t of tiles) {
    const pick = slotFor(t, w, drawn);
    if (!pick) continue;
    slotOf.set(t.ty * tilesX + t.tx, w.slot > 0 ? pick.slot : NO_FADE_SLOT);
    if (w.slot >= SHOWS && t.telling.includes(pick)) shown.add(t.ty * tilesX + t.tx);
  }
  if (slotOf.size < MIN_TILES) return null;
  const covered = new Uint8Array(dirty.length);
  const fades: FadeRect[] = [];
  const color: [number, number, number] = [w.grey, w.grey, w.grey];
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      if (!slotOf.has(ty * tilesX + tx)) continue;
      const start = tx;
      const slots: number[] = [];
      let held = 0;
      for (let slot = slotOf.get(ty * tilesX + tx); slot !== undefined && tx < tilesX; slot = slotOf.get(ty * tilesX + ++tx)) {
        slots.push(slot);
        if (shown.has(ty * tilesX + tx)) held++;
        for (const m of mcusOf(b, tx, ty)) covered[m] = 1;
      }
      fades.push({ rect: { x: start * T, y: ty * T, w: slots.length * T, h: T }, fade: { keptWeight: w.kept, slotWeight: w.slot, color, slots }, held });
    }
  }
  return { fades, covered };
}
