/**
 * MSE stays hidden: hls.js, shaka and dash.js then see no MediaSource and fall back to src
 * playback, which the proxy forwards to the device. docs/media.md explains the choice.
 */
const MSE_NAMES = ['MediaSource', 'ManagedMediaSource', 'WebKitMediaSource', 'SourceBuffer', 'SourceBufferList'];

export function hideMse(): void {
  const w = window as unknown as Record<string, unknown>;
  for (const name of MSE_NAMES) {
    try {
      delete w[name];
    } catch {
      /* not configurable: leave it */
    }
  }
}
