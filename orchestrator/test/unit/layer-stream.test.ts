import { expect } from 'chai';
import { parseFrame, ParsedFrame } from '@stratus/protocol';
import { StratusError } from '../../src/errors';
import { LayerSource, LayerStream } from '../../src/layer/layer-stream';
import { encodePngRect } from '../../src/png/encode';
import { decodePng } from '../../src/png/decode';
import { blank, Rect } from '../../src/layer/damage';

/** A page stand-in for this one module: each capture returns the current test image. */
class FakePage implements LayerSource {
  captures = 0;
  clips: Array<Rect | undefined> = [];
  img = blank(64, 32);
  fail = 0;
  async capture(clip?: Rect): Promise<Buffer> {
    this.captures++;
    this.clips.push(clip);
    if (this.fail > 0) {
      this.fail--;
      throw new Error('capture failed');
    }
    const r = clip ?? { x: 0, y: 0, w: this.img.width, h: this.img.height };
    return encodePngRect(this.img, r.x, r.y, r.w, r.h, 1);
  }
  paint(x: number, rgba: number): void {
    this.img = { ...this.img, data: Buffer.from(this.img.data) };
    this.img.data.writeUInt32BE(rgba >>> 0, x * 4);
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5));
async function idle(): Promise<void> {
  for (let i = 0; i < 10; i++) await tick();
}

function parse(m: Buffer): ParsedFrame {
  return parseFrame(new DataView(m.buffer, m.byteOffset, m.byteLength)) as ParsedFrame;
}

