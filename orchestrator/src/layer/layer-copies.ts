import { Rgba } from '../png/decode';

/**
 * Copies of the device's layer, to lay a change over (a clip capture, a screencast frame's
 * changes). Each is a whole frame, 3.7 MB at 720p: a fresh one per change cost the orchestrator
 * more in page faults and garbage collection than the PNG work itself (docs/benchmarks.md). A copy
 * the layer has replaced, and that nothing else holds, is used again for the next one.
 */
export class LayerCopies {
  private readonly mine = new WeakSet<Buffer>();
  private spare: Buffer | null = null;

  /** A copy of `img`'s pixels. */
  of(img: Rgba): Rgba {
    const n = img.data.length;
    let data = this.spare;
    this.spare = null;
    if (!data || data.length !== n) data = Buffer.allocUnsafeSlow(n);
    img.data.copy(data);
    this.mine.add(data);
    return { width: img.width, height: img.height, data };
  }

  /** Nothing holds `img` any more: if it is one of these copies, the next copy reuses it. */
  release(img: Rgba): void {
    if (this.mine.has(img.data)) this.spare = img.data;
  }
}
