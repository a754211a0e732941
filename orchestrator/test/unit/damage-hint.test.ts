import { expect } from 'chai';
import { DAMAGE_HINT_GLOBAL, damageHintScript } from '../../src/layer/damage-hint';

describe('orchestrator/layer/damage-hint', () => {
  // A script that does not parse would silently leave every key to a full capture.
  it('generates a page script that parses and defines its global', () => {
    const src = damageHintScript();
    expect(() => new Function(src)).to.not.throw();
    expect(src).to.contain(`'${DAMAGE_HINT_GLOBAL}'`);
  });
});
