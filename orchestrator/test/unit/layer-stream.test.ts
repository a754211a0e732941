import { expect } from 'chai';
import FakeTimers from '@sinonjs/fake-timers';
import { parseFrame, ParsedFrame } from '@stratus/protocol';
import { StratusError } from '@stratus/protocol';
import { LayerStream } from '../../src/layer/layer-stream';
import type { LiveCrop } from '../../src/layer/live-crop';
import type { FrameInfo, LayerSource, PaintedInfo } from '../../src/layer/layer-types';
import { encodePngRect } from '../../src/png/encode';
import { decodePng, Rgba } from '../../src/png/decode';
import { ENCODINGS } from '@stratus/protocol';
import { blank, Rect } from '../../src/layer/damage';
import { photo } from './photo';
import { applyFrame } from './device-model';
import type { HoleCutter } from '../../src/layer/video-holes';

/** A page stand-in for this one module: each capture returns the current test image. */
class FakePage implements LayerSource {
  captures = 0;
  clips: Array<Rect | undefined> = [];
  img = blank(64, 32);
  fail = 0;
  lossyCaptures = 0;
  /** While set, a capture takes the image only once it resolves (a capture still running). */
  gate: Promise<void> | null = null;
  /** A stand-in JPEG: "JPEG" and the region's pixels, so that still pixels give the same bytes. */
  async captureLossy(region: Rect): Promise<Buffer> {
    this.lossyCaptures++;
    const rows: Buffer[] = [Buffer.from('JPEG')];
    for (let y = region.y; y < region.y + region.h; y++) {
      const o = (y * this.img.width + region.x) * 4;
      rows.push(this.img.data.subarray(o, o + region.w * 4));
    }
    return Buffer.concat(rows);
  }
  async capture(clip?: Rect): Promise<Buffer> {
    this.captures++;
    this.clips.push(clip);
    if (this.fail > 0) {
      this.fail--;
      throw new Error('capture failed');
    }
    if (this.gate) await this.gate;
    const r = clip ?? { x: 0, y: 0, w: this.img.width, h: this.img.height };
    return encodePngRect(this.img, r.x, r.y, r.w, r.h, 1);
  }
  paint(x: number, rgba: number): void {
    this.img = { ...this.img, data: Buffer.from(this.img.data) };
    this.img.data.writeUInt32BE(rgba >>> 0, x * 4);
  }
}

const OPTS = { tileSize: 8, window: 2, pngLevel: 1, maxCaptureFailures: 3, motion: 'lossy', motionQuality: 80, motionSettleMs: 100, motionMaxMs: 1000, copyRects: 'on', tileCache: 'on', motionLive: 'on', motionCrop: 'on', motionMaxFps: Infinity, keyPaintWaitMs: 150, quietVerifyMs: 1000 };

/** Lets the stream run until it captures nothing more: no timer, only its own promises. */
let rest: () => Promise<void>;

function parse(m: Buffer): ParsedFrame {
  return parseFrame(new DataView(m.buffer, m.byteOffset, m.byteLength)) as ParsedFrame;
}

