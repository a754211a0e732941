import { DeviceBrowser, startOrchestrator, until } from '@stratus/orchestrator/dist/test/helpers/device';
import { Metric, median, round } from './report';

const CALLS = 100;

/** Control-channel figures: cloud-to-device request round trips to the emulator page. */
export async function benchControl(): Promise<Metric[]> {
  const orch = await startOrchestrator();
  const device = await DeviceBrowser.launch();
  try {
    const page = await device.open(orch, 'w=1280&h=720&app=portal');
    const session = [...orch.sessions.values()][0];
    const rtt: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      await session.requestDevice('device.info');
      rtt.push(performance.now() - t);
    }
    await page.close();
    await until('the bench session to end', () => orch.sessions.size === 0);
    return [{ metric: 'control_rpc_roundtrip_ms_p50', value: round(median(rtt), 2), unit: 'ms', note: `${CALLS} device.info calls to the emulator page` }];
  } finally {
    await device.close();
    await orch.close();
  }
}
