import { expect } from 'chai';
import { Display } from '../src/display';
import { AppliedFrame } from '../src/display';
import { ENCODINGS } from '@stratus/protocol';
import { FakeCanvas, frame, ManualDecoders } from './fakes';

describe('stb-client/display', () => {
  let canvas: FakeCanvas;
  let decoders: ManualDecoders;
  let display: Display;
  let applied: AppliedFrame[];
  let broken: string[];

  beforeEach(() => {
    canvas = new FakeCanvas();
    decoders = new ManualDecoders();
    display = new Display(canvas as unknown as HTMLCanvasElement, decoders.table);
    applied = [];
    broken = [];
    display.onapplied = (f) => applied.push(f);
    display.onbroken = (reason) => broken.push(reason);
  });

  it('applies frames whole and in arrival order, whatever order their tiles decode in', () => {
    display.push(frame(1, true, [{ name: 'a', x: 0, y: 0 }, { name: 'b', x: 4, y: 0 }]));
    display.push(frame(2, false, [{ name: 'c', x: 8, y: 0 }]));
    // The second frame decodes first, then half of the first: nothing may show yet.
    decoders.finish('c');
    decoders.finish('b');
    expect(canvas.ops).to.deep.equal([]);
    expect(applied).to.have.length(0);
    expect(display.pending).to.equal(2);
    decoders.finish('a');
    expect(canvas.ops).to.deep.equal(['clear 0,0,64,32', 'clear 0,0,4,4', 'draw a at 0,0', 'clear 4,0,4,4', 'draw b at 4,0', 'clear 8,0,4,4', 'draw c at 8,0']);
    expect(applied.map((f) => [f.header.frame, f.painted])).to.deep.equal([[1, true], [2, true]]);
    expect(display.pending).to.equal(0);
    // Every decoded image is given back once drawn.
    expect(decoders.released.sort()).to.deep.equal(['a', 'b', 'c']);
  });

  it('applies JPEG and PNG rectangles of one frame together, in order, fitting a lossy one a pixel off its place', () => {
    display.push(frame(1, true, [{ name: 'photo', x: 0, y: 0, encoding: ENCODINGS.jpeg }, { name: 'ring', x: 4, y: 0 }]));
    decoders.finish('ring', { width: 4, height: 4 });
    expect(canvas.ops).to.deep.equal([]);
    decoders.finish('photo', { width: 5, height: 4 });
    expect(canvas.ops).to.deep.equal(['clear 0,0,64,32', 'clear 0,0,4,4', 'draw photo at 0,0 as 4x4', 'clear 4,0,4,4', 'draw ring at 4,0']);
    expect(applied.map((f) => f.painted)).to.deep.equal([true]);
  });

  it('moves pixels for a copy rectangle through a scratch canvas, in order with the frame\'s images', () => {
    const ops = canvas.ops;
    display = new Display(canvas as unknown as HTMLCanvasElement, decoders.table, () => new FakeCanvas('scratch', ops) as unknown as HTMLCanvasElement);
    display.onapplied = (f) => applied.push(f);
    display.push(frame(1, true, [{ name: 'a', x: 0, y: 0 }]));
    decoders.finish('a');
    ops.length = 0;
    // Content scrolled up by 8: rows 8..31 move to 0..23, then the strip that came in.
    display.push(frame(2, false, [{ name: 'copy', x: 0, y: 0, w: 64, h: 24, encoding: ENCODINGS.copy, payload: [0, 0, 0, 8] }, { name: 'strip', x: 0, y: 24 }]));
    expect(ops).to.deep.equal([]);
    decoders.finish('strip');
    expect(ops).to.deep.equal([
      'scratch: clear 0,0,64,24',
      'scratch: draw layer 0,8 64x24 at 0,0 as 64x24',
      'clear 0,0,64,24',
      'draw scratch 0,0 64x24 at 0,0 as 64x24',
      'clear 0,24,4,4',
      'draw strip at 0,24'
    ]);
    expect(applied.map((f) => f.painted)).to.deep.equal([true, true]);
  });

  it('keeps the layer for a frame flagged keep, and copies kept rectangles from it', () => {
    const ops = canvas.ops;
    display = new Display(canvas as unknown as HTMLCanvasElement, decoders.table, () => new FakeCanvas('kept', ops) as unknown as HTMLCanvasElement);
    display.onapplied = (f) => applied.push(f);
    display.onbroken = (reason) => broken.push(reason);
    display.push(frame(1, true, [{ name: 'a', x: 0, y: 0 }]));
    decoders.finish('a');
    // A kept rectangle before any layer was kept: a bad frame.
    display.push(frame(2, false, [{ name: 'k', x: 0, y: 0, encoding: ENCODINGS.kept, payload: [0, 0, 0, 0] }]));
    expect(broken).to.deep.equal(['no kept layer to copy from']);
    display.push(frame(3, true, [{ name: 'b', x: 0, y: 0 }]));
    decoders.finish('b');
    ops.length = 0;
    // Live motion starts: the layer is kept before the frame's JPEG covers it.
    display.push(frame(4, false, [{ name: 'live', x: 0, y: 0, encoding: ENCODINGS.jpeg }], 0, true));
    decoders.finish('live');
    expect(ops).to.deep.equal(['kept: clear 0,0,64,32', 'kept: draw layer at 0,0', 'clear 0,0,4,4', 'draw live at 0,0']);
    ops.length = 0;
    // The motion ends: the kept layer comes back, then a part of it moved 8 px right.
    display.push(frame(5, false, [{ name: 'all', x: 0, y: 0, w: 64, h: 32, encoding: ENCODINGS.kept, payload: [0, 0, 0, 0] }, { name: 'moved', x: 8, y: 0, w: 56, h: 32, encoding: ENCODINGS.kept, payload: [0, 0, 0, 0] }]));
    expect(ops).to.deep.equal(['clear 0,0,64,32', 'draw kept 0,0 64x32 at 0,0 as 64x32', 'clear 8,0,56,32', 'draw kept 0,0 56x32 at 8,0 as 56x32']);
    expect(applied.map((f) => f.painted)).to.deep.equal([true, false, true, true, true]);
    expect(broken).to.have.length(1);
  });

  it('stashes the layer under a rectangle in a cache slot once the frame has drawn it, and draws it back from there', () => {
    const ops = canvas.ops;
    display = new Display(canvas as unknown as HTMLCanvasElement, decoders.table, () => new FakeCanvas('tiles', ops) as unknown as HTMLCanvasElement);
    display.tileSlots = 1024;
    display.onapplied = (f) => applied.push(f);
    display.onbroken = (reason) => broken.push(reason);
    display.push(frame(1, true, [{ name: 'a', x: 0, y: 0 }]));
    decoders.finish('a');
    ops.length = 0;
    // Slot 33: the second row of the 32-column cache canvas, second column.
    display.push(frame(2, false, [{ name: 'ring', x: 8, y: 4 }, { name: 's', x: 8, y: 4, encoding: ENCODINGS.stash, payload: [0, 33] }, { name: 'c', x: 20, y: 4, encoding: ENCODINGS.cached, payload: [0, 33] }]));
    expect(ops).to.deep.equal([]);
    decoders.finish('ring');
    expect(ops).to.deep.equal([
      'clear 8,4,4,4',
      'draw ring at 8,4',
      'tiles: clear 64,64,64,64',
      'tiles: draw layer 8,4 4x4 at 64,64 as 4x4',
      'clear 20,4,4,4',
      'draw tiles 64,64 4x4 at 20,4 as 4x4'
    ]);
    ops.length = 0;
    display.push(frame(3, false, [{ name: 'c', x: 40, y: 20, encoding: ENCODINGS.cached, payload: [0, 33] }]));
    expect(ops).to.deep.equal(['clear 40,20,4,4', 'draw tiles 64,64 4x4 at 40,20 as 4x4']);
    ops.length = 0;
    // Slot 545: the second canvas of 512 slots, its slot 33.
    display.push(frame(4, false, [{ name: 's', x: 8, y: 4, encoding: ENCODINGS.stash, payload: [2, 33] }, { name: 'c', x: 0, y: 0, encoding: ENCODINGS.cached, payload: [2, 33] }]));
    expect(ops).to.deep.equal(['tiles: clear 64,64,64,64', 'tiles: draw layer 8,4 4x4 at 64,64 as 4x4', 'clear 0,0,4,4', 'draw tiles 64,64 4x4 at 0,0 as 4x4']);
    expect(broken).to.deep.equal([]);
    expect(applied.map((f) => f.painted)).to.deep.equal([true, true, true, true]);
  });

  it('drops a frame that draws a cache slot holding no tile of its size, or names a slot that does not exist', () => {
    display = new Display(canvas as unknown as HTMLCanvasElement, decoders.table, () => new FakeCanvas('tiles', canvas.ops) as unknown as HTMLCanvasElement);
    display.tileSlots = 512;
    display.onbroken = (reason) => broken.push(reason);
    display.push(frame(1, true, [{ name: 'a', x: 0, y: 0 }]));
    decoders.finish('a');
    display.push(frame(2, false, [{ name: 'c', x: 0, y: 0, encoding: ENCODINGS.cached, payload: [0, 5] }]));
    display.push(frame(3, true, [{ name: 'b', x: 0, y: 0 }, { name: 's', x: 0, y: 0, encoding: ENCODINGS.stash, payload: [0, 5] }]));
    decoders.finish('b');
    // Stashed 4x4: an 8x8 draw from it is wrong too.
    display.push(frame(4, false, [{ name: 'c', x: 0, y: 0, w: 8, h: 8, encoding: ENCODINGS.cached, payload: [0, 5] }]));
    display.push(frame(5, true, [{ name: 'd', x: 0, y: 0, encoding: ENCODINGS.stash, payload: [2, 0] }]));
    display.push(frame(6, true, [{ name: 'e', x: 0, y: 0, encoding: ENCODINGS.cached, payload: [5] }]));
    expect(broken).to.deep.equal(['cache slot 5 holds no 4x4 tile', 'cache slot 5 holds no 8x8 tile', 'cache slot 512 out of range', 'cache rectangle payload is 1 bytes, not 2']);
    // A new connection: what the old one stashed is gone.
    display.reset();
    display.push(frame(1, true, [{ name: 'c', x: 0, y: 0, encoding: ENCODINGS.cached, payload: [0, 5] }]));
    expect(broken[broken.length - 1]).to.equal('cache slot 5 holds no 4x4 tile');
  });

  it('draws a fade from the kept layer and a cache slot over its colour, tile by tile, and drops a fade it cannot draw', () => {
    const ops = canvas.ops;
    let made = 0;
    display = new Display(canvas as unknown as HTMLCanvasElement, decoders.table, () => new FakeCanvas(`c${made++}`, ops) as unknown as HTMLCanvasElement);
    display.tileSlots = 1024;
    display.onapplied = (f) => applied.push(f);
    display.onbroken = (reason) => broken.push(reason);
    const whole = { x: 0, y: 0, w: 64, h: 32 };
    // Weights 51 and 153 of 255, the rest (51) grey 20; slot 33 for the one tile.
    const fade = (slot: number[]) => ({ name: 'f', ...whole, encoding: ENCODINGS.fade, payload: [51, 153, 20, 20, 20, ...slot] });
    // No kept layer yet: nothing to fade from.
    display.push(frame(1, true, [{ name: 'a', ...whole }, fade([0, 33])]));
    decoders.finish('a');
    expect(broken).to.deep.equal(['no kept layer to fade from']);
    display.push(frame(2, true, [{ name: 'b', ...whole }, { name: 's', ...whole, encoding: ENCODINGS.stash, payload: [0, 33] }]));
    decoders.finish('b');
    ops.length = 0;
    // The motion's first frame keeps the layer, then draws the fade: the grey, the kept layer at
    // 51 / (51 + 51), the slot at 153 / 255.
    display.push(frame(3, false, [fade([0, 33])], 0, true));
    expect(ops).to.deep.equal([
      'c1: clear 0,0,64,32',
      'c1: draw layer at 0,0',
      'fill 0,0,64,32 rgb(20,20,20)',
      'draw c1 0,0 64x32 at 0,0 as 64x32 alpha 0.5',
      'draw c0 64,64 64x32 at 0,0 as 64x32 alpha 0.6'
    ]);
    expect(applied.map((f) => f.painted)).to.deep.equal([false, true, true]);
    // A slot that holds nothing, a payload for two tiles on a one-tile rectangle, a rectangle off
    // the grid, weights past 255: each frame is dropped, and a keyframe asked for.
    const cases: [Parameters<typeof frame>[2][number], string][] = [
      [fade([0, 34]), 'fade slot 34 holds no 64x32 tile'],
      [fade([0, 33, 0, 33]), 'fade rectangle does not match its 2 tiles'],
      [{ ...fade([0, 33]), x: 8, w: 56 }, 'fade rectangle does not match its 1 tiles'],
      [{ ...fade([0, 33]), payload: [200, 100, 0, 0, 0, 0, 33] }, 'fade weights sum past 255']
    ];
    for (const [rect, bad] of cases) {
      display.push(frame(4, true, [{ name: 'k', ...whole }]));
      decoders.finish('k');
      broken.length = 0;
      display.push(frame(5, false, [rect]));
      expect(broken, bad).to.deep.equal([bad]);
    }
  });

  it('drops a frame whose copy source lies outside the layer or whose copy payload is not 4 bytes', () => {
    display.push(frame(1, true, [{ name: 'a', x: 0, y: 0 }]));
    decoders.finish('a');
    display.push(frame(2, false, [{ name: 'copy', x: 0, y: 0, w: 64, h: 24, encoding: ENCODINGS.copy, payload: [0, 0, 0, 9] }]));
    expect(broken).to.deep.equal(['copy source outside the layer']);
    display.push(frame(3, true, [{ name: 'k', x: 0, y: 0 }]));
    decoders.finish('k');
    display.push(frame(4, false, [{ name: 'copy', x: 0, y: 0, encoding: ENCODINGS.copy, payload: [0, 0, 0] }]));
    expect(broken).to.deep.equal(['copy source outside the layer', 'copy rectangle payload is 3 bytes, not 4']);
    // A canvas smaller than the frame says (old browsers throw on a source outside the canvas).
    display.push(frame(5, true, [{ name: 'k2', x: 0, y: 0 }]));
    decoders.finish('k2');
    canvas.width = 32;
    display.push(frame(6, false, [{ name: 'copy', x: 0, y: 0, w: 8, h: 8, encoding: ENCODINGS.copy, payload: [0, 40, 0, 0] }]));
    expect(broken[broken.length - 1]).to.equal('copy source outside the layer');
    expect(applied.map((f) => f.painted)).to.deep.equal([true, false, true, false, true, false]);
    expect(canvas.ops.filter((o) => o.indexOf('draw layer') >= 0)).to.deep.equal([]);
  });

  it('drops a frame whose tile fails, asks once for a keyframe, and ignores deltas until it comes', () => {
    display.push(frame(1, true, [{ name: 'a', x: 0, y: 0 }]));
    decoders.finish('a');
    display.push(frame(2, false, [{ name: 'bad', x: 0, y: 0 }, { name: 'ok', x: 4, y: 0 }]));
    display.push(frame(3, false, [{ name: 'later', x: 8, y: 0 }]));
    decoders.finish('later');
    decoders.finish('ok');
    decoders.fail('bad');
    expect(broken).to.deep.equal(['image decode failed']);
    // Both still acknowledged (the server's window moves on), neither painted.
    expect(applied.map((f) => [f.header.frame, f.painted])).to.deep.equal([[1, true], [2, false], [3, false]]);
    expect(canvas.ops.filter((o) => o.startsWith('draw'))).to.deep.equal(['draw a at 0,0']);
    display.push(frame(4, true, [{ name: 'k', x: 0, y: 0 }]));
    decoders.finish('k');
    expect(applied[3]).to.deep.include({ painted: true });
    expect(canvas.ops.slice(-3)).to.deep.equal(['clear 0,0,64,32', 'clear 0,0,4,4', 'draw k at 0,0']);
    expect(broken).to.have.length(1);
  });

  it('asks again when the keyframe meant to restore it fails too', () => {
    display.push(frame(1, true, [{ name: 'a', x: 0, y: 0 }]));
    decoders.fail('a');
    display.push(frame(2, true, [{ name: 'b', x: 0, y: 0 }]));
    decoders.fail('b');
    expect(broken).to.have.length(2);
  });

  it('a frame that does not parse asks for a keyframe and is not acknowledged', () => {
    display.push(new ArrayBuffer(5));
    expect(broken).to.have.length(1);
    expect(applied).to.have.length(0);
  });

  it('after a reset, frames of the old connection are neither painted nor acknowledged, and their images are released', () => {
    display.push(frame(7, true, [{ name: 'old', x: 0, y: 0 }]));
    display.reset();
    decoders.finish('old');
    expect(applied).to.have.length(0);
    expect(decoders.released).to.deep.equal(['old']);
    display.push(frame(1, false, [{ name: 'delta', x: 0, y: 0 }]));
    decoders.finish('delta');
    expect(applied.map((f) => f.painted)).to.deep.equal([false]);
    display.push(frame(2, true, [{ name: 'key', x: 0, y: 0 }]));
    decoders.finish('key');
    expect(applied.map((f) => f.painted)).to.deep.equal([false, true]);
  });
});
