import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { delay, RawDevice, startOrchestrator, until } from '@stratus/testkit';
import { Metric } from './report';

const WINDOW_S = 60;

/**
 * Requests the cloud Chromium makes that its app did not cause: a session of the portal app runs
 * for WINDOW_S behind a trap proxy that every non-loopback request goes through (the app is on
 * loopback), and the trap counts what arrives.
 */
export async function benchSilent(): Promise<Metric[]> {
  let seen = 0;
  const trap = createServer((_req, res) => {
    seen++;
    res.statusCode = 502;
    res.end();
  });
  trap.on('connect', (_req, socket) => {
    seen++;
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  const orch = await startOrchestrator({ chromium: { extraArgs: `--proxy-server=http://127.0.0.1:${(trap.address() as AddressInfo).port}` } });
  try {
    const dev = await RawDevice.connect(orch, 'silent-bench');
    dev.hello();
    await dev.helloResult();
    await until('a first frame', () => dev.frames.length > 0);
    await delay(WINDOW_S * 1000);
    dev.close();
    await until('the session to end', () => orch.sessions.size === 0);
    return [{ metric: 'chromium_background_requests', value: seen, unit: 'count', note: `requests not caused by the app in ${WINDOW_S} s of a session (trap proxy)` }];
  } finally {
    await orch.close();
    await new Promise((r) => trap.close(r));
  }
}
