import { expect } from 'chai';
import { once } from 'node:events';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { EmulatedLink } from '@stratus/testkit';

/** An echo server on 127.0.0.1, port 0. */
async function echoServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, sockets };
}

/** Resolves with `n` bytes read from `s`, and when they came (ms after `since`). */
function read(s: Socket, n: number, since: number): Promise<{ data: Buffer; ms: number }> {
  const parts: Buffer[] = [];
  let got = 0;
  return new Promise((resolve) => {
    const on = (b: Buffer): void => {
      parts.push(b);
      got += b.length;
      if (got < n) return;
      s.off('data', on);
      resolve({ data: Buffer.concat(parts), ms: performance.now() - since });
    };
    s.on('data', on);
  });
}

describe('testkit/emulated-link', () => {
  it('delays each way, holds the rate, and keeps every byte in order', async () => {
    const echo = await echoServer();
    const link = await EmulatedLink.start({ host: '127.0.0.1', port: echo.port }, { rateBps: 10_000_000, delayMs: 20 });
    const s = createConnection({ host: '127.0.0.1', port: link.port });
    try {
      await once(s, 'connect');
      // A small message: one round trip, 2 x 20 ms at least, however idle the machine.
      let t = performance.now();
      s.write('ping');
      const ping = await read(s, 4, t);
      expect(ping.data.toString()).to.equal('ping');
      expect(ping.ms).to.be.at.least(40);
      // 250 kB there and back through 10 Mbit/s: 200 ms each way at least.
      const payload = Buffer.alloc(250_000);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 255;
      t = performance.now();
      s.write(payload);
      const back = await read(s, payload.length, t);
      expect(back.data.equals(payload)).to.equal(true);
      expect(back.ms).to.be.at.least(200 + 40);
    } finally {
      s.destroy();
      await link.close();
      for (const x of echo.sockets) x.destroy();
      echo.server.close();
    }
  });
});
