import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENCODINGS, ERRORS, MEDIA_EVENT_TYPES, TO_CHANNEL, TO_ORCHESTRATOR, VK } from '@stratus/protocol';

const doc = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'protocol.md'), 'utf8');

/** Rows of the "Error codes" table: code, JSON-RPC code, close code. */
function documentedErrors(): Map<string, { rpc: number; close: number }> {
  const section = doc.slice(doc.indexOf('## Error codes'));
  const rows = new Map<string, { rpc: number; close: number }>();
  for (const m of section.matchAll(/^\| `(STRATUS_[A-Z_]+)` \| (-?\d+) \| (\d+|—) \|/gm)) {
    rows.set(m[1], { rpc: Number(m[2]), close: m[3] === '—' ? 0 : Number(m[3]) });
  }
  return rows;
}

describe('docs/protocol.md matches the code', () => {
  it('lists every error code with its JSON-RPC and close codes, and no others', () => {
    const rows = documentedErrors();
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(rows.get(code), `${code} is missing from docs/protocol.md`).to.deep.equal({ rpc: spec.rpc, close: spec.close });
    }
    for (const code of rows.keys()) expect(ERRORS, `${code} is documented but not in the registry`).to.have.property(code);
  });

  it('documents every method in both directions', () => {
    for (const method of [...Object.keys(TO_ORCHESTRATOR), ...Object.keys(TO_CHANNEL)]) {
      expect(doc, method).to.include(`| \`${method}\` |`);
    }
  });

  it('names every media event type', () => {
    const section = doc.slice(doc.indexOf('## Media (double stream)'), doc.indexOf('## UI frames'));
    for (const type of MEDIA_EVENT_TYPES) expect(section, type).to.include(`\`${type}\``);
  });

  it('documents every encoding and key code', () => {
    for (const [name, id] of Object.entries(ENCODINGS)) expect(doc).to.match(new RegExp(`\\| ${id} \\| \`${name}\` \\|`));
    for (const [name, code] of Object.entries(VK)) {
      // Digits are documented as the range VK_0 … VK_9 = 48 … 57.
      if (/^VK_\d$/.test(name)) expect(code - 48).to.equal(Number(name.slice(3)));
      else expect(doc, `key ${name} ${code}`).to.match(new RegExp(`\\b${code}\\b`));
    }
    expect(doc).to.include('| VK_0 … VK_9 | 48 … 57 |');
  });

  it('mentions every close code the registry uses, and whether it is final', () => {
    const closeSection = doc.slice(doc.indexOf('## Close codes'), doc.indexOf('## Error codes'));
    for (const [code, spec] of Object.entries(ERRORS)) {
      if (spec.close) expect(closeSection, code).to.include(`| ${spec.close} | ${spec.final ? 'yes' : 'no'} |`);
    }
  });
});
