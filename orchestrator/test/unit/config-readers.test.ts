import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../../src/config';

const ROOT = join(__dirname, '..', '..', '..', '..');
const SRC = join(ROOT, 'orchestrator', 'src');

/**
 * Each value of DEFAULTS and the doc comment above it (a key without one shares the comment of
 * the key before it), read from config.ts's source: section.key -> comment.
 */
function documentedKeys(): Map<string, string> {
  const text = readFileSync(join(SRC, 'config.ts'), 'utf8');
  const body = text.slice(text.indexOf('export const DEFAULTS = {'));
  const out = new Map<string, string>();
  let section = '';
  let comment = '';
  let pending = '';
  let inComment = false;
  for (const line of body.split('\n').slice(1)) {
    const t = line.trim();
    if (inComment || t.startsWith('/**')) {
      pending += ' ' + t.replace(/^\/\*\*|\*\/$|^\*/g, '').trim();
      inComment = !t.endsWith('*/');
      continue;
    }
    const sectionStart = /^ {2}(\w+): \{$/.exec(line);
    if (sectionStart) {
      section = sectionStart[1];
      comment = '';
      pending = '';
      continue;
    }
    const key = /^ {4}(\w+):/.exec(line);
    if (key && section) {
      if (pending) comment = pending;
      pending = '';
      out.set(`${section}.${key[1]}`, comment);
    }
    if (/^\};/.test(line)) break;
  }
  return out;
}

/** The source files a comment names: paths under orchestrator/src, or from the repository root for another workspace. */
function namedFiles(comment: string): string[] {
  return [...comment.matchAll(/\b((?:[a-z-]+\/)*[a-z-]+\.ts)\b/g)].map((m) => {
    const p = m[1];
    return /^(media-bridge|cloud-page|protocol|stb-client)\//.test(p) ? join(ROOT, p) : join(SRC, p);
  });
}

describe('orchestrator/config: every value names the module that reads it', () => {
  const keys = documentedKeys();

  it('finds every value of DEFAULTS in the source', () => {
    const expected = Object.entries(DEFAULTS).flatMap(([section, values]) => Object.keys(values).map((k) => `${section}.${k}`));
    expect([...keys.keys()].sort()).to.deep.equal(expected.sort());
  });

  for (const [key, comment] of keys) {
    it(`${key}: the file its comment names exists and reads it`, () => {
      const files = namedFiles(comment);
      expect(files, `${key} names no file: "${comment}"`).to.not.be.empty;
      for (const f of files) expect(existsSync(f), `${key} names ${f}, which does not exist`).to.equal(true);
      const name = key.slice(key.indexOf('.') + 1);
      const readers = files.filter((f) => new RegExp(`\\b${name}\\b`).test(readFileSync(f, 'utf8')));
      expect(readers, `none of ${files.join(', ')} mentions ${name}`).to.not.be.empty;
    });
  }
});
