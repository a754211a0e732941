import { DecodedFrame, FrameDecoder, Rgba } from '../png/decode';
import { diffRects, Rect } from './damage';
import { LayerCopies } from './layer-copies';
import { contains } from './motion';

/**
 * What a screencast frame can vouch for. Chromium's screencast PNGs are premultiplied, so a
 * translucent pixel's straight colour cannot be read back from them (docs/benchmarks.md); but an
 * opaque pixel premultiplies to itself and a clear one to 0,0,0,0, which is what a straight-alpha
 * capture gives too. At scale 1 a frame's opaque and clear pixels are the capture's, byte for
 * byte (measured on every fixture app), so only translucent changes need a capture.
 */

/** `r` of `img` holds a pixel neither opaque nor clear. */
export function translucentIn(img: Rgba, r: Rect): boolean {
  const { data, width } = img;
  for (let y = r.y; y < r.y + r.h; y++) {
    const end = ((y * width + r.x + r.w) << 2) + 3;
    for (let i = ((y * width + r.x) << 2) + 3; i < end; i += 4) {
      const a = data[i];
      if (a !== 0 && a !== 255) return true;
    }
  }
  return false;
}

/** Copies `r` of `from` into the same place of `to` (both the same size). */
export function copyRect(from: Rgba, to: Rgba, r: Rect): void {
  const stride = from.width * 4;
  for (let y = r.y; y < r.y + r.h; y++) {
    const start = y * stride + r.x * 4;
    from.data.copy(to.data, start, start, start + r.w * 4);
  }
}

/** Puts `part` (an image of `at`'s size) into `to` at `at`. */
export function pasteRect(part: Rgba, to: Rgba, at: Rect): void {
  const stride = to.width * 4;
  for (let row = 0; row < at.h; row++) {
    part.data.copy(to.data, (at.y + row) * stride + at.x * 4, row * at.w * 4, (row + 1) * at.w * 4);
  }
}

/** Marks the rows `r` covers. */
export function markRows(rows: Uint8Array, r: Rect): void {
  rows.fill(1, r.y, r.y + r.h);
}

/** What a screencast frame changed, laid over the device's layer. */
export interface ShotChange {
  /** The device's layer with the frame's opaque and clear changes in it. */
  img: Rgba;
  /** The only rows where `img` can differ from the device's layer. */
  rows: Uint8Array;
  /** Changed areas with translucent pixels: the frame cannot vouch for them, a capture must. */
  translucent: Rect[];
  /** The frame changed anything at all. */
  changed: boolean;
  /** A capture's change (`confirm`) that this frame does not show changed: a capture must check the layer. */
  unconfirmed: boolean;
}

/**
 * Reads a page's PNG screencast frames one after another (pixels mode): each is diffed with the
 * one before, which every change since shows in. Keeps what it learns of the layer: where the
 * device holds captured pixels (a frame taken before that capture began shows nothing newer
 * there), and whether keys paint see-through pixels.
 */
export class ShotReader {
  /** The last frame taken in (premultiplied): the decoder's last, which the next is diffed with. */
  private ref: Rgba | null = null;
  /** Its frames never leave this reader, so the decoder may reuse their buffers. */
  private readonly decoder = new FrameDecoder(true);
  /** Where the device's layer holds captured pixels, and when (ms since the epoch) that capture began. */
  captured: { at: number; area: Rect } | null = null;
  /**
   * What the last capture changed on the device, and when it began. The frame before it is the
   * reference, so a change the page undid before the next frame (focus right, then left) would
   * leave that frame equal to the reference there, and the capture's state on the device: the
   * first frame taken after the capture began must show those rectangles changed too.
   */
  confirm: { at: number; rects: Rect[] } | null = null;
  /** The last change a frame brought had translucent pixels: keys are captured at once. */
  translucentKeys = false;

  constructor(
    private readonly tileSize: number,
    private readonly copies = new LayerCopies()
  ) {}

  reset(): void {
    this.ref = null;
    this.decoder.reset();
    this.captured = null;
    this.confirm = null;
    this.translucentKeys = false;
  }

  /**
   * Takes in a frame taken at `takenAt`; `sent` is the device's layer. Undefined when the frame is
   * not of the layer's size (a clip capture's echo: the page's next frame is whole again); null
   * when it can only be the reference from now on (nothing before it to diff with, or `use`
   * false: a state in which every change is captured anyway). Throws on a frame that is not a PNG.
   */
  read(png: Buffer, takenAt: number, sent: Rgba, use: boolean): ShotChange | null | undefined {
    if (png.length < 24 || png.readUInt32BE(16) !== sent.width || png.readUInt32BE(20) !== sent.height) return undefined;
    const before = this.ref;
    let decoded: DecodedFrame;
    try {
      decoded = this.decoder.decode(png);
    } catch (err) {
      this.reset();
      throw err;
    }
    const now = decoded.image;
    this.ref = now;
    if (!before || before.width !== now.width || before.height !== now.height || !use) return null;
    const damage = diffRects(before, now, this.tileSize, decoded.previous === before ? decoded.changedRows : null);
    const rows = new Uint8Array(sent.height);
    const confirm = this.confirm;
    let unconfirmed = false;
    if (confirm && takenAt >= confirm.at) {
      this.confirm = null;
      unconfirmed = confirm.rects.some((c) => !damage.some((d) => contains(d, c)));
    }
    if (damage.length === 0) return { img: sent, rows, translucent: [], changed: false, unconfirmed };
    const img = this.copies.of(sent);
    const translucent: Rect[] = [];
    const captured = this.captured;
    let seeThrough = false;
    for (const r of damage) {
      const clear = !translucentIn(now, r);
      seeThrough ||= !clear;
      // A capture begun after this frame was taken has newer pixels there already.
      if (captured && takenAt < captured.at && contains(captured.area, r)) continue;
      markRows(rows, r);
      if (clear) copyRect(now, img, r);
      else translucent.push(r);
    }
    this.translucentKeys = seeThrough;
    return { img, rows, translucent, changed: true, unconfirmed };
  }
}
