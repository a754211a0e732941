import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { DEVICE_WS_PATH } from '@stratus/protocol';
import { Orchestrator } from '../../src/orchestrator';
import { RawDevice, startOrchestrator, until } from '@stratus/testkit';

describe('TLS: HTTPS and WSS with a self-signed certificate', function () {
  this.timeout(60000);
  let dir: string;
  let orch: Orchestrator;
  let ca: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stratus-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')
    ], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'));
    orch = await startOrchestrator({ server: { tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') } });
  });
  after(async () => {
    await orch?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the emulator over HTTPS', async () => {
    expect(orch.baseUrl).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      require('node:https').get(`${orch.baseUrl}/`, { ca }, (res: any) => {
        let s = '';
        res.on('data', (c: Buffer) => (s += c));
        res.on('end', () => resolve(s));
      }).on('error', reject);
    });
    expect(body).to.include('stratus-layer');
  });

  it('runs a session over WSS, with the app loaded over HTTPS by the cloud browser', async () => {
    const dev = await RawDevice.connect(orch, 'tls-box', {}, ca);
    try {
      dev.hello();
      const hello = await dev.helloResult();
      await until('a painted first frame', () => dev.frames.length > 0);
      const url = orch.sessions.get(hello.sessionId)!.cloudPage!.url();
      expect(url).to.match(/^https:\/\/127\.0\.0\.1:\d+\/apps\/portal\/$/);
    } finally {
      dev.close();
    }
  });

  it('refuses a client that does not trust the certificate', async () => {
    const ws = new WebSocket(orch.baseUrl.replace('https', 'wss') + DEVICE_WS_PATH);
    const err = await new Promise<Error>((resolve) => ws.once('error', resolve));
    expect((err as NodeJS.ErrnoException).code).to.equal('DEPTH_ZERO_SELF_SIGNED_CERT');
  });
});
