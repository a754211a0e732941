import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { StratusClient } from '@stratus/client';
import { startOrchestrator } from '@stratus/testkit';
import { Orchestrator } from '../../src/orchestrator';

const ROOT = join(__dirname, '..', '..', '..', '..');
const OPERATOR_TOKEN = 'operator-token-of-the-docs-tests-0123456789';

/** Runs a command to its end without blocking this process (the orchestrator it talks to runs here). */
function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The shell examples of docs/api.md, in order, with their kind (plain, `error`, `stream`, `setup`). */
function examples(): Array<{ kind: string; text: string }> {
  const doc = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
  return [...doc.matchAll(/^```sh( \w+)?\n([\s\S]*?)^```$/gm)].map((m) => ({ kind: (m[1] ?? '').trim(), text: m[2] }));
}

describe('docs/api.md: every example runs against a live orchestrator', function () {
  this.timeout(120000);
  let orch: Orchestrator;
  let receiver: Server;
  let env: Record<string, string> = {};

  before(async () => {
    orch = await startOrchestrator({ auth: { operatorToken: OPERATOR_TOKEN }, api: { webhookAllowPrivate: '127.0.0.1' } });
    receiver = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const op = new StratusClient({ baseUrl: orch.baseUrl, apiKey: OPERATOR_TOKEN });
    const key = (await op.createKey('broadcaster:newsroom', 'docs')).key;
    const spare = await op.createKey('broadcaster:newsroom', 'spare');
    const session = await new StratusClient({ baseUrl: orch.baseUrl, apiKey: key }).prewarm({ deviceId: 'docs-box', appId: 'newsroom' });
    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_PATH: join(ROOT, 'node_modules'),
      STRATUS: orch.baseUrl,
      OPERATOR_KEY: OPERATOR_TOKEN,
      KEY: key,
      SESSION: session.sessionId,
      SPARE_KEY_ID: spare.id,
      HOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/stratus`
    };
  });
  after(async () => {
    await orch?.close();
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
  });

  it('the example backend script pushes a headline and hears the app confirm it', async () => {
    const r = await run(process.execPath, [join(ROOT, 'docs', 'examples', 'push-headline.js'), 'Storm warning'], env);
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out).to.include({ delivered: true, app: 'newsroom' });
  });

  it('runs every curl example in order; each answers JSON, errors only where the doc says so', async () => {
    const blocks = examples().filter((b) => b.kind !== 'setup');
    expect(blocks.length).to.be.greaterThan(15);
    const script = ['set -e', ...blocks.map((b, i) => `echo '@@@ ${i}'\n${b.text}\necho`)].join('\n');
    const r = await run('sh', ['-c', script], env);
    expect(r.stderr, r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    const outputs = r.stdout.split(/^@@@ \d+\n/m).slice(1);
    expect(outputs).to.have.length(blocks.length);
    blocks.forEach((b, i) => {
      const out = outputs[i].trim();
      const where = `example ${i}:\n${b.text}\n→ ${out.slice(0, 400)}`;
      if (b.kind === 'stream') {
        expect(out, where).to.match(/^retry: 2000/);
        expect(out, where).to.include('event: app.loaded');
        return;
      }
      const json = JSON.parse(out);
      if (b.kind === 'error') expect(json.error?.data?.code ?? json.error?.code, where).to.match(/^STRATUS_/);
      else {
        expect(json.error, where).to.equal(undefined);
        if ('status' in json) expect(json.status, where).to.be.within(200, 299);
      }
    });
  });
});
