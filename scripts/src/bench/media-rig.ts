import { MediaOrigin, Orchestrator, startMediaOrigin } from '@stratus/orchestrator';
import { DeviceBrowser, lineupFor, MEDIA_ROOT, startOrchestrator } from '@stratus/testkit';

export interface BenchRig {
  origin: MediaOrigin;
  orch: Orchestrator;
  device: DeviceBrowser;
}

/**
 * Runs `run` with a media origin, an orchestrator whose line-up and app catalogue point at it
 * (`catalog` gets the origin's base URL), and a device browser; all three are closed afterwards.
 */
export async function withMediaRig<T>(defaultApp: string, catalog: (origin: string) => Record<string, object>, run: (rig: BenchRig) => Promise<T>): Promise<T> {
  const origin = await startMediaOrigin(MEDIA_ROOT);
  try {
    const orch = await startOrchestrator({
      media: { channels: lineupFor(origin), allowPrivate: '127.0.0.1' },
      apps: { default: defaultApp, catalog: JSON.stringify(catalog(origin.baseUrl)) }
    });
    try {
      const device = await DeviceBrowser.launch();
      try {
        return await run({ origin, orch, device });
      } finally {
        await device.close();
      }
    } finally {
      await orch.close();
    }
  } finally {
    await origin.close();
  }
}