describe('orchestrator/layer/layer-stream', () => {
  let page: FakePage;
  let sent: Buffer[];
  let stream: LayerStream;

  beforeEach(() => {
    page = new FakePage();
    sent = [];
    stream = new LayerStream(page, (m) => sent.push(m), { tileSize: 8, window: 2, pngLevel: 1, maxCaptureFailures: 3 });
  });
  afterEach(() => stream.stop());

  it('starts with a keyframe, then sends only changes, and nothing when nothing changed', async () => {
    stream.markDirty();
    await idle();
    expect(sent).to.have.length(1);
    expect(parse(sent[0]).header.keyframe).to.equal(true);
    expect(parse(sent[0]).rects).to.have.length(0); // all transparent: clear only
    stream.ack(1);
    stream.markDirty();
    await idle();
    expect(sent).to.have.length(1);
    page.paint(3, 0xff0000ff);
    stream.markDirty();
    await idle();
    expect(sent).to.have.length(2);
    const f = parse(sent[1]);
    expect(f.header.keyframe).to.equal(false);
    expect(f.rects.map((r) => [r.x, r.y, r.w, r.h])).to.deep.equal([[3, 0, 1, 1]]);
  });

  it('never has more than `window` frames in flight for a device that never acks, and stops capturing', async () => {
    for (let i = 0; i < 50; i++) {
      page.paint(i % 64, 0x01020300 + i);
      stream.markDirty();
      await tick();
    }
    await idle();
    expect(sent).to.have.length(2);
    expect(stream.framesInFlight).to.equal(2);
    const capturesWhileStalled = page.captures;
    for (let i = 0; i < 20; i++) stream.markDirty();
    await idle();
    expect(page.captures).to.equal(capturesWhileStalled);
  });

  it('merges damage that piled up while the window was full into one frame', async () => {
    stream.markDirty();
    await idle();
    page.paint(1, 0xffffffff);
    stream.markDirty();
    await idle();
    expect(sent).to.have.length(2);
    page.paint(10, 0xff00ffff);
    stream.markDirty();
    page.paint(20, 0x00ff00ff);
    stream.markDirty();
    await idle();
    expect(sent).to.have.length(2);
    stream.ack(2); // acks 1 and 2
    await idle();
    expect(sent).to.have.length(3);
    const f = parse(sent[2]);
    expect(f.rects.map((r) => [r.x, r.w])).to.deep.equal([[10, 11]]);
  });

  it('sends an empty frame to report keys whose change went out in an earlier frame', async () => {
    stream.markDirty();
    await idle();
    stream.ack(1);
    stream.inputDelivered(7);
    await idle();
    expect(sent).to.have.length(2);
    const f = parse(sent[1]);
    expect(f.header.inputSeq).to.equal(7);
    expect(f.rects).to.have.length(0);
    stream.ack(2);
    stream.inputDelivered(7);
    await idle();
    expect(sent).to.have.length(2);
    // A key-up owes no report: nothing is measured on it.
    stream.inputDelivered(8, false);
    await idle();
    expect(sent).to.have.length(2);
  });

  it('captures at once for a key-down, and for a key-up only when the page reports damage', async () => {
    stream.markDirty();
    await idle();
    stream.ack(1);
    const before = page.captures;
    stream.inputDelivered(3);
    await idle();
    expect(page.captures).to.equal(before + 1);
    stream.ack(2);
    stream.inputDelivered(4, false);
    await idle();
    expect(page.captures).to.equal(before + 1);
    // The app changed something on key-up: the damage signal captures it, and the frame says the
    // key-up is included.
    page.paint(1, 0x00ff00ff);
    stream.markDirty();
    await idle();
    expect(page.captures).to.equal(before + 2);
    expect(parse(sent[sent.length - 1]).header.inputSeq).to.equal(4);
    expect(parse(sent[sent.length - 1]).rects).to.have.length(1);
  });

  describe('page-reported damage', () => {
    /** Applies frames as a device would, to compare with the page at the end. */
    function screen(): Buffer {
      const out = Buffer.alloc(64 * 32 * 4);
      for (const m of sent) {
        const f = parse(m);
        if (f.header.keyframe) out.fill(0);
        for (const r of f.rects) {
          const png = decodePng(Buffer.from(m.buffer, m.byteOffset + r.offset, r.length));
          for (let y = 0; y < r.h; y++) png.data.copy(out, ((r.y + y) * 64 + r.x) * 4, y * r.w * 4, (y + 1) * r.w * 4);
        }
      }
      return out;
    }

    async function settled(): Promise<void> {
      stream.markDirty();
      await idle();
      stream.ack(sent.length);
    }

    it('captures a key-down from the hinted clip, claims the key there, then checks the whole layer', async () => {
      await settled();
      page.paint(10 + 64 * 5, 0xff0000ff);
      stream.inputDelivered(3, true, { x: 8, y: 4, w: 8, h: 4 });
      await idle();
      expect(page.clips.slice(-2)).to.deep.equal([{ x: 8, y: 4, w: 8, h: 4 }, undefined]);
      const f = parse(sent[sent.length - 1]);
      expect(f.header.inputSeq).to.equal(3);
      expect(f.rects.map((r) => [r.x, r.y, r.w, r.h])).to.deep.equal([[10, 5, 1, 1]]);
      expect(stream.stats).to.deep.equal({ clipFrames: 1, clipCorrections: 0 });
      expect(screen().equals(page.img.data)).to.equal(true);
    });

    it('corrects what the clip missed with the full capture that follows', async () => {
      await settled();
      page.paint(10 + 64 * 5, 0xff0000ff);
      page.paint(40 + 64 * 20, 0x00ff00ff);
      stream.inputDelivered(3, true, { x: 8, y: 4, w: 8, h: 4 });
      await idle();
      stream.ack(sent.length);
      await idle();
      expect(stream.stats).to.deep.equal({ clipFrames: 1, clipCorrections: 1 });
      expect(parse(sent[sent.length - 1]).rects.map((r) => [r.x, r.y])).to.deep.equal([[40, 20]]);
      expect(screen().equals(page.img.data)).to.equal(true);
    });

    it('ignores the hint when other damage is pending or a keyframe is due', async () => {
      await settled();
      // Fill the window, then let damage wait behind it.
      for (const x of [1, 2]) {
        page.paint(x, 0xff0000ff);
        stream.markDirty();
        await idle();
      }
      page.paint(3, 0xff0000ff);
      stream.markDirty();
      stream.inputDelivered(3, true, { x: 0, y: 8, w: 4, h: 4 });
      stream.ack(sent.length);
      await idle();
      expect(page.clips.every((c) => c === undefined)).to.equal(true);
      stream.ack(sent.length);
      await idle();
      stream.requestKeyframe();
      stream.inputDelivered(4, true, { x: 0, y: 0, w: 4, h: 4 });
      await idle();
      expect(page.clips.every((c) => c === undefined)).to.equal(true);
      expect(stream.stats.clipFrames).to.equal(0);
    });
  });

  it('rejects acks for frames that are not in flight', async () => {
    stream.markDirty();
    await idle();
    expect(stream.ack(5)).to.equal(null);
    expect(stream.ack(1)).to.have.property('frame', 1);
    expect(stream.ack(1)).to.equal(null);
  });

  it('restarts the window with a keyframe on request, tolerating late acks of abandoned frames', async () => {
    stream.markDirty();
    await idle();
    page.paint(1, 0xffffffff);
    stream.markDirty();
    await idle();
    expect(stream.framesInFlight).to.equal(2);
    stream.requestKeyframe();
    await idle();
    expect(sent).to.have.length(3);
    const kf = parse(sent[2]);
    expect(kf.header.keyframe).to.equal(true);
    expect(kf.rects).to.have.length(1);
    expect(stream.ack(1)).to.equal('abandoned');
    // A second request before the recovery keyframe is acked changes nothing.
    stream.requestKeyframe();
    await idle();
    expect(sent).to.have.length(3);
    expect(stream.ack(3)).to.have.property('keyframe', true);
  });

  it('retries a failed capture and gives up with STRATUS_CAPTURE_FAILED', async () => {
    page.fail = 1;
    stream.markDirty();
    await new Promise((r) => setTimeout(r, 120));
    expect(sent).to.have.length(1);
    const errors: StratusError[] = [];
    stream.on('error', (e) => errors.push(e));
    stream.ack(1);
    page.fail = 10;
    page.paint(2, 0xffffffff);
    stream.markDirty();
    await new Promise((r) => setTimeout(r, 500));
    expect(errors.map((e) => e.code)).to.deep.equal(['STRATUS_CAPTURE_FAILED']);
  });
});
