import { DeviceBrowser, runDropTest, startOrchestrator, until } from '@stratus/testkit';
import { Metric, median, round } from './report';

const CALLS = 100;
const DROPS = 25;

/** Control-channel figures: request round trips to the emulator page, and the random-drop loss test. */
export async function benchControl(): Promise<Metric[]> {
  // The shipped resume grace (30 s), not the tests' short one.
  const orch = await startOrchestrator({ sessions: { resumeGraceMs: 30000 } });
  const device = await DeviceBrowser.launch();
  try {
    const page = await device.open(orch, 'w=1280&h=720&app=portal');
    const session = [...orch.sessions.values()][0];
    const rtt: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      await session.channels.device.request('device.info', {}, 5000);
      rtt.push(performance.now() - t);
    }
    // Drops: the device's socket is cut at random points while keys and requests flow both ways;
    // each time it reconnects after its back-off, resumes, replays, and paints the keyframe.
    const drops = await runDropTest(session, page, DROPS, Date.now());
    const resume = await page.evaluate(() => (window as any).stratusClient.stats.resumeToKeyframeMs as number[]);
    await page.evaluate(() => (window as any).stratusClient.close());
    await until('the bench session to end', () => orch.sessions.size === 0, 15000);
    return [
      { metric: 'control_rpc_roundtrip_ms_p50', value: round(median(rtt), 2), unit: 'ms', note: `${CALLS} device.info calls to the emulator page` },
      { metric: 'resume_to_keyframe_ms', value: round(median(resume)), unit: 'ms', note: `median of ${resume.length}; from reconnect attempt to keyframe painted (back-off not included)` },
      { metric: 'control_drops_tested', value: drops.drops, unit: 'count', note: `sockets cut at random points; ${drops.keysSent} keys and ${drops.requests} requests flowed` },
      { metric: 'control_lost_messages', value: drops.lost, unit: 'count', note: `keys ${drops.keysSeen}/${drops.keysSent} seen, requests ${drops.answered}/${drops.requests} answered` },
      { metric: 'control_duplicated_messages', value: drops.duplicated, unit: 'count', note: `${drops.replayed} replayed, ${drops.duplicatesDiscarded} discarded as duplicates by the links` }
    ];
  } finally {
    await device.close();
    await orch.close();
  }
}
