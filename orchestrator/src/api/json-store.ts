import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StratusError } from '@stratus/protocol';

/**
 * A JSON document the integration API keeps (API keys, the catalogue's changes, webhooks): in a
 * file (JsonStore) on one node, in Redis (cluster/shared-docs.ts) on many, where onChange hears
 * what another node saved.
 */
export interface DocStore<T> {
  load(): T | null;
  save(doc: T): void;
  onChange(fn: () => void): void;
}

/**
 * One JSON document kept in a file: read once at start, written whole on every change through a
 * temporary file and a rename, so a crash leaves the old document or the new one, never half of
 * one. Files are private to the orchestrator's user (they hold key hashes and webhook secrets).
 * With no folder the document lives in memory only.
 */
export class JsonStore<T> implements DocStore<T> {
  private readonly file: string | null;

  constructor(dir: string, name: string) {
    this.file = dir ? join(dir, name) : null;
    if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** The stored document, or null when there is none yet. Throws STRATUS_CONFIG_INVALID for a damaged file. */
  load(): T | null {
    if (!this.file) return null;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new StratusError('STRATUS_CONFIG_INVALID', `${this.file} is not valid JSON`);
    }
  }

  /** Only this process writes the file (and `npm run apikey`, which ApiKeys re-reads for). */
  onChange(_fn: () => void): void {}

  save(doc: T): void {
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(doc, null, 1), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
