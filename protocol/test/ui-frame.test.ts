import { expect } from 'chai';
import { parseFrame, ParsedFrame, writeFrameHeader, writeRectHeader, FRAME_HEADER_BYTES, RECT_HEADER_BYTES } from '../src/ui-frame';

function view(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

describe('protocol/ui-frame', () => {
  // A keyframe (flags 1), frame 7, inputSeq 3, layer 1280x720, one 2x1 png rectangle at (10,20)
  // with a 3-byte payload.
  const FIXTURE = '01' + '01' + '00000007' + '00000003' + '0500' + '02d0' + '0001' + '000a' + '0014' + '0002' + '0001' + '01' + '00000003' + 'aabbcc';

  it('parses the documented layout', () => {
    const f = parseFrame(view(Buffer.from(FIXTURE, 'hex'))) as ParsedFrame;
    expect(f.header).to.deep.equal({ keyframe: true, keep: false, frame: 7, inputSeq: 3, width: 1280, height: 720, rectCount: 1 });
    expect(f.rects).to.deep.equal([{ x: 10, y: 20, w: 2, h: 1, encoding: 1, length: 3, offset: FRAME_HEADER_BYTES + RECT_HEADER_BYTES }]);
  });

  it('carries the keep flag beside the keyframe flag', () => {
    const b = Buffer.from(FIXTURE, 'hex');
    writeFrameHeader(view(b), { keyframe: false, keep: true, frame: 7, inputSeq: 3, width: 1280, height: 720, rectCount: 1 });
    expect(b[1]).to.equal(2);
    expect((parseFrame(view(b)) as ParsedFrame).header).to.include({ keyframe: false, keep: true });
  });

  it('writes what it parses', () => {
    const b = Buffer.alloc(FRAME_HEADER_BYTES + RECT_HEADER_BYTES + 3);
    writeFrameHeader(view(b), { keyframe: true, frame: 7, inputSeq: 3, width: 1280, height: 720, rectCount: 1 });
    writeRectHeader(view(b), FRAME_HEADER_BYTES, { x: 10, y: 20, w: 2, h: 1, encoding: 1, length: 3 });
    Buffer.from('aabbcc', 'hex').copy(b, FRAME_HEADER_BYTES + RECT_HEADER_BYTES);
    expect(b.toString('hex')).to.equal(FIXTURE);
  });

  it('rejects truncated, oversized, misplaced and unknown frames with a reason', () => {
    const full = Buffer.from(FIXTURE, 'hex');
    expect(parseFrame(view(full.subarray(0, 10)))).to.match(/shorter than its header/);
    expect(parseFrame(view(full.subarray(0, 20)))).to.match(/header truncated/);
    expect(parseFrame(view(full.subarray(0, full.length - 1)))).to.match(/payload truncated/);
    expect(parseFrame(view(Buffer.concat([full, Buffer.from([0])])))).to.match(/trailing bytes/);
    const outside = Buffer.from(full);
    outside.writeUInt16BE(1279, 16); // x + w > width
    expect(parseFrame(view(outside))).to.match(/outside the layer/);
    const type = Buffer.from(full);
    type[0] = 9;
    expect(parseFrame(view(type))).to.match(/unknown frame type/);
  });
});
