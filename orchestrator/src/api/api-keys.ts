import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiKeyInfo, StratusError } from '@stratus/protocol';
import { DocStore } from './json-store';
import { Principal, principalOfScope } from './principal';

export interface StoredKey extends ApiKeyInfo {
  /** SHA-256 of the secret. The secret is 32 random bytes, so a fast hash is enough: nothing to guess. */
  hash: string;
}

/** The form of a key on the wire: "sk_<id>.<secret>". */
const KEY = /^sk_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

function hashOf(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * API keys: an id and a secret, the secret shown once at creation and kept only as a hash. A key
 * is revoked, not deleted, so a revoked key is told apart from a made-up one (STRATUS_AUTH_REVOKED
 * vs STRATUS_AUTH_INVALID).
 */
export class ApiKeys {
  private readonly keys = new Map<string, StoredKey>();

  constructor(private readonly store: DocStore<StoredKey[]>) {
    this.reload();
    // Another node made or revoked a key.
    store.onChange(() => this.reload());
  }

  /** Reads the store again: keys made by `npm run apikey` while the orchestrator runs. */
  private reload(): void {
    for (const k of this.store.load() ?? []) if (!this.keys.has(k.id) || k.revoked) this.keys.set(k.id, k);
  }

  /** A new key: the full "sk_<id>.<secret>" is in `key`, and nowhere else after this call. */
  create(scope: string, label = ''): { key: string; info: ApiKeyInfo } {
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const stored: StoredKey = { id, scope, label, created: new Date().toISOString(), revoked: false, hash: hashOf(secret).toString('hex') };
    this.keys.set(id, stored);
    this.save();
    return { key: `sk_${id}.${secret}`, info: publicInfo(stored) };
  }

  list(): ApiKeyInfo[] {
    return [...this.keys.values()].map(publicInfo);
  }

  /** Refuses the key from now on. Throws STRATUS_NOT_FOUND. */
  revoke(id: string): ApiKeyInfo {
    const k = this.keys.get(id);
    if (!k) throw new StratusError('STRATUS_NOT_FOUND', `API key ${id.slice(0, 32)}`);
    k.revoked = true;
    this.save();
    return publicInfo(k);
  }

  /** The principal a key stands for. Throws STRATUS_AUTH_INVALID or STRATUS_AUTH_REVOKED. */
  verify(key: string): Principal {
    const m = KEY.exec(key);
    if (m && !this.keys.has(m[1])) this.reload();
    const k = m ? this.keys.get(m[1]) : undefined;
    // A digest comparison of the same length whatever came in.
    const ok = timingSafeEqual(hashOf(m ? m[2] : key), k ? Buffer.from(k.hash, 'hex') : hashOf('\0'));
    if (!m || !k || !ok) throw new StratusError('STRATUS_AUTH_INVALID', 'unknown API key');
    if (k.revoked) throw new StratusError('STRATUS_AUTH_REVOKED', `API key ${k.id}`);
    return principalOfScope(k.scope, k.id);
  }

  private save(): void {
    // Keys another process (npm run apikey) added since are kept, not overwritten.
    this.reload();
    this.store.save([...this.keys.values()]);
  }
}

function publicInfo(k: StoredKey): ApiKeyInfo {
  return { id: k.id, scope: k.scope, label: k.label, created: k.created, revoked: k.revoked };
}
