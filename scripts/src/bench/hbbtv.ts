import { until } from '@stratus/testkit';
import { withMediaRig } from './media-rig';
import { Metric, median, round } from './report';

const RUNS = 8;
const STREAM_EVENTS = 15;
/** Autostart devices left waiting for RED while sessions are counted. */
const WAITING_DEVICES = 4;

/**
 * The HbbTV start-up path: autostart devices (?autostart=red) hold no session until the viewer
 * presses RED; RED to the first frame of the HbbTV catalogue fixture (served as
 * application/vnd.hbbtv.xhtml+xml, application manager, keyset) painted on the device.
 */
export async function benchHbbtv(): Promise<Metric[]> {
  const catalog = (o: string) => ({
    'hbbtv-catalogue': { url: `/apps/hbbtv-catalogue/?origin=${encodeURIComponent(o)}`, width: 1280, height: 720 },
    'hbbtv-broadcast': { url: '/apps/hbbtv-broadcast/', width: 1280, height: 720 }
  });
  return withMediaRig('hbbtv-catalogue', catalog, async ({ orch, device }) => {
    const waiting = [];
    for (let i = 0; i < WAITING_DEVICES; i++) waiting.push(await device.open(orch, 'w=1280&h=720&autostart=red', undefined, true));
    const before = orch.sessions.size + orch.sessionsOpened;
    for (const p of waiting) await p.close();

    const start: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await device.open(orch, 'w=1280&h=720&autostart=red', undefined, true);
      start.push(
        await page.evaluate(
          () =>
            new Promise<number>((resolve) => {
              const c = (window as any).stratusClient;
              const t0 = performance.now();
              c.onpainted = () => resolve(performance.now() - t0);
              c.sendKey(403, 'down');
              c.sendKey(403, 'up');
            })
        )
      );
      await page.close();
      await until('the session to end', () => orch.sessions.size === 0, 15000);
    }
    // Stream events: the broadcast app listens for 'bench'; the emulator fires it as the broadcast
    // would, stamping the device's clock (the same host's as the cloud page's) into its text.
    const page = await device.open(orch, 'w=1280&h=720&app=hbbtv-broadcast');
    const session = await until('the session', () => [...orch.sessions.values()][0]);
    await until('the app to bind', () => session.cloudPage!.evaluate(() => (window as any).started === true));
    const player = await until('the broadcast player', () => page.evaluate(() => (window as any).stratusClient.media.ids[0] as string | undefined));
    await until('the subscription', () => page.evaluate(() => ((window as any).stratusClient.stats.requestsHandled['media.subscribe'] || 0) >= 2));
    const streamMs: number[] = [];
    for (let i = 0; i < STREAM_EVENTS; i++) {
      const n = await session.cloudPage!.evaluate(() => (window as any).hbbtvBroadcast.events.length as number);
      await page.evaluate((id: string) => (window as any).stratusClient.media.streamsOf(id).fireNow('bench', '', String(Date.now())), player);
      const e = await until('the event in the app', () => session.cloudPage!.evaluate((k: number) => (window as any).hbbtvBroadcast.events[k], n));
      streamMs.push(e.at - Number(e.text));
    }
    await page.close();
    await until('the session to end', () => orch.sessions.size === 0, 15000);
    return [
      { metric: 'hbbtv_stream_event_ms_p50', value: round(median(streamMs)), unit: 'ms', note: `median of ${STREAM_EVENTS}: a stream event fired on the device to the app's listener in the cloud (Date.now() on both, same host), loopback` },
      { metric: 'hbbtv_app_start_ms', value: round(median(start)), unit: 'ms', note: `median of ${RUNS}: RED on an autostart device to the HbbTV catalogue fixture's first frame painted, loopback` },
      { metric: 'hbbtv_sessions_before_red', value: before, unit: 'count', note: `sessions held or opened for ${WAITING_DEVICES} autostart devices that have not pressed RED` }
    ];
  });
}
