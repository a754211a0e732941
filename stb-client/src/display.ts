import { Fade, fadeTiles, FrameHeader, NO_FADE_SLOT, parseFrame, TILE_CACHE_COLUMNS, TILE_CACHE_PAGE_SLOTS, TILE_CACHE_TILE } from '@stratus/protocol/device';
import { now } from './clock';
import { DecodedImage, DECODERS } from './decoders/index';

interface PendingRect {
  x: number;
  y: number;
  w: number;
  h: number;
  decoded: DecodedImage | null;
}

interface PendingFrame {
  header: FrameHeader;
  rects: PendingRect[];
  waiting: number;
  failed: string | null;
  receivedAt: number;
}

export interface AppliedFrame {
  header: FrameHeader;
  /** From receiving the frame to its last rectangle drawn. */
  decodeMs: number;
  /** False when the frame was dropped: bad data, or the display waits for a keyframe. */
  painted: boolean;
}

/**
 * The UI layer: a canvas over the video plane. Frames decode asynchronously but are applied
 * whole and strictly in arrival order; a rectangle replaces the pixels under it, alpha included.
 * A frame that cannot be parsed or decoded is dropped, later deltas are ignored, and `onbroken`
 * asks for a keyframe, so the screen never freezes on a bad tile.
 */
export class Display {
  onapplied: ((f: AppliedFrame) => void) | null = null;
  onbroken: ((reason: string) => void) | null = null;
  private queue: PendingFrame[] = [];
  private ctx: CanvasRenderingContext2D;
  private awaitingKeyframe = false;
  /** Holds a copy rectangle's source while its destination is cleared: they may overlap. */
  private scratch: HTMLCanvasElement | null = null;
  /** The kept layer: the layer as it was before the last frame flagged "keep" (live motion's start). */
  private kept: HTMLCanvasElement | null = null;
  /**
   * Tile cache slots this display keeps (the hello's `tileCache`; 0: none). Set before connecting:
   * the server's mirror of the cache is as large as the hello said.
   */
  tileSlots = 0;
  /** The tile cache: canvases of TILE_CACHE_PAGE_SLOTS tiles each, made as their slots are first used. */
  private tilePages: HTMLCanvasElement[] = [];
  /** Width and height of the tile each slot holds ("w,h"), or undefined: what a cached rectangle must match. */
  private slots: string[] = [];

  /** `decoders` by encoding id: the shared table, or a test's stand-ins; `makeCanvas` for the copy scratch. */
  constructor(
    private canvas: HTMLCanvasElement,
    private decoders: typeof DECODERS = DECODERS,
    private makeCanvas: () => HTMLCanvasElement = function () {
      return document.createElement('canvas');
    }
  ) {
    var ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('canvas 2D is not available');
    this.ctx = ctx;
  }

  get pending(): number {
    return this.queue.length;
  }

  get width(): number {
    return this.canvas.width;
  }

  get height(): number {
    return this.canvas.height;
  }

  resize(width: number, height: number): void {
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
  }