describe('orchestrator/layer/layer-stream', () => {
  let page: FakePage;
  let sent: Buffer[];
  let stream: LayerStream;
  let painted: PaintedInfo[];

  beforeEach(() => {
    page = new FakePage();
    sent = [];
    painted = [];
    stream = new LayerStream(page, { sendFrame: (m) => sent.push(m) }, OPTS);
    stream.on('painted', (p) => painted.push(p));
    rest = async () => {
      do await stream.settled();
      while (stream.isCapturing);
    };
  });
  afterEach(() => stream.stop());

  it('starts with a keyframe, then sends only changes, and nothing when nothing changed', async () => {
    stream.markDirty();
    await rest();
    expect(sent).to.have.length(1);
    expect(parse(sent[0]).header.keyframe).to.equal(true);
    expect(parse(sent[0]).rects).to.have.length(0); // all transparent: clear only
    stream.ack(1);
    stream.markDirty();
    await rest();
    expect(sent).to.have.length(1);
    page.paint(3, 0xff0000ff);
    stream.markDirty();
    await rest();
    expect(sent).to.have.length(2);
    const f = parse(sent[1]);
    expect(f.header.keyframe).to.equal(false);
    expect(f.rects.map((r) => [r.x, r.y, r.w, r.h])).to.deep.equal([[3, 0, 1, 1]]);
  });

  it('with a tile cache: what the device showed comes back as cached tiles, and a keyframe starts the cache over', async () => {
    const a = photo(blank(128, 64), { x: 0, y: 0, w: 128, h: 64 }, 1);
    const b = photo(a, { x: 0, y: 0, w: 64, h: 64 }, 2);
    stream.setDeviceEncodings(['png', 'stash', 'cached'], 8);
    const frames: ParsedFrame[] = [];
    let device = blank(128, 64);
    let tiles = new Map<number, Rgba>();
    const show = async (img: Rgba): Promise<ParsedFrame> => {
      page.img = img;
      stream.markDirty();
      await rest();
      const m = sent[sent.length - 1];
      const f = parse(m);
      device = applyFrame(f.header.keyframe ? blank(128, 64) : device, m, null, tiles);
      expect(device.data.equals(img.data), `frame ${f.header.frame}`).to.equal(true);
      stream.ack(f.header.frame);
      frames.push(f);
      return f;
    };
    const count = (f: ParsedFrame, e: number): number => f.rects.filter((r) => r.encoding === e).length;
    expect(count(await show(a), ENCODINGS.stash)).to.equal(2);
    await show(b);
    expect(count(await show(a), ENCODINGS.cached)).to.equal(1);
    // A device that lost a frame asks for a keyframe; its cache may miss what that frame stashed.
    stream.requestKeyframe();
    tiles = new Map();
    const k = await show(a);
    expect(k.header.keyframe).to.equal(true);
    expect(count(k, ENCODINGS.cached)).to.equal(0);
    // b's left tile was stashed before the keyframe: sent again, not drawn from the cache.
    const again = await show(b);
    expect(count(again, ENCODINGS.cached)).to.equal(0);
    expect(count(await show(a), ENCODINGS.cached)).to.equal(1);
  });

  it('counts tiles the cache found where content moved as exact pixels, not lossy ones', async () => {
    stream.setDeviceEncodings(['png', 'stash', 'cached'], 16);
    const frames: FrameInfo[] = [];
    stream.on('frame', (f) => frames.push(f));
    // A photograph moved off the tile grid, with no copy rectangles to move it.
    for (const [x, y] of [[0, 0], [37, 21]]) {
      page.img = photo(blank(256, 192), { x, y, w: 192, h: 128 }, 3);
      stream.markDirty();
      await rest();
      stream.ack(frames[frames.length - 1].frame);
    }
    const moved = parse(sent[sent.length - 1]).rects.filter((r) => r.encoding === ENCODINGS.cached);
    expect(moved.length).to.be.greaterThan(0);
    expect(frames.map((f) => f.lossy)).to.deep.equal([0, 0]);
    expect(stream.counters.lossyFrames).to.equal(0);
  });

  it('never has more than `window` frames in flight for a device that never acks, and stops capturing', async () => {
    for (let i = 0; i < 50; i++) {
      page.paint(i % 64, 0x01020300 + i);
      stream.markDirty();
      await rest();
    }
    await rest();
    expect(sent).to.have.length(2);
    expect(stream.framesInFlight).to.equal(2);
    const capturesWhileStalled = page.captures;
    for (let i = 0; i < 20; i++) stream.markDirty();
    await rest();
    expect(page.captures).to.equal(capturesWhileStalled);
  });

  it('merges damage that piled up while the window was full into one frame', async () => {
    stream.markDirty();
    await rest();
    page.paint(1, 0xffffffff);
    stream.markDirty();
    await rest();
    expect(sent).to.have.length(2);
    page.paint(10, 0xff00ffff);
    stream.markDirty();
    page.paint(20, 0x00ff00ff);
    stream.markDirty();
    await rest();
    expect(sent).to.have.length(2);
    stream.ack(2); // acks 1 and 2
    await rest();
    expect(sent).to.have.length(3);
    const f = parse(sent[2]);
    expect(f.rects.map((r) => [r.x, r.w])).to.deep.equal([[10, 11]]);
  });

  it('sends an empty frame to report keys whose change went out in an earlier frame', async () => {
    stream.markDirty();
    await rest();
    stream.ack(1);
    stream.inputDelivered(7);
    await rest();
    expect(sent).to.have.length(2);
    const f = parse(sent[1]);
    expect(f.header.inputSeq).to.equal(7);
    expect(f.rects).to.have.length(0);
    stream.ack(2);
    stream.inputDelivered(7);
    await rest();
    expect(sent).to.have.length(2);
    // A key-up owes no report: nothing is measured on it.
    stream.inputDelivered(8, false);
    await rest();
    expect(sent).to.have.length(2);
  });

  it('captures at once for a key-down, and for a key-up only when the page reports damage', async () => {
    stream.markDirty();
    await rest();
    stream.ack(1);
    const before = page.captures;
    stream.inputDelivered(3);
    await rest();
    expect(page.captures).to.equal(before + 1);
    stream.ack(2);
    stream.inputDelivered(4, false);
    await rest();
    expect(page.captures).to.equal(before + 1);
    // The app changed something on key-up: the damage signal captures it, and the frame says the
    // key-up is included.
    page.paint(1, 0x00ff00ff);
    stream.markDirty();
    await rest();
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
      await rest();
      stream.ack(sent.length);
    }

    /** Fills the window with frames of `frames` (pixels painted), then lets `pending` wait behind it. */
    async function damageBehindFullWindow(frames: number[], pending: number): Promise<void> {
      for (const x of frames) {
        page.paint(x, 0xff0000ff);
        stream.markDirty();
        await rest();
      }
      page.paint(pending, 0xff0000ff);
      stream.markDirty();
    }

    it('captures a key-down from the hinted clip, claims the key there, then checks the whole layer', async () => {
      await settled();
      page.paint(10 + 64 * 5, 0xff0000ff);
      stream.inputDelivered(3, true, { x: 8, y: 4, w: 8, h: 4 });
      await rest();
      expect(page.clips.slice(-2)).to.deep.equal([{ x: 8, y: 4, w: 8, h: 4 }, undefined]);
      const f = parse(sent[sent.length - 1]);
      expect(f.header.inputSeq).to.equal(3);
      expect(f.rects.map((r) => [r.x, r.y, r.w, r.h])).to.deep.equal([[10, 5, 1, 1]]);
      expect(stream.stats).to.deep.include({ clipFrames: 1, clipCorrections: 0 });
      expect(screen().equals(page.img.data)).to.equal(true);
    });

    it('says when its newest whole capture began (from its start, while it runs), and a clip capture does not move it', async () => {
      expect(stream.capturedSince).to.equal(-Infinity);
      let open = (): void => undefined;
      page.gate = new Promise<void>((r) => (open = r));
      const before = Date.now();
      stream.markDirty();
      expect(stream.isCapturing).to.equal(true);
      expect(stream.capturedSince).to.be.within(before, Date.now());
      const first = stream.capturedSince;
      open();
      page.gate = null;
      await rest();
      stream.ack(sent.length);
      page.paint(10 + 64 * 5, 0xff0000ff);
      page.gate = new Promise<void>((r) => (open = r));
      const clipAt = Date.now();
      stream.inputDelivered(3, true, { x: 8, y: 4, w: 8, h: 4 });
      // The clip's capture runs: the page outside it was not looked at.
      expect(page.clips[page.clips.length - 1]).to.deep.equal({ x: 8, y: 4, w: 8, h: 4 });
      expect(stream.capturedSince).to.equal(first);
      open();
      page.gate = null;
      // Then the whole capture that checks it.
      await rest();
      expect(page.clips.slice(-2)).to.deep.equal([{ x: 8, y: 4, w: 8, h: 4 }, undefined]);
      expect(stream.capturedSince).to.be.at.least(clipAt);
    });

    it('corrects what the clip missed with the full capture that follows', async () => {
      await settled();
      page.paint(10 + 64 * 5, 0xff0000ff);
      page.paint(40 + 64 * 20, 0x00ff00ff);
      stream.inputDelivered(3, true, { x: 8, y: 4, w: 8, h: 4 });
      await rest();
      stream.ack(sent.length);
      await rest();
      expect(stream.stats).to.deep.include({ clipFrames: 1, clipCorrections: 1 });
      expect(parse(sent[sent.length - 1]).rects.map((r) => [r.x, r.y])).to.deep.equal([[40, 20]]);
      expect(screen().equals(page.img.data)).to.equal(true);
    });

    it('keeps a waiting hint when the key\'s own paint is signalled, and the full capture after it catches the rest', async () => {
      await settled();
      // A capture is running when the key comes; then its paint (and another change) is signalled.
      page.paint(1, 0xff0000ff);
      stream.markDirty();
      expect(stream.isCapturing).to.equal(true);
      page.paint(9, 0x00ff00ff);
      stream.inputDelivered(3, true, { x: 8, y: 0, w: 4, h: 4 });
      page.paint(30, 0x0000ffff);
      stream.markDirty();
      stream.ack(sent.length);
      await rest();
      stream.ack(sent.length);
      await rest();
      expect(page.clips.filter((c) => c !== undefined)).to.deep.equal([{ x: 8, y: 0, w: 4, h: 4 }]);
      expect(stream.stats).to.deep.include({ clipFrames: 1, clipCorrections: 1 });
      // The device ends with everything: the last frame is the correction with pixel 30.
      const last = parse(sent[sent.length - 1]);
      expect(last.rects.map((r) => [r.x, r.y, r.w, r.h])).to.deep.equal([[30, 0, 1, 1]]);
      expect(screen().equals(page.img.data)).to.equal(true);
    });

    it('holds captures while a key-down is delivered: its own paint signal neither starts a capture nor costs it the clip', async () => {
      await settled();
      // A capture is running when the key comes: the hold waits for it.
      page.paint(1, 0xff0000ff);
      stream.markDirty();
      const held = stream.holdForInput();
      expect(stream.isCapturing).to.equal(true);
      await held;
      stream.ack(sent.length);
      const captures = page.captures;
      // The key paints, and the screencast says so before the page's hint is in.
      page.paint(9, 0x00ff00ff);
      stream.markDirty();
      await rest();
      expect(page.captures).to.equal(captures);
      expect(stream.idle).to.equal(false);
      stream.inputDelivered(3, true, { x: 8, y: 0, w: 4, h: 4 });
      await rest();
      expect(page.clips.slice(captures)).to.deep.equal([{ x: 8, y: 0, w: 4, h: 4 }, undefined]);
      expect(parse(sent[sent.length - 1]).header.inputSeq).to.equal(3);
      expect(stream.stats).to.deep.include({ clipFrames: 1, clipCorrections: 0 });
    });

    describe('while the screencast is quiet', () => {
      let clock: ReturnType<typeof FakeTimers.install>;
      beforeEach(() => {
        // The check's delay is a timer: it is the subject here, so the clock is fake.
        clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      });
      afterEach(() => clock.uninstall());

      async function key(seq: number, x: number, hint: Rect): Promise<void> {
        page.paint(x, 0xff000000 + seq);
        stream.inputDelivered(seq, true, hint);
        await rest();
        stream.ack(sent.length);
      }

      it('checks the clip frames of a span of keys with one whole capture, later each time it finds nothing', async () => {
        await settled();
        stream.setQuiet(true);
        await key(3, 9, { x: 8, y: 0, w: 4, h: 4 });
        await key(5, 10, { x: 8, y: 0, w: 4, h: 4 });
        expect(page.clips.slice(-2)).to.deep.equal([{ x: 8, y: 0, w: 4, h: 4 }, { x: 8, y: 0, w: 4, h: 4 }]);
        expect(stream.idle).to.equal(false);
        await clock.tickAsync(999);
        expect(stream.counters.quietChecks).to.equal(0);
        // Due, but keys came just before: it waits for the next key's frame, and no key comes.
        await clock.tickAsync(1);
        expect(stream.counters.quietChecks).to.equal(0);
        await clock.tickAsync(1999);
        expect(stream.counters.quietChecks).to.equal(0);
        await clock.tickAsync(1);
        await rest();
        expect(page.clips[page.clips.length - 1]).to.equal(undefined);
        expect(stream.counters.quietChecks).to.equal(1);
        expect(stream.idle).to.equal(true);
        // Nothing found: the next span is twice as long (and the last key is that long ago).
        await key(7, 11, { x: 8, y: 0, w: 4, h: 4 });
        await clock.tickAsync(1999);
        expect(stream.counters.quietChecks).to.equal(1);
        await clock.tickAsync(1);
        await rest();
        expect(stream.counters.quietChecks).to.equal(2);
        expect(stream.stats).to.deep.include({ clipFrames: 3, clipCorrections: 0 });
        expect(screen().equals(page.img.data)).to.equal(true);
      });

      it('says when a check finds what no clip or report showed, and sends it', async () => {
        await settled();
        stream.setQuiet(true);
        let missed = 0;
        stream.on('missed', () => missed++);
        page.paint(40 + 64 * 20, 0x00ff00ff);
        await key(3, 9, { x: 8, y: 0, w: 4, h: 4 });
        await clock.tickAsync(3000);
        await rest();
        stream.ack(sent.length);
        expect(missed).to.equal(1);
        expect(stream.counters.quietMisses).to.equal(1);
        expect(screen().equals(page.img.data)).to.equal(true);
      });

      it('checks what a reported change sent too, and counts no miss for the change itself', async () => {
        await settled();
        stream.setQuiet(true);
        let missed = 0;
        stream.on('missed', () => missed++);
        await key(3, 9, { x: 8, y: 0, w: 4, h: 4 });
        page.paint(40 + 64 * 20, 0x00ff00ff);
        stream.pageChanged();
        await rest();
        stream.ack(sent.length);
        expect(page.clips[page.clips.length - 1]).to.equal(undefined);
        // Still to be checked: the reported change's frame.
        expect(stream.idle).to.equal(false);
        await clock.tickAsync(3000);
        await rest();
        expect(stream.idle).to.equal(true);
        expect(stream.counters.quietChecks).to.equal(1);
        expect(missed).to.equal(0);
        expect(stream.stats).to.deep.include({ clipFrames: 1, clipCorrections: 0 });
        expect(screen().equals(page.img.data)).to.equal(true);
      });

      it('captures a change the page reports by itself from its hint when nothing else is to do, and checks it', async () => {
        await settled();
        stream.setQuiet(true);
        const asked: number[] = [];
        stream.useReportHints(async () => {
          asked.push(page.captures);
          return { x: 40, y: 16, w: 8, h: 8 };
        });
        let missed = 0;
        stream.on('missed', () => missed++);
        // Going quiet is checked once; then nothing is left to do.
        await clock.tickAsync(1000);
        await rest();
        expect([stream.counters.quietChecks, stream.idle]).to.deep.equal([1, true]);
        // The page's own change (a clock turning the minute), with nothing else pending.
        page.paint(40 + 64 * 20, 0x00ff00ff);
        stream.pageChanged();
        await rest();
        stream.ack(sent.length);
        expect(asked.length).to.equal(1);
        expect(page.clips[page.clips.length - 1]).to.deep.equal({ x: 40, y: 16, w: 8, h: 8 });
        expect(stream.stats.reportClipFrames).to.equal(1);
        expect(screen().equals(page.img.data)).to.equal(true);
        // Its check follows, as every frame's while quiet (the span doubled after a clean check);
        // it finds nothing to correct.
        expect(stream.idle).to.equal(false);
        await clock.tickAsync(2000);
        await rest();
        expect(page.clips[page.clips.length - 1]).to.equal(undefined);
        expect([stream.counters.quietChecks, missed, stream.idle]).to.deep.equal([2, 0, true]);
        // With a key's frame unacknowledged the stream is not idle: a report then is a whole capture.
        await key(3, 9, { x: 8, y: 0, w: 4, h: 4 });
        page.paint(41 + 64 * 20, 0x0000ffff);
        stream.pageChanged();
        await rest();
        stream.ack(sent.length);
        expect(asked.length).to.equal(1);
        expect(page.clips[page.clips.length - 1]).to.equal(undefined);
        expect(screen().equals(page.img.data)).to.equal(true);
      });

      it('checks with the next capture when the check falls due while a reported change is being captured', async () => {
        await settled();
        stream.setQuiet(true);
        let missed = 0;
        stream.on('missed', () => missed++);
        await key(3, 9, { x: 8, y: 0, w: 4, h: 4 });
        // Due at 1 s, then 2 s later for want of another key.
        await clock.tickAsync(2999);
        // The page changes by itself (a clock turns a minute) just before the check is due: the
        // capture its report asks for is still running when the check falls due.
        let release = (): void => undefined;
        page.gate = new Promise<void>((resolve) => (release = resolve));
        page.paint(40 + 64 * 20, 0x00ff00ff);
        stream.pageChanged();
        expect(stream.isCapturing).to.equal(true);
        const captures = page.captures;
        await clock.tickAsync(1);
        expect(stream.counters.quietChecks).to.equal(1);
        page.gate = null;
        release();
        await rest();
        stream.ack(sent.length);
        expect(missed).to.equal(0);
        // The reported change's capture, then the check's own.
        expect(page.clips.slice(captures - 1)).to.deep.equal([undefined, undefined]);
        expect(stream.idle).to.equal(true);
        expect(screen().equals(page.img.data)).to.equal(true);
      });

      it('runs a check that falls due while keys come right after the next key\'s frame', async () => {
        await settled();
        stream.setQuiet(true);
        let missed = 0;
        stream.on('missed', () => missed++);
        await key(3, 9, { x: 8, y: 0, w: 4, h: 4 });
        await clock.tickAsync(1000);
        expect(stream.counters.quietChecks).to.equal(0);
        await clock.tickAsync(500);
        const captures = page.captures;
        await key(5, 10, { x: 8, y: 0, w: 4, h: 4 });
        // The key's clip first, then the check of both keys' frames, before the key after it.
        expect(page.clips.slice(captures)).to.deep.equal([{ x: 8, y: 0, w: 4, h: 4 }, undefined]);
        expect(stream.counters.quietChecks).to.equal(1);
        expect(missed).to.equal(0);
        expect(stream.idle).to.equal(true);
        expect(screen().equals(page.img.data)).to.equal(true);
      });

      it('counts no miss for a key-down delivered while its check was due', async () => {
        await settled();
        stream.setQuiet(true);
        let missed = 0;
        stream.on('missed', () => missed++);
        await stream.holdForInput();
        await clock.tickAsync(1000);
        page.paint(9, 0x00ff00ff);
        stream.inputDelivered(3, true, null);
        await rest();
        stream.ack(sent.length);
        expect(missed).to.equal(0);
        expect(parse(sent[sent.length - 1]).header.inputSeq).to.equal(3);
        expect(screen().equals(page.img.data)).to.equal(true);
      });

      it('checks at once what is unchecked when the screencast runs again', async () => {
        await settled();
        stream.setQuiet(true);
        await key(3, 9, { x: 8, y: 0, w: 4, h: 4 });
        const captures = page.captures;
        stream.setQuiet(false);
        await rest();
        expect(page.clips.slice(captures)).to.deep.equal([undefined]);
        expect(stream.idle).to.equal(true);
      });
    });

    it('a key held while other damage was already pending gets a full capture', async () => {
      await settled();
      await damageBehindFullWindow([2, 3], 4);
      await stream.holdForInput();
      page.paint(9, 0x00ff00ff);
      stream.inputDelivered(4, true, { x: 8, y: 0, w: 4, h: 4 });
      stream.ack(sent.length);
      await rest();
      stream.ack(sent.length);
      await rest();
      expect(page.clips.every((c) => c === undefined)).to.equal(true);
      expect(stream.stats.clipFrames).to.equal(0);
      expect(screen().equals(page.img.data)).to.equal(true);
    });

    it('ignores the hint when other damage is pending or a keyframe is due', async () => {
      await settled();
      await damageBehindFullWindow([1, 2], 3);
      stream.inputDelivered(3, true, { x: 0, y: 8, w: 4, h: 4 });
      stream.ack(sent.length);
      await rest();
      expect(page.clips.every((c) => c === undefined)).to.equal(true);
      stream.ack(sent.length);
      await rest();
      stream.requestKeyframe();
      stream.inputDelivered(4, true, { x: 0, y: 0, w: 4, h: 4 });
      await rest();
      expect(page.clips.every((c) => c === undefined)).to.equal(true);
      expect(stream.stats.clipFrames).to.equal(0);
    });
  });

  describe('a keyframe kept ready while no device is attached (pre-warmed sessions)', () => {
    it('builds it while paused, sends it at attach without a capture, and keeps it current', async () => {
      stream.pause();
      page.paint(3, 0xff0000ff);
      stream.prepareWhilePaused(true);
      await rest();
      expect(page.captures).to.equal(1);
      expect(sent).to.have.length(0);
      // A change while still paused is built into a new one; an unchanged capture is not.
      page.paint(40, 0x00ff00ff);
      stream.markDirty();
      await rest();
      stream.markDirty();
      await rest();
      expect(page.captures).to.equal(3);
      expect(stream.stats.readyKeyframes).to.equal(2);
      stream.resume();
      await rest();
      expect(page.captures).to.equal(3);
      expect(sent).to.have.length(1);
      const f = parse(sent[0]);
      expect(f.header).to.include({ keyframe: true, frame: 1 });
      // The device shows the page as it is now.
      const device = applyFrame(blank(64, 32), sent[0]);
      expect(device.data.equals(page.img.data)).to.equal(true);
      // From here it streams as usual: the next change is diffed against the ready keyframe.
      stream.ack(1);
      page.paint(5, 0x0000ffff);
      stream.markDirty();
      await rest();
      expect(sent).to.have.length(2);
      expect(parse(sent[1]).header.keyframe).to.equal(false);
      expect(applyFrame(device, sent[1]).data.equals(page.img.data)).to.equal(true);
    });

    /** Paused and preparing, one keyframe built; then a change whose capture is under way when the device attaches. */
    async function attachDuringCapture(): Promise<void> {
      stream.pause();
      stream.prepareWhilePaused(true);
      await rest();
      page.paint(7, 0xffffffff);
      stream.markDirty();
      stream.resume();
    }

    it('a device that attaches during a capture of a change gets that capture as its first frame', async () => {
      await attachDuringCapture();
      await rest();
      expect(page.captures).to.equal(2);
      expect(sent).to.have.length(1);
      expect(applyFrame(blank(64, 32), sent[0]).data.equals(page.img.data)).to.equal(true);
    });

    it('a change while that capture runs makes it stale: the device gets a new one; a later drop does not prepare', async () => {
      await attachDuringCapture();
      page.paint(9, 0x123456ff);
      stream.markDirty();
      await rest();
      expect(page.captures).to.equal(3);
      expect(sent).to.have.length(1);
      expect(applyFrame(blank(64, 32), sent[0]).data.equals(page.img.data)).to.equal(true);
      // A device resuming after a drop gets an ordinary keyframe: nothing is captured while it is away.
      stream.pause();
      page.paint(8, 0xffffffff);
      stream.markDirty();
      await rest();
      expect(page.captures).to.equal(3);
    });

    it('a kept keyframe a capture superseded at attach is never sent later: a device back from a drop gets the page as it is', async () => {
      await attachDuringCapture();
      page.paint(9, 0x123456ff);
      stream.markDirty();
      await rest();
      expect(sent).to.have.length(1);
      stream.ack(1);
      stream.pause();
      stream.resume();
      await rest();
      expect(sent).to.have.length(2);
      expect(parse(sent[1]).header.keyframe).to.equal(true);
      expect(applyFrame(blank(64, 32), sent[1]).data.equals(page.img.data)).to.equal(true);
    });
  });

  it('rejects acks for frames that are not in flight', async () => {
    stream.markDirty();
    await rest();
    expect(stream.ack(5)).to.equal(false);
    expect(stream.ack(1)).to.equal(true);
    expect(painted.map((p) => p.frame)).to.deep.equal([1]);
    expect(stream.ack(1)).to.equal(false);
  });

  it('restarts the window with a keyframe on request, tolerating late acks of abandoned frames', async () => {
    stream.markDirty();
    await rest();
    page.paint(1, 0xffffffff);
    stream.markDirty();
    await rest();
    expect(stream.framesInFlight).to.equal(2);
    stream.requestKeyframe();
    await rest();
    expect(sent).to.have.length(3);
    const kf = parse(sent[2]);
    expect(kf.header.keyframe).to.equal(true);
    expect(kf.rects).to.have.length(1);
    // A late ack of an abandoned frame is no error, and nothing was painted by it.
    expect(stream.ack(1)).to.equal(true);
    expect(painted).to.have.length(0);
    // A second request before the recovery keyframe is acked changes nothing.
    stream.requestKeyframe();
    await rest();
    expect(sent).to.have.length(3);
    expect(stream.ack(3)).to.equal(true);
    expect(painted.map((p) => [p.frame, p.keyframe])).to.deep.equal([[3, true]]);
  });

  it('retries a failed capture and gives up with STRATUS_CAPTURE_FAILED', async () => {
    // The retry back-off is a timer: it is the subject here, so the clock is fake.
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      page.fail = 1;
      stream.markDirty();
      await rest();
      expect(sent).to.have.length(0);
      await clock.tickAsync(49);
      expect(page.captures).to.equal(1);
      await clock.tickAsync(1);
      await rest();
      expect(page.captures).to.equal(2);
      expect(sent).to.have.length(1);
      const errors: StratusError[] = [];
      stream.on('error', (e) => errors.push(e));
      stream.ack(1);
      page.fail = 10;
      page.paint(2, 0xffffffff);
      stream.markDirty();
      await clock.runAllAsync();
      await rest();
      expect(errors.map((e) => e.code)).to.deep.equal(['STRATUS_CAPTURE_FAILED']);
      // Three failures in a row: the first and two retries, then nothing more.
      expect(page.captures).to.equal(5);
      expect(clock.countTimers()).to.equal(0);
    } finally {
      clock.uninstall();
    }
  });
  describe('motion mode', () => {
    const area: Rect = { x: 16, y: 8, w: 160, h: 112 };
    let clock: ReturnType<typeof FakeTimers.install>;
    const encodings = (m: Buffer): number[] => parse(m).rects.map((r) => r.encoding);
    const ackAll = (): void => {
      stream.ack(parse(sent[sent.length - 1]).header.frame);
    };

    beforeEach(async () => {
      // The settle delay is the subject: the clock is fake.
      clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
      page.img = blank(256, 128);
      page.img.data.fill(0x20);
      stream.setDeviceEncodings(['png', 'jpeg']);
      stream.markDirty();
      await rest();
      ackAll();
    });
    afterEach(() => clock.uninstall());

    it('sends a changing photograph as JPEG, only its JPEG while it moves, and its exact pixels once it stands still', async () => {
      page.img = photo(page.img, area, 1);
      page.paint(0, 0xff0000ff); // a small flat change elsewhere stays PNG
      stream.markDirty();
      await rest();
      expect(encodings(sent[1])).to.deep.equal([ENCODINGS.jpeg, ENCODINGS.png]);
      expect(parse(sent[1]).rects[0]).to.include({ x: area.x, y: area.y, w: area.w, h: area.h });
      expect(stream.idle, 'lossy pixels on the device').to.equal(false);
      ackAll();
      const captures = page.captures;
      for (let i = 2; i <= 4; i++) {
        page.img = photo(page.img, area, i);
        stream.markDirty();
        await rest();
        ackAll();
      }
      expect(page.captures, 'whole-layer captures while moving').to.equal(captures);
      expect(sent.slice(2).map(encodings)).to.deep.equal([[ENCODINGS.jpeg], [ENCODINGS.jpeg], [ENCODINGS.jpeg]]);
      // Still for motionSettleMs: the exact pixels of the region follow, as PNG.
      await clock.tickAsync(99);
      expect(sent).to.have.length(5);
      await clock.tickAsync(1);
      await rest();
      expect(sent).to.have.length(6);
      const exact = parse(sent[5]);
      expect(exact.rects.every((r) => r.encoding === ENCODINGS.png)).to.equal(true);
      const covered = exact.rects.reduce((n, r) => n + r.w * r.h, 0);
      expect(covered).to.be.at.least(area.w * area.h);
      ackAll();
      expect(stream.idle).to.equal(true);
      expect(clock.countTimers()).to.equal(0);
    });

    it('sends the exact pixels at once when a JPEG capture finds the region as it was', async () => {
      page.img = photo(page.img, area, 1);
      stream.markDirty();
      await rest();
      ackAll();
      // Damage without change (an echo): the same JPEG, so the region is still.
      stream.markDirty();
      await rest();
      expect(sent).to.have.length(3);
      expect(encodings(sent[2]).every((e) => e === ENCODINGS.png)).to.equal(true);
      ackAll();
      expect(stream.idle).to.equal(true);
    });

    /** The area changes in two captures in a row: a motion, not a one-off change. */
    async function move(): Promise<void> {
      page.img = photo(page.img, area, 1);
      stream.markDirty();
      await rest();
      ackAll();
      page.img = photo(page.img, area, 5);
      stream.markDirty();
      await rest();
      ackAll();
    }

    it('looks at the whole layer for a key-down while a region moves', async () => {
      await move();
      const captures = page.captures;
      page.img = photo(page.img, area, 2);
      page.paint(2, 0x00ff00ff);
      await stream.holdForInput();
      stream.inputDelivered(7, true);
      await rest();
      // The key's frame: the moving region's JPEG, taken before anything else.
      const f = parse(sent[3]);
      expect(f.header.inputSeq).to.equal(7);
      expect(f.rects.map((r) => r.encoding)).to.deep.equal([ENCODINGS.jpeg]);
      ackAll();
      await rest();
      // Then the whole layer: the flat change elsewhere, and the region, still since, exactly.
      expect(page.captures).to.equal(captures + 1);
      const g = parse(sent[4]);
      expect(g.rects.map((r) => r.encoding).every((e) => e === ENCODINGS.png)).to.equal(true);
      expect(g.rects.some((r) => r.x <= 2 && r.x + r.w > 2 && r.y === 0)).to.equal(true);
      ackAll();
      expect(stream.idle).to.equal(true);
    });

    it("takes a key-down's first frame from the last region that moved, once it has settled, only when it changed", async () => {
      await move();
      stream.markDirty(); // the same pixels: settle at once
      await rest();
      ackAll();
      expect(stream.idle).to.equal(true);
      // A key that changes a flat pixel elsewhere only: the region's JPEG is the same, no frame from it.
      const lossy = page.lossyCaptures;
      page.paint(1, 0x0000ffff);
      await stream.holdForInput();
      stream.inputDelivered(3, true);
      await rest();
      expect(page.lossyCaptures).to.equal(lossy + 1);
      expect(encodings(sent[sent.length - 1])).to.deep.equal([ENCODINGS.png]);
      ackAll();
      // A key that moves the photograph: its JPEG first.
      page.img = photo(page.img, area, 2);
      await stream.holdForInput();
      stream.inputDelivered(4, true);
      await rest();
      const keyFrame = sent.find((m) => parse(m).header.inputSeq === 4) as Buffer;
      expect(encodings(keyFrame)).to.deep.equal([ENCODINGS.jpeg]);
    });

    it("takes no key-down's first frame from a region that changed once (a photograph under a focus ring that moved)", async () => {
      page.img = photo(page.img, area, 1);
      stream.markDirty();
      await rest();
      ackAll();
      stream.markDirty(); // the same pixels: settle at once
      await rest();
      ackAll();
      expect(stream.idle).to.equal(true);
      const lossy = page.lossyCaptures;
      page.img = photo(page.img, area, 2);
      await stream.holdForInput();
      stream.inputDelivered(3, true);
      await rest();
      const keyFrame = sent.find((m) => parse(m).header.inputSeq === 3) as Buffer;
      // The key's frame is the whole layer's; its changed photograph is lossy there, as any is.
      expect(page.lossyCaptures).to.equal(lossy + 1);
      expect(encodings(keyFrame)).to.deep.equal([ENCODINGS.jpeg]);
      expect(parse(keyFrame).header.frame).to.equal(parse(sent[sent.length - 1]).header.frame);
    });

    it('stays lossless for a device without JPEG, with motion "lossless", for flat UI and for anything with alpha', async () => {
      const flat = (): Rgba => {
        const img = { ...page.img, data: Buffer.from(page.img.data) };
        for (let y = area.y; y < area.y + area.h; y++) img.data.fill(0x80, (y * img.width + area.x) * 4, (y * img.width + area.x + area.w) * 4);
        return img;
      };
      const seeThrough = (): Rgba => {
        const img = photo(page.img, area, 9);
        img.data[(area.y * img.width + area.x) * 4 + 3] = 0x80;
        return img;
      };
      for (const [what, prepare] of [
        ['flat UI', () => flat()],
        ['a photograph with a translucent pixel', () => seeThrough()],
        ['a device without JPEG', () => (stream.setDeviceEncodings(['png']), photo(page.img, area, 3))]
      ] as const) {
        page.img = prepare();
        stream.markDirty();
        await rest();
        const last = sent[sent.length - 1];
        expect(encodings(last).every((e) => e === ENCODINGS.png), what).to.equal(true);
        expect(page.lossyCaptures, what).to.equal(0);
        stream.ack(parse(last).header.frame);
      }
      stream.stop();
      stream = new LayerStream(page, { sendFrame: (m) => sent.push(m) }, { ...OPTS, motion: 'lossless' });
      stream.setDeviceEncodings(['png', 'jpeg']);
      stream.markDirty();
      await rest();
      ackAll();
      page.img = photo(page.img, area, 4);
      stream.markDirty();
      await rest();
      expect(parse(sent[sent.length - 1]).header.keyframe).to.equal(false);
      expect(encodings(sent[sent.length - 1]).every((e) => e === ENCODINGS.png), 'motion "lossless"').to.equal(true);
      expect(page.lossyCaptures).to.equal(0);
    });
  });
  describe('copy rectangles', () => {
    /** Photographs 48 px apart in a 256x128 layer, scrolled up by `top`. */
    function rows(top: number): Rgba {
      let img = blank(256, 128);
      img.data.fill(0x20);
      for (let i = 0; i < 8; i++) {
        const y = 4 + i * 48 - top;
        if (y + 40 <= 0 || y >= 128) continue;
        const tile = photo(blank(200, 40), { x: 0, y: 0, w: 200, h: 40 }, i + 1);
        const data = Buffer.from(img.data);
        for (let row = Math.max(0, y); row < Math.min(128, y + 40); row++) tile.data.copy(data, (row * 256 + 20) * 4, (row - y) * 200 * 4, (row - y + 1) * 200 * 4);
        img = { width: 256, height: 128, data };
      }
      return img;
    }

    async function scroll(encodings: string[], copyRects = 'on'): Promise<{ first: Buffer; second: Buffer }> {
      stream = new LayerStream(page, { sendFrame: (m) => sent.push(m) }, { ...OPTS, copyRects });
      stream.setDeviceEncodings(encodings);
      page.img = rows(0);
      stream.markDirty();
      await rest();
      stream.ack(1);
      page.img = rows(30);
      stream.markDirty();
      await rest();
      return { first: sent[0], second: sent[1] };
    }

    it('moves content that scrolled and sends only the strip that came in, exactly', async () => {
      const { first, second } = await scroll(['png', 'jpeg', 'copy']);
      const f = parse(second);
      expect(f.rects[0].encoding).to.equal(ENCODINGS.copy);
      expect(second.readUInt16BE(f.rects[0].offset + 2) - f.rects[0].y).to.equal(30);
      // A frame with a copy carries no JPEG: the scrolled photographs are exact already.
      expect(f.rects.slice(1).every((r) => r.encoding === ENCODINGS.png)).to.equal(true);
      expect(applyFrame(applyFrame(blank(256, 128), first), second).data.equals(rows(30).data)).to.equal(true);
      expect(stream.counters.copyFrames).to.equal(1);
      expect(stream.idle).to.equal(false);
      stream.ack(2);
      expect(stream.idle, 'nothing lossy to follow').to.equal(true);
    });

    it('sends pixels to a device that does not list "copy", and with ui.copyRects off', async () => {
      for (const [encodings, setting] of [[['png', 'jpeg'], 'on'], [['png', 'jpeg', 'copy'], 'off']] as const) {
        sent = [];
        const { second } = await scroll([...encodings], setting);
        expect(parse(second).rects.map((r) => r.encoding)).to.not.include(ENCODINGS.copy);
        stream.stop();
      }
    });
  });
  describe('live motion', () => {
    const area: Rect = { x: 16, y: 8, w: 160, h: 112 };
    let clock: ReturnType<typeof FakeTimers.install>;
    let live: boolean[];
    let grey: Rgba;
    const last = (): ParsedFrame => parse(sent[sent.length - 1]);
    const ack = (): void => void stream.ack(last().header.frame);
    const jpeg = (name: string): Buffer => Buffer.from(`JPEG ${name}`);
    const payload = (m: Buffer, i = 0): string => {
      const r = parse(m).rects[i];
      return m.subarray(r.offset, r.offset + r.length).toString();
    };

    beforeEach(async () => {
      clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
      // An opaque layer, as a full-screen app draws it.
      grey = blank(256, 128);
      for (let o = 0; o < grey.data.length; o += 4) grey.data.writeUInt32BE(0x203040ff, o);
      page.img = grey;
      live = [];
      stream.on('live', (on) => live.push(on));
      stream.setDeviceEncodings(['png', 'jpeg', 'copy', 'kept']);
      stream.markDirty();
      await rest();
      ack();
      // A photograph changes: the layer goes live, and the screencast's frames will carry it.
      page.img = photo(grey, area, 1);
      stream.markDirty();
      await rest();
    });
    afterEach(() => clock.uninstall());

    /** Two live frames, then stillness: the motion ends and the exact layer goes out and is acked. */
    async function liveRun(): Promise<void> {
      stream.liveFrame(jpeg('a'), Date.now());
      ack();
      stream.liveFrame(jpeg('b'), Date.now());
      ack();
      await clock.tickAsync(100);
      await rest();
      ack();
    }

    it("sends the screencast's frames as whole-layer JPEGs at the device's pace, the newest only, then the exact layer", async () => {
      expect(live).to.deep.equal([true]);
      expect(sent, 'the capture that found the motion sends nothing').to.have.length(1);
      const captures = page.captures;
      stream.liveFrame(jpeg('a'), Date.now());
      stream.liveFrame(jpeg('b'), Date.now());
      stream.liveFrame(jpeg('c'), Date.now());
      stream.liveFrame(jpeg('d'), Date.now());
      stream.markDirty(); // damage while live captures nothing
      expect(sent, 'a window of 2').to.have.length(3);
      expect(parse(sent[1]).header.keep, 'the first keeps the exact layer').to.equal(true);
      expect(parse(sent[2]).header.keep).to.equal(false);
      expect(last().rects).to.have.length(1);
      expect(last().rects[0]).to.include({ x: 0, y: 0, w: 256, h: 128, encoding: ENCODINGS.jpeg });
      expect([payload(sent[1]), payload(sent[2])]).to.deep.equal(['JPEG a', 'JPEG b']);
      ack();
      expect(sent).to.have.length(4);
      expect(payload(sent[3]), 'the newest, c skipped').to.equal('JPEG d');
      ack();
      expect(page.captures).to.equal(captures);
      expect(stream.idle).to.equal(false);
      // No frame for motionSettleMs: the motion stopped; the whole layer follows, exact.
      await clock.tickAsync(100);
      await rest();
      expect(live).to.deep.equal([true, false]);
      expect(page.captures).to.equal(captures + 1);
      // The layer kept at the start comes back whole; the photograph that appeared since is sent exactly.
      const [restore, ...exact] = last().rects;
      expect(restore).to.include({ x: 0, y: 0, w: 256, h: 128, encoding: ENCODINGS.kept });
      expect(exact.every((r) => r.encoding === ENCODINGS.png)).to.equal(true);
      expect(exact.reduce((n, r) => n + r.w * r.h, 0)).to.equal(area.w * area.h);
      ack();
      expect(stream.idle).to.equal(true);
      expect(stream.counters.liveFrames).to.equal(3);
    });

    it('brings back what only moved during the motion from the kept layer, and stays exact', async () => {
      await liveRun();
      // The photograph is exact on the device. A key: live at once, and the device keeps that layer.
      await stream.holdForInput();
      stream.inputDelivered(3, true);
      stream.liveFrame(jpeg('c'), Date.now());
      expect(last().header.keep).to.equal(true);
      ack();
      // The photograph slid 24 px right by the end of the motion.
      page.img = photo(grey, { ...area, x: area.x + 24 }, 1);
      await clock.tickAsync(100);
      await rest();
      const f = last();
      // The kept layer whole, then the photograph moved within it, then the strip it uncovered.
      expect(f.rects.slice(0, 2).map((r) => r.encoding)).to.deep.equal([ENCODINGS.kept, ENCODINGS.kept]);
      expect(f.rects.slice(2).every((r) => r.encoding === ENCODINGS.png)).to.equal(true);
      const exactArea = f.rects.slice(2).reduce((n, r) => n + r.w * r.h, 0);
      expect(exactArea, 'only what the slide does not explain').to.be.below((area.w * area.h) / 2);
      // The device kept the layer with the photograph where it was; its live JPEGs are all replaced.
      const kept = photo(grey, area, 1);
      expect(applyFrame(kept, sent[sent.length - 1], kept).data.equals(page.img.data)).to.equal(true);
    });

    it('a key-down while live waits for its paint: the motion does not end before the page could show it', async () => {
      stream.liveSwitched();
      await clock.tickAsync(60);
      // The key's motion starts later than the switch: its first frame comes 250 ms after the key.
      await stream.holdForInput();
      stream.inputDelivered(4, true);
      await clock.tickAsync(250);
      expect(live, 'still live, past motionSettleMs').to.deep.equal([true]);
      stream.liveFrame(jpeg('the key moves the row'), Date.now());
      expect(stream.counters.liveFrames).to.equal(1);
      expect(last().header.inputSeq).to.equal(4);
      // Frames then set the pace: no frame for motionSettleMs (and twice the last gap) ends it.
      await clock.tickAsync(600);
      await rest();
      expect(live).to.deep.equal([true, false]);
    });

    it('claims for each live frame the key-downs delivered before it was taken', async () => {
      await stream.holdForInput();
      stream.inputDelivered(5, true);
      stream.liveFrame(jpeg('before the key'), Date.now() - 1000);
      expect(last().header.inputSeq).to.be.below(5);
      ack();
      stream.liveFrame(jpeg('after the key'), Date.now() + 1);
      expect(last().header.inputSeq).to.equal(5);
    });

    it('goes live at once for a key-down after a live motion, and a key that changed nothing still gets its frame', async () => {
      await liveRun();
      expect(live).to.deep.equal([true, false]);
      const captures = page.captures;
      await stream.holdForInput();
      stream.inputDelivered(9, true);
      expect(live).to.deep.equal([true, false, true]);
      expect(page.captures).to.equal(captures);
      // Not before the screencast has switched to JPEG (a frame could not have come yet).
      await clock.tickAsync(500);
      expect(live).to.deep.equal([true, false, true]);
      stream.liveSwitched();
      // The key changed nothing: no screencast frame. Once the page has had time to paint a key
      // (twice keyPaintWaitMs before any was measured), one capture reports it painted.
      await clock.tickAsync(250);
      expect(live, 'still waiting for the key').to.deep.equal([true, false, true]);
      await clock.tickAsync(50);
      await rest();
      expect(live).to.deep.equal([true, false, true, false]);
      expect(last().header.inputSeq).to.equal(9);
      expect(last().rects).to.have.length(0);
    });

    it("the page's word that came before a key's first frame ends the motion once that frame is sent: its exact capture follows", async () => {
      await liveRun();
      await stream.holdForInput();
      const at = Date.now();
      stream.inputDelivered(9, true, null, at);
      stream.liveSwitched();
      // The key's change alone: the page says it is still before the screencast's frame of it comes.
      stream.pageStill(true);
      expect(live).to.deep.equal([true, false, true]);
      const captures = page.captures;
      const ended = stream.counters.liveEndedAtLastStep;
      await clock.tickAsync(1);
      const n = sent.length;
      stream.liveFrame(jpeg('key 9'), Date.now());
      await rest();
      expect(live, 'over without waiting for stillness').to.deep.equal([true, false, true, false]);
      expect(stream.counters.liveEndedAtLastStep).to.equal(ended + 1);
      expect(payload(sent[n])).to.equal('JPEG key 9');
      expect(page.captures, 'the exact capture').to.equal(captures + 1);
      expect(sent).to.have.length(n + 2);
      expect(last().rects.every((r) => r.encoding !== ENCODINGS.jpeg)).to.equal(true);
    });

    it("a screencast switch made for a motion that has ended is not the next one's", async () => {
      const first = stream.liveMotion;
      await liveRun();
      await stream.holdForInput();
      stream.inputDelivered(9, true);
      expect(live).to.deep.equal([true, false, true]);
      // The first motion's switch is told late, after the next motion started.
      stream.liveSwitched(first);
      await clock.tickAsync(400);
      await rest();
      expect(live, "the key's motion waits for its own switch").to.deep.equal([true, false, true]);
      stream.liveSwitched(stream.liveMotion);
      await clock.tickAsync(400);
      await rest();
      expect(live, 'then ends as a key that changed nothing').to.deep.equal([true, false, true, false]);
      expect(last().header.inputSeq).to.equal(9);
    });

    it('keeps the screencast ready after a live motion with a frame, and a key the page saw change nothing is captured, not live', async () => {
      const ready: boolean[] = [];
      stream.on('ready', (on) => ready.push(on));
      stream.liveSwitched();
      stream.liveFrame(jpeg('one frame'), Date.now());
      ack();
      await clock.tickAsync(200);
      await rest();
      ack();
      expect(live).to.deep.equal([true, false]);
      expect(ready, 'one live frame is motion enough').to.deep.equal([true]);
      // A key past the end of the carousel: the page saw nothing change, so it is captured at once.
      const captures = page.captures;
      await stream.holdForInput();
      stream.inputDelivered(5, true, null, Date.now(), { still: true, moving: false });
      await rest();
      expect(live).to.deep.equal([true, false]);
      expect(page.captures).to.equal(captures + 1);
      expect(last().header.inputSeq).to.equal(5);
      ack();
      // Still ready: the next key that changes something goes live at once.
      expect(ready).to.deep.equal([true]);
      await stream.holdForInput();
      stream.inputDelivered(6, true, null, Date.now(), { still: false, moving: false });
      expect(live).to.deep.equal([true, false, true]);
      expect(ready, 'moot while live').to.deep.equal([true, false]);
    });

    it('waits for a live key-down\'s first frame as long as live frames took to show keys, not captures', async () => {
      await liveRun();
      // A key that went live at once shows in its first frame 40 ms later (the fake clock leaves
      // Date alone: the key is dated 40 ms back instead).
      await stream.holdForInput();
      stream.inputDelivered(7, true, null, Date.now() - 40);
      stream.liveSwitched();
      stream.liveFrame(jpeg('the key'), Date.now());
      ack();
      // Its motion ends after twice that (and whatever this machine took meanwhile, on the real Date).
      await clock.tickAsync(600);
      await rest();
      ack();
      expect(live).to.deep.equal([true, false, true, false]);
      // A key the page saw change nothing is captured, and its capture took 900 ms.
      await stream.holdForInput();
      stream.inputDelivered(8, true, null, Date.now() - 900, { still: true, moving: false });
      await rest();
      expect(last().header.inputSeq).to.equal(8);
      ack();
      // The next key changes nothing on screen after all: live ends after the page's live pace
      // (twice 40 ms, at least motionSettleMs), not after twice that capture's time (1 800 ms).
      // The 40 ms are measured with the real Date, so they include whatever this machine took
      // between the key's delivery and its frame: the end is looked for well before 1 800 ms,
      // not at 100.
      await stream.holdForInput();
      stream.inputDelivered(9, true);
      stream.liveSwitched();
      await clock.tickAsync(99);
      expect(live).to.deep.equal([true, false, true, false, true]);
      await clock.tickAsync(401);
      await rest();
      expect(live).to.deep.equal([true, false, true, false, true, false]);
    });

    it('sends the change exactly when the motion was over before its first live frame, then goes live at the next key-down', async () => {
      expect(live).to.deep.equal([true]);
      const captures = page.captures;
      // The screencast switched, but the page was already still: no frame comes.
      stream.liveSwitched();
      await clock.tickAsync(100);
      await rest();
      expect(live, 'not live again').to.deep.equal([true, false]);
      expect(page.captures).to.equal(captures + 1);
      const f = last();
      expect(f.rects.length).to.be.above(0);
      expect(f.rects.every((r) => r.encoding === ENCODINGS.png), 'exact, no JPEG region').to.equal(true);
      expect(applyFrame(grey, sent[sent.length - 1], grey).data.equals(page.img.data)).to.equal(true);
      ack();
      expect(stream.idle).to.equal(true);
      // The layer moves on keys, and the switch was too slow: the next key-down goes live at once.
      const before = page.captures;
      await stream.holdForInput();
      stream.inputDelivered(7, true);
      expect(live).to.deep.equal([true, false, true]);
      expect(page.captures).to.equal(before);
      // That key moved nothing: it gets its frame, and the key after it is captured as usual.
      stream.liveSwitched();
      await clock.tickAsync(300);
      await rest();
      expect(live).to.deep.equal([true, false, true, false]);
      expect(last().header.inputSeq).to.equal(7);
      ack();
      await stream.holdForInput();
      stream.inputDelivered(8, true);
      await rest();
      expect(live).to.deep.equal([true, false, true, false]);
      expect(page.captures).to.be.above(before + 1);
    });

    it("sends no frame the screencast took between motions, even while live: it only shows the page's newest look", async () => {
      const before = sent.length;
      stream.liveFrame(jpeg('between motions'), Date.now(), false);
      await rest();
      expect(sent.length).to.equal(before);
      stream.liveFrame(jpeg('live'), Date.now());
      await rest();
      expect(payload(sent[sent.length - 1])).to.equal('JPEG live');
    });

    it('ends live for a keyframe request, and never goes live over a video hole', async () => {
      stream.liveFrame(jpeg('a'), Date.now());
      ack();
      stream.requestKeyframe();
      await rest();
      expect(live).to.deep.equal([true, false]);
      expect(last().header.keyframe).to.equal(true);
      stream.liveFrame(jpeg('late'), Date.now());
      expect(payload(sent[sent.length - 1])).to.not.equal('JPEG late');
      ack();
      // A video hole on the layer (cut transparent in every capture): the photograph moves as a region, not live.
      const hole = { x: 200, y: 100, w: 16, h: 16 };
      stream.useHoles({ generation: 0, snapshot: () => [hole], cut: async (img: Rgba) => img } as unknown as HoleCutter);
      page.img = photo(page.img, area, 2);
      stream.markDirty();
      await rest();
      expect(last().rects[0].encoding).to.equal(ENCODINGS.jpeg);
      expect(live).to.deep.equal([true, false]);
    });
  });
  /** A stream with `opts` whose opaque layer has just shown a photograph change (it goes live); `live` gets each switch. */
  async function liveStream(opts: Partial<typeof OPTS>, live: boolean[] = []): Promise<void> {
    stream = new LayerStream(page, { sendFrame: (m) => sent.push(m) }, { ...OPTS, window: 8, ...opts });
    stream.on('live', (on) => live.push(on));
    stream.setDeviceEncodings(['png', 'jpeg']);
    page.img = blank(256, 128);
    for (let o = 0; o < page.img.data.length; o += 4) page.img.data.writeUInt32BE(0x203040ff, o);
    stream.markDirty();
    await rest();
    page.img = photo(page.img, { x: 16, y: 8, w: 160, h: 112 }, 1);
    stream.markDirty();
    await rest();
  }

  it('is ready for live motion from a first layer that is one photograph: its first key-down goes live at once', async () => {
    for (const whole of [true, false]) {
      stream.stop();
      stream = new LayerStream(page, { sendFrame: (m) => sent.push(m) }, OPTS);
      const live: boolean[] = [];
      const ready: boolean[] = [];
      stream.on('live', (on) => live.push(on));
      stream.on('ready', (on) => ready.push(on));
      stream.setDeviceEncodings(['png', 'jpeg']);
      const grey = blank(256, 128);
      for (let o = 0; o < grey.data.length; o += 4) grey.data.writeUInt32BE(0x203040ff, o);
      // A full-screen picture, or a small one on a flat UI.
      page.img = photo(grey, whole ? { x: 0, y: 0, w: 256, h: 128 } : { x: 16, y: 8, w: 64, h: 32 }, 1);
      stream.markDirty();
      await rest();
      expect(ready, `whole: ${whole}`).to.deep.equal(whole ? [true] : []);
      const captures = page.captures;
      await stream.holdForInput();
      stream.inputDelivered(1, true);
      expect(live, `whole: ${whole}`).to.deep.equal(whole ? [true] : []);
      await rest();
      expect(page.captures, `whole: ${whole}`).to.equal(whole ? captures : captures + 1);
    }
  });

  it('sends live frames at motionMaxFps at most, the newest when a slot comes; a frame late on its slot lets the next come half a slot early', async () => {
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      await liveStream({ motionMaxFps: 10, motionSettleMs: 1000 });
      const body = (m: Buffer): string => {
        const r = parse(m).rects[0];
        return m.subarray(r.offset, r.offset + r.length).toString();
      };
      stream.liveFrame(Buffer.from('JPEG 1'), Date.now());
      stream.liveFrame(Buffer.from('JPEG 2'), Date.now());
      stream.liveFrame(Buffer.from('JPEG 3'), Date.now());
      expect(sent.map(body).slice(1)).to.deep.equal(['JPEG 1']);
      // Due at 100 ms: half a slot early at most.
      await clock.tickAsync(49);
      expect(sent).to.have.length(2);
      await clock.tickAsync(1);
      expect(sent.map(body).slice(1)).to.deep.equal(['JPEG 1', 'JPEG 3']);
      // That one was early: the next is due a slot after its due time (200 ms), so at 150.
      stream.liveFrame(Buffer.from('JPEG 4'), Date.now());
      await clock.tickAsync(99);
      expect(sent).to.have.length(3);
      await clock.tickAsync(1);
      expect(sent.map(body).slice(3)).to.deep.equal(['JPEG 4']);
      // Late: nothing came until 330 ms. It goes at once, and the one after may come at 380, not 430.
      await clock.tickAsync(180);
      stream.liveFrame(Buffer.from('JPEG 5'), Date.now());
      expect(sent.map(body).slice(4)).to.deep.equal(['JPEG 5']);
      await clock.tickAsync(10);
      stream.liveFrame(Buffer.from('JPEG 6'), Date.now());
      await clock.tickAsync(39);
      expect(sent).to.have.length(5);
      await clock.tickAsync(1);
      expect(sent.map(body).slice(5)).to.deep.equal(['JPEG 6']);
      // A frame every 10 ms for two seconds: 10 a second, the half slot ahead aside.
      const before = sent.length;
      for (let i = 0; i < 200; i++) {
        stream.liveFrame(Buffer.from(`JPEG x${i}`), Date.now());
        await clock.tickAsync(10);
        // A device that paints at once: the window never holds a frame back.
        stream.ack(parse(sent[sent.length - 1]).header.frame);
      }
      expect(sent.length - before).to.be.within(20, 21);
    } finally {
      stream.stop();
      clock.uninstall();
    }
  });

  it("counts motionMaxFps's slots from when a live frame's making began, not from when it was sent", async () => {
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      await liveStream({ motionMaxFps: 10, motionSettleMs: 1000 });
      // Cutting each frame takes 60 ms of the 100 ms slot.
      const crop = (stream as unknown as { liveFrames: { crop: LiveCrop } }).liveFrames.crop;
      const cut = crop.next.bind(crop);
      crop.next = (...args: Parameters<LiveCrop['next']>) => {
        clock.tick(60);
        return cut(...args);
      };
      // A new frame every 20 ms (and the cuts' 60 ms): 10 a second still (from the cuts' ends, 6).
      const before = sent.length;
      const from = performance.now();
      for (let i = 0; i < 100; i++) {
        stream.liveFrame(Buffer.from(`JPEG ${i}`), Date.now());
        await clock.tickAsync(20);
        stream.ack(parse(sent[sent.length - 1]).header.frame);
      }
      const slots = (performance.now() - from) / 100;
      expect(sent.length - before).to.be.within(slots - 1, slots + 1.5);
    } finally {
      stream.stop();
      clock.uninstall();
    }
  });

  it("counts a live motion still after twice the page's own interval between frames, when it paints slower than motionSettleMs", async () => {
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const live: boolean[] = [];
      await liveStream({ motionSettleMs: 100 }, live);
      expect(live).to.deep.equal([true]);
      // A loaded browser: the switch took 250 ms, so the first frame may take as long.
      await clock.tickAsync(250);
      stream.liveSwitched();
      await clock.tickAsync(200);
      expect(live, 'still waiting for the first frame').to.deep.equal([true]);
      stream.liveFrame(Buffer.from('JPEG 1'), Date.now());
      // The page paints every 150 ms: 200 ms without a frame is not stillness yet.
      await clock.tickAsync(150);
      stream.liveFrame(Buffer.from('JPEG 2'), Date.now());
      await clock.tickAsync(200);
      expect(live).to.deep.equal([true]);
      stream.liveFrame(Buffer.from('JPEG 3'), Date.now());
      // Twice the last interval (200 ms) without a frame: still, and the exact layer follows.
      await clock.tickAsync(400);
      await rest();
      expect(live).to.deep.equal([true, false]);
      expect(stream.counters.liveFrames).to.equal(3);
    } finally {
      stream.stop();
      clock.uninstall();
    }
  });

  describe('pixels mode (screencast frames as the layer)', () => {
    let clock: ReturnType<typeof FakeTimers.install>;
    const last = (): ParsedFrame => parse(sent[sent.length - 1]);
    const ack = (): void => void stream.ack(last().header.frame);
    /** The page's screencast frame of what it shows now (the fake's pixels need no premultiplying). */
    const frameNow = (): void => stream.screencastShot(encodePngRect(page.img, 0, 0, page.img.width, page.img.height, 1), Date.now());

    beforeEach(async () => {
      clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
      const grey = blank(64, 32);
      for (let o = 0; o < grey.data.length; o += 4) grey.data.writeUInt32BE(0x203040ff, o);
      page.img = grey;
      stream.useShots(true);
      stream.markDirty();
      await rest();
      ack();
      // The first frame has nothing before it to be diffed with: it is taken in, and a capture checks.
      frameNow();
      await rest();
      if (stream.framesInFlight > 0) ack();
    });
    afterEach(() => clock.uninstall());

    it('counts the first frame, with nothing before it to be diffed with, as unread: its capture is a check', async () => {
      expect(stream.counters.unreadShots).to.equal(1);
      // The next frame of the same page has a reference: read, with no change and no capture.
      const captures = page.captures;
      await clock.tickAsync(20);
      frameNow();
      await rest();
      expect(stream.counters.unreadShots).to.equal(1);
      expect(page.captures).to.equal(captures);
    });

    it('checks the layer when a capture put a change on the device that the next frame does not show (the page undid it)', async () => {
      // A capture (here a damage signal's) shows the focus moved...
      page.paint(3, 0xff0000ff);
      stream.markDirty();
      await rest();
      ack();
      expect(last().rects.map((r) => r.x)).to.include(3);
      const n = sent.length;
      // ...and the page moves it back before its next frame, which then equals the one before.
      await clock.tickAsync(20);
      page.paint(3, 0x203040ff);
      frameNow();
      await rest();
      if (stream.framesInFlight > 0) ack();
      await rest();
      expect(stream.counters.confirmChecks).to.equal(1);
      const back = sent.slice(n).map((m) => parse(m).rects.map((r) => r.x));
      expect(back.flat(), 'the undo reaches the device').to.include(3);
      if (stream.framesInFlight > 0) ack();
      expect(stream.idle).to.equal(true);
    });

    it('needs no check when the next frame shows the capture\'s change', async () => {
      page.paint(3, 0xff0000ff);
      stream.markDirty();
      await rest();
      ack();
      const captures = page.captures;
      await clock.tickAsync(20);
      page.paint(4, 0x00ff00ff);
      page.paint(3, 0x00ff00ff);
      frameNow();
      await rest();
      expect(stream.counters.confirmChecks).to.equal(0);
      expect(page.captures).to.equal(captures);
    });

    it('takes an opaque change from the frame, with no capture', async () => {
      const captures = page.captures;
      page.paint(3, 0xff0000ff);
      frameNow();
      await rest();
      expect(page.captures).to.equal(captures);
      expect(last().rects.map((r) => [r.x, r.y, r.w, r.h])).to.deep.equal([[3, 0, 1, 1]]);
      expect(stream.counters.shotFrames).to.equal(1);
    });

    it('captures a translucent change, which a frame cannot vouch for', async () => {
      const captures = page.captures;
      page.paint(5, 0x11223380);
      frameNow();
      await rest();
      expect(page.captures).to.equal(captures + 1);
      expect(stream.counters.shotCaptures).to.equal(1);
      expect(last().rects.map((r) => [r.x, r.w])).to.deep.equal([[5, 1]]);
    });

    it('checks a burst of changed frames with one capture once they stop', async () => {
      page.paint(1, 0xff0000ff);
      frameNow();
      await rest();
      ack();
      await clock.tickAsync(20);
      page.paint(2, 0x00ff00ff);
      frameNow();
      await rest();
      ack();
      const captures = page.captures;
      expect(stream.idle).to.equal(false);
      await clock.tickAsync(100);
      await rest();
      expect(stream.counters.burstChecks).to.equal(1);
      expect(page.captures).to.equal(captures + 1);
      expect(stream.idle).to.equal(true);
    });

    it('paints a key-down no frame claims after keyPaintWaitMs, with a capture', async () => {
      await stream.holdForInput();
      const captures = page.captures;
      stream.inputDelivered(7, true);
      await rest();
      expect(page.captures).to.equal(captures);
      expect(stream.idle).to.equal(false);
      await clock.tickAsync(150);
      await rest();
      expect(stream.counters.keyChecks).to.equal(1);
      expect(last().header.inputSeq).to.equal(7);
      expect(last().rects).to.have.length(0);
    });

    it('claims a key-down for the first frame taken after the page took it', async () => {
      await stream.holdForInput();
      stream.inputDelivered(9, true);
      await clock.tickAsync(5);
      page.paint(4, 0xffffffff);
      frameNow();
      await rest();
      expect(last().header.inputSeq).to.equal(9);
      ack();
      await clock.tickAsync(150);
      await rest();
      expect(stream.counters.keyChecks).to.equal(0);
    });
  });
});
