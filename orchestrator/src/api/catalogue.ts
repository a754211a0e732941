import { AppRecord, StratusError } from '@stratus/protocol';
import type { AppEntry } from '../config';
import { DocStore } from './json-store';

/**
 * The app catalogue the API manages. An interface, so that the scale-out work can keep it in a
 * shared store; every node reads it per session start, so changes apply to new sessions at once.
 */
export interface Catalogue {
  get(id: string): Promise<AppEntry | null>;
  list(): Promise<AppRecord[]>;
  /** Throws STRATUS_CONFLICT when the id is taken. */
  create(id: string, entry: AppEntry): Promise<AppRecord>;
  /** Throws STRATUS_UNKNOWN_APP. */
  update(id: string, entry: AppEntry): Promise<AppRecord>;
  /** Throws STRATUS_UNKNOWN_APP. */
  delete(id: string): Promise<void>;
}

export interface StoredCatalogue {
  /** Entries made or changed through the API. */
  apps: Record<string, AppEntry>;
  /** Seeded entries the API deleted: the seed must not bring them back at the next start. */
  deleted: string[];
}

/**
 * The catalogue in a document store (a file, or Redis with many nodes): the configured catalogue (apps.catalog, from defaults,
 * environment or flags) seeds it, and what the API changes is kept on top across restarts.
 */
export class FileCatalogue implements Catalogue {
  private readonly apps = new Map<string, AppEntry>();
  private doc: StoredCatalogue = { apps: {}, deleted: [] };

  constructor(
    private readonly seed: Record<string, AppEntry>,
    private readonly store: DocStore<StoredCatalogue>
  ) {
    this.reload();
    // Another node changed the catalogue.
    store.onChange(() => this.reload());
  }

  private reload(): void {
    this.doc = this.store.load() ?? { apps: {}, deleted: [] };
    this.apps.clear();
    for (const [id, e] of Object.entries(this.seed)) if (!this.doc.deleted.includes(id)) this.apps.set(id, structuredClone(e));
    for (const [id, e] of Object.entries(this.doc.apps)) this.apps.set(id, e);
  }

  async get(id: string): Promise<AppEntry | null> {
    const e = this.apps.get(id);
    return e ? structuredClone(e) : null;
  }

  async list(): Promise<AppRecord[]> {
    return [...this.apps.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, e]) => ({ id, ...structuredClone(e) }));
  }

  async create(id: string, entry: AppEntry): Promise<AppRecord> {
    if (this.apps.has(id)) throw new StratusError('STRATUS_CONFLICT', `app ${id}`);
    return this.put(id, entry);
  }

  async update(id: string, entry: AppEntry): Promise<AppRecord> {
    if (!this.apps.has(id)) throw new StratusError('STRATUS_UNKNOWN_APP', id);
    return this.put(id, entry);
  }

  async delete(id: string): Promise<void> {
    if (!this.apps.delete(id)) throw new StratusError('STRATUS_UNKNOWN_APP', id);
    delete this.doc.apps[id];
    if (!this.doc.deleted.includes(id)) this.doc.deleted.push(id);
    this.store.save(this.doc);
  }

  private put(id: string, entry: AppEntry): AppRecord {
    const e = structuredClone(entry);
    this.apps.set(id, e);
    this.doc.apps[id] = e;
    this.doc.deleted = this.doc.deleted.filter((d) => d !== id);
    this.store.save(this.doc);
    return { id, ...structuredClone(e) };
  }
}
