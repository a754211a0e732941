import { isErrorCode } from '@stratus/protocol';
import { BRIDGE_MOUNT, MediaBridge, OutputProfile, StratusError } from '@stratus/media-bridge';
import { BridgeLink, DeviceLease } from './playback-route';

/** The media-bridge in this process; the device fetches segments from the orchestrator's /bridge. */
export function embeddedBridge(bridge: MediaBridge): BridgeLink {
  return {
    async open(source: string, profile: OutputProfile): Promise<DeviceLease> {
      const lease = await bridge.open(source, profile);
      return { url: `${BRIDGE_MOUNT}/${lease.playlist}`, release: lease.release, onFailed: lease.onFailed };
    }
  };
}

/**
 * A standalone media-bridge (npm run bridge) reached over its HTTP API. The device fetches
 * segments from the bridge's own URL. Each lease is watched (a long poll of /v1/watch) while it
 * is held, so an ffmpeg failure reaches the app as STRATUS_BRIDGE_FAILED, as with the embedded
 * bridge.
 */
export function remoteBridge(baseUrl: string, token: string, timeoutMs: number): BridgeLink {
  const base = baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const post = async (path: string, body: object): Promise<Response> => {
    try {
      return await fetch(`${base}/v1/${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new StratusError('STRATUS_BRIDGE_FAILED', `the media-bridge at ${base} did not answer: ${(err as Error).message}`);
    }
  };
  return {
    async open(source: string, profile: OutputProfile): Promise<DeviceLease> {
      const res = await post('open', { source, ...profile });
      const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string; lease?: string; playlist?: string };
      if (!res.ok || !body.lease || !body.playlist) {
        const code = body.code && isErrorCode(body.code) ? body.code : 'STRATUS_BRIDGE_FAILED';
        throw new StratusError(code, `(media-bridge) ${body.message ?? `HTTP ${res.status}`}`);
      }
      const lease = body.lease;
      let released = false;
      // Boxed: the watch sets them from its own closure, which the compiler does not follow.
      const told: { cb: ((err: StratusError) => void) | null; failure: StratusError | null } = { cb: null, failure: null };
      const stopWatch = new AbortController();
      void (async () => {
        // Until the lease goes: each answer is a failure (told once), "still fine" (ask again),
        // or gone. A bridge that cannot be reached is retried a little later.
        while (!released) {
          try {
            const res = await fetch(`${base}/v1/watch?lease=${encodeURIComponent(lease)}`, { headers, signal: stopWatch.signal });
            if (res.status === 410) return;
            if (res.status === 200) {
              const f = (await res.json()) as { code?: string; message?: string };
              told.failure = new StratusError(f.code && isErrorCode(f.code) ? f.code : 'STRATUS_BRIDGE_FAILED', `(media-bridge) ${f.message ?? ''}`);
              told.cb?.(told.failure);
              return;
            }
            await res.body?.cancel();
          } catch {
            if (released) return;
            await new Promise((r) => setTimeout(r, 1000).unref());
          }
        }
      })();
      return {
        url: `${base}${body.playlist}`,
        release: () => {
          if (released) return;
          released = true;
          stopWatch.abort();
          post('release', { lease }).catch(() => undefined);
        },
        onFailed: (cb) => {
          told.cb = cb;
          if (told.failure) cb(told.failure);
        }
      };
    }
  };
}
