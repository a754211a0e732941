import { expect } from 'chai';
import { check } from '../src/schema';
import { TO_ORCHESTRATOR } from '../src/messages';
import { isKnownKeyCode, VK } from '../src/keys';
import { ERRORS } from '../src/errors';

const hello = TO_ORCHESTRATOR['session.hello'].params;
const key = TO_ORCHESTRATOR['input.key'].params;

describe('protocol/messages', () => {
  it('accepts a well-formed hello', () => {
    expect(check(hello, { protocol: 1, screen: { width: 1280, height: 720 }, app: 'portal', encodings: ['png'], model: 'x' })).to.equal(null);
    expect(check(hello, { protocol: 1, screen: { width: 1280, height: 720 }, encodings: ['png', 'stash', 'cached'], tileCache: 2048 })).to.equal(null);
    expect(check(hello, { protocol: 1, screen: { width: 1280, height: 720 } })).to.equal(null);
  });

  it('names what is wrong with a bad hello', () => {
    expect(check(hello, { protocol: 1 })).to.equal('params.screen is required');
    expect(check(hello, { protocol: 1, screen: { width: 99999, height: 720 } })).to.match(/params.screen.width must be within/);
    expect(check(hello, { protocol: 1, screen: { width: 1280, height: 720 }, extra: 1 })).to.equal('params.extra is not allowed');
    expect(check(hello, { protocol: 1, screen: { width: 1280, height: 720 }, app: '../etc' })).to.match(/illegal format/);
    expect(check(hello, { protocol: 1, screen: { width: 1.5, height: 720 } })).to.match(/integer/);
    expect(check(hello, [])).to.equal('params must be an object');
    expect(check(hello, null)).to.equal('params must be an object');
    expect(check(hello, { protocol: 1, screen: { width: 1280, height: 720 }, encodings: new Array(9).fill('png') })).to.match(/more than 8/);
    expect(check(hello, { protocol: 1, screen: { width: 1280, height: 720 }, tileCache: 4097 })).to.match(/params.tileCache must be within/);
    expect(check(hello, { protocol: 1, screen: { width: 1280, height: 720 }, tileCache: '512' })).to.match(/params.tileCache/);
  });

  it('checks key events', () => {
    expect(check(key, { code: 37, action: 'down', seq: 1 })).to.equal(null);
    expect(check(key, { code: 37, action: 'press', seq: 1 })).to.match(/one of down, up/);
    expect(check(key, { code: 37, action: 'down', seq: 0 })).to.match(/within/);
    expect(check(key, { code: 'x', action: 'down', seq: 1 })).to.match(/number/);
  });

  it('knows exactly the HbbTV key codes', () => {
    for (const code of [37, 38, 39, 40, 13, 461, 403, 404, 405, 406, 415, 19, 402, 413, 417, 412, 48, 57]) {
      expect(isKnownKeyCode(code), String(code)).to.equal(true);
    }
    expect(isKnownKeyCode(65)).to.equal(false);
    expect(VK.VK_BACK).to.equal(461);
  });

  it('gives every error a unique JSON-RPC code and a close code in the application range', () => {
    const rpc = new Set<number>();
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(code).to.match(/^STRATUS_[A-Z_]+$/);
      expect(rpc.has(spec.rpc), `${code} rpc code reused`).to.equal(false);
      rpc.add(spec.rpc);
      expect(spec.close === 0 || (spec.close >= 4000 && spec.close <= 4999), code).to.equal(true);
    }
  });
});