  /** No session: nothing of a cloud app stays on the screen. */
  clear(): void {
    this.reset();
    this.kept = null;
    // Up to 64 MB of canvas on a TV that has nothing of ours to show.
    this.tilePages = [];
    var ctx = this.canvas.getContext('2d');
    if (ctx) ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /**
   * A new connection: frames still decoding belong to the old one and must be neither painted
   * nor acked. The next frame is a keyframe.
   */
  reset(): void {
    this.queue = [];
    this.awaitingKeyframe = true;
    // A new connection's server knows nothing of what this one stashed.
    this.slots = [];
  }

  /** Takes one binary UI frame off the wire. */
  push(data: ArrayBuffer): void {
    var receivedAt = now();
    var parsed = parseFrame(new DataView(data));
    if (typeof parsed === 'string') {
      // Without a header we cannot ack; the server's window then stalls until the keyframe it
      // sends in answer to onbroken, which the device acks as usual.
      this.broken(parsed, false);
      return;
    }
    var frame: PendingFrame = { header: parsed.header, rects: [], waiting: parsed.rects.length, failed: null, receivedAt: receivedAt };
    this.queue.push(frame);
    var self = this;
    for (var i = 0; i < parsed.rects.length; i++) {
      var r = parsed.rects[i];
      var rect: PendingRect = { x: r.x, y: r.y, w: r.w, h: r.h, decoded: null };
      frame.rects.push(rect);
      var decode = this.decoders[r.encoding];
      if (!decode) {
        frame.failed = 'unknown encoding ' + r.encoding;
        frame.waiting--;
        continue;
      }
      decode(data, r.offset, r.length, this.onDecoded(frame, rect));
    }
    self.flush();
  }

  private onDecoded(frame: PendingFrame, rect: PendingRect) {
    var self = this;
    return function (err: string | null, decoded: DecodedImage | null) {
      if (err) frame.failed = err;
      rect.decoded = decoded;
      frame.waiting--;
      if (self.queue.indexOf(frame) < 0) {
        // Dropped by reset(): nothing to paint, only the image to release.
        if (decoded) decoded.release();
        return;
      }
      self.flush();
    };
  }

  /** Applies every frame at the head of the queue whose rectangles have all decoded. */
  private flush(): void {
    while (this.queue.length > 0 && this.queue[0].waiting === 0) {
      var frame = this.queue.shift() as PendingFrame;
      var painted = false;
      var kept = frame.header.keep ? this.canvas : this.kept;
      var failed = frame.failed || badSource(frame, this.canvas, kept) || badSlot(frame, this.slots, this.tileSlots) || badFade(frame, kept, this.slots, this.tileSlots);
      if (failed) {
        this.broken(failed, frame.header.keyframe);
      } else if (frame.header.keyframe || !this.awaitingKeyframe) {
        this.apply(frame);
        this.awaitingKeyframe = false;
        painted = true;
      }
      for (var i = 0; i < frame.rects.length; i++) {
        var d = frame.rects[i].decoded;
        if (d) d.release();
      }
      if (this.onapplied) this.onapplied({ header: frame.header, decodeMs: now() - frame.receivedAt, painted: painted });
    }
  }

  private apply(frame: PendingFrame): void {
    var ctx = this.ctx;
    var h = frame.header;
    if (h.keep) this.keep();
    if (h.keyframe) {
      this.resize(h.width, h.height);
      ctx.clearRect(0, 0, h.width, h.height);
    }
    for (var i = 0; i < frame.rects.length; i++) {
      var r = frame.rects[i];
      var decoded = r.decoded as DecodedImage;
      if (decoded.copyFrom && decoded.copyFrom.kept) {
        ctx.clearRect(r.x, r.y, r.w, r.h);
        ctx.drawImage(this.kept as HTMLCanvasElement, decoded.copyFrom.x, decoded.copyFrom.y, r.w, r.h, r.x, r.y, r.w, r.h);
        continue;
      }
      if (decoded.copyFrom) {
        this.copy(decoded.copyFrom.x, decoded.copyFrom.y, r);
        continue;
      }
      if (decoded.slot) {
        this.cache(decoded.slot.index, decoded.slot.stash, r);
        continue;
      }
      if (decoded.fade) {
        this.fade(decoded.fade, r);
        continue;
      }
      var image = decoded.image as HTMLImageElement | ImageBitmap;
      ctx.clearRect(r.x, r.y, r.w, r.h);
      // A lossy rectangle captured at a fractional scale may come a pixel off its place's size:
      // it is stretched to fit; exact rectangles are drawn 1:1.
      if (image.width === r.w && image.height === r.h) ctx.drawImage(image, r.x, r.y);
      else ctx.drawImage(image, r.x, r.y, r.w, r.h);
    }
  }

  /** Copies the whole layer to the kept layer, which `kept` rectangles read from. */
  private keep(): void {
    if (!this.kept) this.kept = this.makeCanvas();
    var k = this.kept;
    if (k.width !== this.canvas.width) k.width = this.canvas.width;
    if (k.height !== this.canvas.height) k.height = this.canvas.height;
    var kctx = k.getContext('2d') as CanvasRenderingContext2D;
    kctx.clearRect(0, 0, k.width, k.height);
    kctx.drawImage(this.canvas, 0, 0);
  }

  /**
   * Moves w×h pixels from (sx, sy) to the rectangle, alpha included. Through a scratch canvas: the
   * destination is cleared first (drawing blends), and source and destination often overlap.
   */
  private copy(sx: number, sy: number, r: PendingRect): void {
    if (!this.scratch) this.scratch = this.makeCanvas();
    var s = this.scratch;
    if (s.width < r.w) s.width = r.w;
    if (s.height < r.h) s.height = r.h;
    var sctx = s.getContext('2d') as CanvasRenderingContext2D;
    sctx.clearRect(0, 0, r.w, r.h);
    sctx.drawImage(this.canvas, sx, sy, r.w, r.h, 0, 0, r.w, r.h);
    this.ctx.clearRect(r.x, r.y, r.w, r.h);
    this.ctx.drawImage(s, 0, 0, r.w, r.h, r.x, r.y, r.w, r.h);
  }

  /** Saves the layer under `r` in slot `index` (stash), or draws the slot's tile at `r`; alpha included, 1:1. */
  private cache(index: number, stash: boolean, r: PendingRect): void {
    var pageIndex = Math.floor(index / TILE_CACHE_PAGE_SLOTS);
    var page = this.tilePages[pageIndex];
    if (!page) {
      page = this.tilePages[pageIndex] = this.makeCanvas();
      page.width = TILE_CACHE_COLUMNS * TILE_CACHE_TILE;
      page.height = (TILE_CACHE_PAGE_SLOTS / TILE_CACHE_COLUMNS) * TILE_CACHE_TILE;
    }
    var inPage = index % TILE_CACHE_PAGE_SLOTS;
    var sx = (inPage % TILE_CACHE_COLUMNS) * TILE_CACHE_TILE;
    var sy = Math.floor(inPage / TILE_CACHE_COLUMNS) * TILE_CACHE_TILE;
    if (stash) {
      var tctx = page.getContext('2d') as CanvasRenderingContext2D;
      tctx.clearRect(sx, sy, TILE_CACHE_TILE, TILE_CACHE_TILE);
      tctx.drawImage(this.canvas, r.x, r.y, r.w, r.h, sx, sy, r.w, r.h);
      this.slots[index] = r.w + ',' + r.h;
      return;
    }
    this.ctx.clearRect(r.x, r.y, r.w, r.h);
    this.ctx.drawImage(page, sx, sy, r.w, r.h, r.x, r.y, r.w, r.h);
  }

  /**
   * Draws a fade rectangle as the weighted sum of the kept layer, each tile's cache slot and a
   * colour (protocol/src/fade.ts), with what every canvas has: the colour, then the kept layer
   * over it at keptWeight/(keptWeight + rest), then each slot over both at slotWeight/255. The
   * first two go once for the whole run of tiles: a frame may fade a hundred tiles.
   */
  private fade(f: Fade, r: PendingRect): void {
    var ctx = this.ctx;
    var T = TILE_CACHE_TILE;
    var cols = Math.ceil(r.w / T);
    var rest = 255 - f.keptWeight - f.slotWeight;
    ctx.globalAlpha = 1;
    ctx.fillStyle = 'rgb(' + f.color[0] + ',' + f.color[1] + ',' + f.color[2] + ')';
    ctx.fillRect(r.x, r.y, r.w, r.h);
    if (f.keptWeight > 0) {
      ctx.globalAlpha = f.keptWeight / (f.keptWeight + rest);
      ctx.drawImage(this.kept as HTMLCanvasElement, r.x, r.y, r.w, r.h, r.x, r.y, r.w, r.h);
    }
    if (f.slotWeight > 0) {
      ctx.globalAlpha = f.slotWeight / 255;
      for (var i = 0; i < f.slots.length; i++) {
        var x = r.x + (i % cols) * T;
        var y = r.y + Math.floor(i / cols) * T;
        var index = f.slots[i];
        var page = this.tilePages[Math.floor(index / TILE_CACHE_PAGE_SLOTS)];
        var inPage = index % TILE_CACHE_PAGE_SLOTS;
        ctx.drawImage(page, (inPage % TILE_CACHE_COLUMNS) * T, Math.floor(inPage / TILE_CACHE_COLUMNS) * T, Math.min(T, r.x + r.w - x), Math.min(T, r.y + r.h - y), x, y, Math.min(T, r.x + r.w - x), Math.min(T, r.y + r.h - y));
      }
    }
    ctx.globalAlpha = 1;
  }

  /** Asks once per loss of sync, and again if the keyframe that should restore it fails too. */
  private broken(reason: string, wasKeyframe: boolean): void {
    var ask = !this.awaitingKeyframe || wasKeyframe;
    this.awaitingKeyframe = true;
    if (ask && this.onbroken) this.onbroken(reason);
  }
}

/**
 * A cache rectangle larger than a tile or past the slots this display keeps, or a cached one whose
 * slot holds no tile of its size (by then, in this frame's order): the frame is bad, and the
 * keyframe asked for sets things right.
 */
function badSlot(frame: PendingFrame, slots: string[], capacity: number): string | null {
  var sizes: { [slot: number]: string } = {};
  for (var i = 0; i < frame.rects.length; i++) {
    var r = frame.rects[i];
    var slot = r.decoded && r.decoded.slot;
    if (!slot) continue;
    if (slot.index >= capacity) return 'cache slot ' + slot.index + ' out of range';
    if (r.w > TILE_CACHE_TILE || r.h > TILE_CACHE_TILE) return 'cache rectangle larger than a tile';
    var size = r.w + ',' + r.h;
    if (slot.stash) sizes[slot.index] = size;
    else if ((sizes.hasOwnProperty(String(slot.index)) ? sizes[slot.index] : slots[slot.index]) !== size) return 'cache slot ' + slot.index + ' holds no ' + r.w + 'x' + r.h + ' tile';
  }
  return null;
}

interface Size {
  width: number;
  height: number;
}

/**
 * A fade rectangle off the tile grid or naming another number of tiles than it has, with no kept
 * layer of the frame's size, or whose slots hold no tile of their place's size (stashed before
 * this frame: live frames stash nothing): the frame is bad.
 */
function badFade(frame: PendingFrame, kept: Size | null, slots: string[], capacity: number): string | null {
  var T = TILE_CACHE_TILE;
  for (var i = 0; i < frame.rects.length; i++) {
    var r = frame.rects[i];
    var f = r.decoded && r.decoded.fade;
    if (!f) continue;
    if (fadeTiles(r.x, r.y, r.w, r.h) !== f.slots.length) return 'fade rectangle does not match its ' + f.slots.length + ' tiles';
    if (f.keptWeight > 0 && (!kept || kept.width < r.x + r.w || kept.height < r.y + r.h)) return 'no kept layer to fade from';
    if (f.slotWeight === 0) continue;
    var cols = Math.ceil(r.w / T);
    for (var t = 0; t < f.slots.length; t++) {
      var slot = f.slots[t];
      var w = Math.min(T, r.w - (t % cols) * T);
      var h = Math.min(T, r.h - Math.floor(t / cols) * T);
      if (slot === NO_FADE_SLOT || slot >= capacity || slots[slot] !== w + ',' + h) return 'fade slot ' + slot + ' holds no ' + w + 'x' + h + ' tile';
    }
  }
  return null;
}

/**
 * A copy rectangle whose source is not on the layer, or a kept one with no kept layer or outside
 * it: the frame is bad, as an undecodable tile is.
 */
function badSource(frame: PendingFrame, layer: Size, kept: Size | null): string | null {
  for (var i = 0; i < frame.rects.length; i++) {
    var r = frame.rects[i];
    var from = r.decoded && r.decoded.copyFrom;
    if (!from) continue;
    // Old TV browsers throw on a source rectangle outside the canvas: both sizes are checked.
    var outside = from.x + r.w > Math.min(frame.header.width, layer.width) || from.y + r.h > Math.min(frame.header.height, layer.height);
    if (!from.kept && outside) return 'copy source outside the layer';
    if (from.kept && !kept) return 'no kept layer to copy from';
    if (from.kept && kept && (from.x + r.w > kept.width || from.y + r.h > kept.height)) return 'copy source outside the kept layer';
  }
  return null;
}
