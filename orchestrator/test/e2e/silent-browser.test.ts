import { expect } from 'chai';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Orchestrator } from '../../src/orchestrator';
import { delay, RawDevice, startOrchestrator, until } from '@stratus/testkit';

/**
 * How long the session runs behind the trap: background requests came within seconds before. The
 * bench's silent group watches a session for a minute (chromium_background_requests).
 */
const WINDOW_MS = 30000;

describe('a silent browser: the cloud Chromium makes no request its app did not cause', function () {
  this.timeout(WINDOW_MS + 60000);
  let trap: Server;
  let orch: Orchestrator;
  const seen: string[] = [];

  before(async () => {
    // Every request that is not to loopback goes through this proxy (Chromium sends loopback
    // direct): the app is served by the orchestrator itself, so anything here is the browser's own.
    trap = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.statusCode = 502;
      res.end();
    });
    trap.on('connect', (req, socket) => {
      seen.push(`CONNECT ${req.url}`);
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    orch = await startOrchestrator({ chromium: { extraArgs: `--proxy-server=http://127.0.0.1:${(trap.address() as AddressInfo).port}` } });
  });
  after(async () => {
    await orch?.close();
    await new Promise((r) => trap?.close(r));
  });

  it(`runs a session for ${WINDOW_MS / 1000} s and the trap sees nothing`, async () => {
    const dev = await RawDevice.connect(orch);
    try {
      dev.hello();
      await dev.helloResult();
      await until('a first frame', () => dev.frames.length > 0);
      // A window to observe, not a condition to wait for: the absence of requests over time.
      await delay(WINDOW_MS);
      expect(orch.sessions.size).to.equal(1);
      expect(seen).to.deep.equal([]);
    } finally {
      dev.close();
      await until('the session to end', () => orch.sessions.size === 0);
    }
  });
});
