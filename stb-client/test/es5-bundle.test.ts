import { expect } from 'chai';
import { parse } from 'acorn';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = join(__dirname, '..', 'device');

/** Globals beyond ES5 that old TV browsers may lack; the bundle must not name them. */
const FORBIDDEN = ['Promise', 'Map', 'Set', 'WeakMap', 'Symbol', 'fetch', 'Reflect', 'Proxy', 'Object.assign', 'Array.from', 'requestIdleCallback'];

describe('stb-client device bundle', () => {
  const files = readdirSync(dist).filter((f) => f.endsWith('.js'));

  it('exists', () => {
    expect(files).to.include('stratus-device.js');
  });

  for (const f of ['stratus-device.js']) {
    it(`${f} parses as ES5`, () => {
      const src = readFileSync(join(dist, f), 'utf8');
      expect(() => parse(src, { ecmaVersion: 5, sourceType: 'script' })).to.not.throw();
    });

    it(`${f} uses no built-ins beyond ES5`, () => {
      const src = readFileSync(join(dist, f), 'utf8');
      for (const name of FORBIDDEN) {
        const re = new RegExp(`(^|[^.\\w$])${name.replace('.', '\\.')}\\b`);
        expect(re.test(src), `${f} mentions ${name}`).to.equal(false);
      }
    });
  }

  it('stays small: under 40 kB gzipped', () => {
    const size = gzipSync(readFileSync(join(dist, 'stratus-device.js'))).length;
    expect(size).to.be.lessThan(40 * 1024);
  });
});
