import { DEFAULTS } from '../../src/config';
import { hbbtvConfig } from '../../src/page/hbbtv-config';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { hintAnswer, hintRect } from '../../src/layer/damage-hint';
import { CLOUD_PAGE_BUNDLE, cloudPageScript } from '../../src/page/cloud-page-script';

describe('orchestrator/layer/damage-hint', () => {
  it('takes only a well-formed rectangle inside the layer from the page', () => {
    expect(hintRect([10, 20, 110, 70], 1280, 720)).to.deep.equal({ x: 10, y: 20, w: 100, h: 50 });
    for (const bad of [null, 'x', [1, 2, 3], [0, 0, 10.5, 10], [-1, 0, 10, 10], [0, 0, 1281, 10], [10, 10, 10, 20], [20, 10, 10, 20], { 0: 1 }]) {
      expect(hintRect(bad, 1280, 720), JSON.stringify(bad)).to.equal(null);
    }
  });

  it('takes the answer\'s report number and reason only when well-formed', () => {
    expect(hintAnswer({ seq: 7, rect: [0, 0, 10, 10] }, 1280, 720)).to.deep.equal({ rect: { x: 0, y: 0, w: 10, h: 10 }, seq: 7, why: '', word: { still: false, moving: false } });
    expect(hintAnswer({ seq: 3, rect: null, why: 'not-measured' }, 1280, 720)).to.deep.equal({ rect: null, seq: 3, why: 'not-measured', word: { still: false, moving: false } });
    // Only a plain true counts.
    expect(hintAnswer({ seq: 3, rect: null, why: 'x', still: true, moving: true }, 1280, 720).word).to.deep.equal({ still: true, moving: true });
    for (const v of [1, 'true', {}, null]) expect(hintAnswer({ seq: 3, rect: null, still: v, moving: v }, 1280, 720).word, String(v)).to.deep.equal({ still: false, moving: false });
    for (const bad of [null, 'x', { seq: -1 }, { seq: 1.5, why: 'a b' }, { seq: '2', why: 'x'.repeat(21) }, { why: 'Tree' }]) {
      const a = hintAnswer(bad, 1280, 720);
      expect([a.seq, a.why], JSON.stringify(bad)).to.deep.equal([0, 'malformed']);
    }
  });
});

describe('orchestrator/page/cloud-page-script', () => {
  // A script that does not parse would silently leave every page without KeyEvent, media or hints.
  it('wraps the built cloud page bundle into a script that parses, with the config as its parameter', () => {
    const bundle = readFileSync(CLOUD_PAGE_BUNDLE, 'utf8');
    const src = cloudPageScript({
      inbox: '__x',
      session: { sessionId: 's', device: { width: 1, height: 1, model: 'm' }, app: { id: 'a', width: 1, height: 1, scale: 1 }, mediaDevice: {} },
      media: null,
      damageHints: true, paint: null,
      hbbtv: hbbtvConfig(DEFAULTS.hbbtv, 'm')
    });
    expect(src).to.contain(bundle);
    expect(src).to.contain('"inbox":"__x"');
    expect(() => new Function(src)).to.not.throw();
  });
});
