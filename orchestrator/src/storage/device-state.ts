import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CookieData } from 'puppeteer-core';

/** What a device keeps of an app between sessions: its cookies, and the localStorage of its origin. */
export interface DeviceState {
  cookies: CookieData[];
  local: { origin: string; items: Array<[string, string]> } | null;
}

/** Where the encrypted records live: Redis with many nodes, a folder or memory for one. */
export interface BlobStore {
  get(key: string): Promise<Buffer | null>;
  set(key: string, value: Buffer, ttlMs: number): Promise<void>;
}

export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, { value: Buffer; until: number }>();
  async get(key: string): Promise<Buffer | null> {
    const b = this.blobs.get(key);
    return b && b.until > Date.now() ? b.value : null;
  }
  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    this.blobs.set(key, { value, until: Date.now() + ttlMs });
  }
  /** Every record as stored, for the tests that check they are encrypted. */
  raw(): Buffer[] {
    return [...this.blobs.values()].map((b) => b.value);
  }
}

/** One file per record, written whole (temp file and rename), readable by the node's user only. */
export class FileBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}
  async get(key: string): Promise<Buffer | null> {
    try {
      const data = readFileSync(join(this.dir, `${key}.bin`));
      const until = data.readDoubleBE(0);
      return until > Date.now() ? data.subarray(8) : null;
    } catch {
      return null;
    }
  }
  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const head = Buffer.alloc(8);
    head.writeDoubleBE(Date.now() + ttlMs, 0);
    const tmp = join(this.dir, `${key}.${randomBytes(4).toString('hex')}.tmp`);
    writeFileSync(tmp, Buffer.concat([head, value]), { mode: 0o600 });
    renameSync(tmp, join(this.dir, `${key}.bin`));
  }
}

/** Past this a record is not saved (an app hoarding storage); the last good one stays. */
export const MAX_STATE_BYTES = 512 * 1024;

/**
 * Per-device app state, encrypted at rest (AES-256-GCM) with a key from configuration. A record
 * is bound to its device and app: they are the cipher's associated data, and its key in the
 * store is a keyed hash of them, so the store shows neither and a record moved to another device
 * does not decrypt.
 */
export class DeviceStates {
  private readonly key: Buffer;

  constructor(
    private readonly store: BlobStore,
    key: Buffer,
    private readonly ttlMs: number
  ) {
    if (key.length !== 32) throw new Error('the device state key must be 32 bytes');
    this.key = key;
  }

  private id(deviceId: string, appId: string): string {
    return createHmac('sha256', this.key).update(`${deviceId}\n${appId}`).digest('hex').slice(0, 40);
  }

  async load(deviceId: string, appId: string): Promise<DeviceState | null> {
    const blob = await this.store.get(this.id(deviceId, appId));
    if (!blob || blob.length < 28) return null;
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, blob.subarray(0, 12));
      d.setAAD(Buffer.from(`${deviceId}\n${appId}`));
      d.setAuthTag(blob.subarray(12, 28));
      const text = Buffer.concat([d.update(blob.subarray(28)), d.final()]).toString('utf8');
      return JSON.parse(text) as DeviceState;
    } catch {
      // Another key (rotated), or tampered with: as if nothing was kept.
      return null;
    }
  }

  /** Saves the state; false when it is over MAX_STATE_BYTES and was not saved. */
  async save(deviceId: string, appId: string, state: DeviceState): Promise<boolean> {
    const plain = Buffer.from(JSON.stringify(state));
    if (plain.length > MAX_STATE_BYTES) return false;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(`${deviceId}\n${appId}`));
    const body = Buffer.concat([c.update(plain), c.final()]);
    await this.store.set(this.id(deviceId, appId), Buffer.concat([iv, c.getAuthTag(), body]), this.ttlMs);
    return true;
  }
}

/** The key from `storage.key` (64 hex characters), or one derived from `auth.secret` when that is empty. */
export function stateKey(configured: string, authSecret: string): Buffer {
  if (configured) return Buffer.from(configured, 'hex');
  return createHash('sha256').update(`stratus-device-state:${authSecret}`).digest();
}
