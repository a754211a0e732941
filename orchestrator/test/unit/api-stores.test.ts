import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, httpStatus, json, StratusError } from '@stratus/protocol';
import { verifyWebhook } from '@stratus/client';
import { ApiKeys } from '../../src/api/api-keys';
import { FileCatalogue } from '../../src/api/catalogue';
import { EventLog } from '../../src/api/event-log';
import { JsonStore } from '../../src/api/json-store';
import { signature, Webhooks } from '../../src/api/webhooks';
import { until } from '@stratus/testkit';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as StratusError).code;
  }
}

async function asyncCode(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (err) {
    return (err as StratusError).code;
  }
}

const SUBJECT = { id: 's1', appId: 'news', deviceId: 'box', owner: 'newsroom' };

describe('api: keys, catalogue, event log and webhooks', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'stratus-api-unit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('API keys: shown once, stored hashed and private, verified by scope, revoked apart from unknown', () => {
    const keys = new ApiKeys(new JsonStore(dir, 'keys.json'));
    const { key, info } = keys.create('broadcaster:newsroom', 'backend');
    expect(key).to.match(/^sk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    const file = readFileSync(join(dir, 'keys.json'), 'utf8');
    expect(file).to.not.include(key.split('.')[1]);
    expect(statSync(join(dir, 'keys.json')).mode & 0o077).to.equal(0);
    expect(keys.verify(key)).to.deep.equal({ kind: 'broadcaster', keyId: info.id, name: 'newsroom' });
    expect(codeOf(() => keys.verify(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A')))).to.equal('STRATUS_AUTH_INVALID');
    expect(codeOf(() => keys.verify('not a key'))).to.equal('STRATUS_AUTH_INVALID');
    // Another process's key (npm run apikey) is found on its first use, and survives our writes.
    const other = new ApiKeys(new JsonStore(dir, 'keys.json')).create('operator');
    keys.create('broadcaster:late');
    expect(keys.verify(other.key)).to.deep.equal({ kind: 'operator', keyId: other.info.id });
    keys.revoke(info.id);
    expect(codeOf(() => keys.verify(key))).to.equal('STRATUS_AUTH_REVOKED');
    expect(codeOf(() => keys.revoke('0123456789abcdef'))).to.equal('STRATUS_NOT_FOUND');
    const again = new ApiKeys(new JsonStore(dir, 'keys.json'));
    expect(codeOf(() => again.verify(key))).to.equal('STRATUS_AUTH_REVOKED');
    expect(again.list().map((k) => k.scope).sort()).to.deep.equal(['broadcaster:late', 'broadcaster:newsroom', 'operator']);
  });

  it('catalogue: seeded by the configuration, API changes kept on top, deletions stay deleted', async () => {
    const seed = { portal: { url: '/apps/portal/', width: 1280, height: 720 }, menu: { url: '/apps/menu/', width: 1920, height: 1080 } };
    const c = new FileCatalogue(seed, new JsonStore(dir, 'catalogue.json'));
    await c.create('news', { url: 'https://news.example/tv/', width: 1280, height: 720, owner: 'newsroom' });
    expect(await asyncCode(c.create('news', { url: '/x', width: 1280, height: 720 }))).to.equal('STRATUS_CONFLICT');
    await c.update('portal', { url: '/apps/portal/?v=2', width: 1280, height: 720 });
    await c.delete('menu');
    expect(await asyncCode(c.delete('menu'))).to.equal('STRATUS_UNKNOWN_APP');
    expect(await asyncCode(c.update('nothing', { url: '/x', width: 1280, height: 720 }))).to.equal('STRATUS_UNKNOWN_APP');
    const after = new FileCatalogue(seed, new JsonStore(dir, 'catalogue.json'));
    expect((await after.list()).map((a) => a.id)).to.deep.equal(['news', 'portal']);
    expect((await after.get('portal'))?.url).to.equal('/apps/portal/?v=2');
    // A copy: changing what get() gave does not change the catalogue.
    (await after.get('news'))!.width = 1;
    expect((await after.get('news'))?.width).to.equal(1280);
    // Without a folder nothing is written and nothing is read.
    const memory = new FileCatalogue(seed, new JsonStore('', 'catalogue.json'));
    expect((await memory.list()).map((a) => a.id)).to.deep.equal(['menu', 'portal']);
  });

  it('event log: numbered in order, replays after an id, and calls a lost or foreign id a gap', () => {
    const log = new EventLog(3);
    const ids = [1, 2, 3, 4, 5].map((n) => log.publish(SUBJECT, 'app.error', { n }).event.id);
    expect(ids.map((id) => Number(id.split('-')[1]))).to.deep.equal([1, 2, 3, 4, 5]);
    expect(log.after(ids[3])).to.deep.include({ gap: false });
    expect(log.after(ids[3]).events.map((e) => e.event.id)).to.deep.equal([ids[4]]);
    expect(log.after(ids[4]).events).to.deep.equal([]);
    // Event 2 is no longer kept (capacity 3: 3, 4, 5): what follows 1 cannot all be replayed.
    expect(log.after(ids[0]).gap).to.equal(true);
    expect(log.after(ids[1]).gap).to.equal(false);
    expect(log.after('other-7').gap).to.equal(true);
    expect(log.after('other-7').events).to.have.length(3);
  });

  it('webhooks: signed as the client checks, retried until taken, a full queue drops the oldest and counts it', async () => {
    const body = '{"id":"x-1"}';
    const t = Math.floor(Date.now() / 1000);
    expect(verifyWebhook('s3cret-s3cret-s3cret', signature('s3cret-s3cret-s3cret', t, body), body)).to.equal(true);
    expect(verifyWebhook('s3cret-s3cret-s3cret', signature('s3cret-s3cret-s3cret', t - 1000, body), body)).to.equal(false);
    expect(verifyWebhook('s3cret-s3cret-s3cret', signature('s3cret-s3cret-s3cret', t, body), body + ' ')).to.equal(false);

    let open = false;
    const got: string[] = [];
    const server: Server = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        if (open) got.push(JSON.parse(b).id);
        res.writeHead(open ? 200 : 500).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const log = new EventLog(100);
    const hooks = new Webhooks(new JsonStore(dir, 'hooks.json'), log, { timeoutMs: 2000, queue: 3, retryMs: 10, retryMaxMs: 40, allowPrivate: ['127.0.0.1'] });
    try {
      const { info } = await hooks.create({ kind: 'broadcaster', keyId: 'k', name: 'newsroom' }, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
      const sent = [1, 2, 3, 4, 5].map((n) => log.publish(SUBJECT, 'app.error', { n }).event.id);
      // Another broadcaster's event never reaches this endpoint.
      log.publish({ ...SUBJECT, owner: 'rival' }, 'app.error', {});
      await until('a failed attempt', () => hooks.get({ kind: 'operator', keyId: 'o' }, info.id).failures > 0);
      open = true;
      await until('the queue to drain', () => hooks.get({ kind: 'operator', keyId: 'o' }, info.id).queued === 0);
      const counters = hooks.get({ kind: 'operator', keyId: 'o' }, info.id);
      // Queue of 3 with one in flight: 1 (in flight), then the newest two; 2 and 3 were dropped.
      expect(counters.dropped).to.equal(2);
      expect(got).to.deep.equal([sent[0], sent[3], sent[4]]);
      expect(codeOf(() => hooks.get({ kind: 'broadcaster', keyId: 'r', name: 'rival' }, info.id))).to.equal('STRATUS_NOT_FOUND');
    } finally {
      hooks.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('protocol: any-JSON params are bounded, and error codes map to HTTP statuses', () => {
    expect(check(json(10), { a: 1 })).to.equal(null);
    expect(check(json(10), 'x'.repeat(20))).to.match(/longer than 10/);
    expect(check(json(10), undefined)).to.match(/must be JSON/);
    expect(httpStatus('STRATUS_AUTH_INVALID')).to.equal(401);
    expect(httpStatus('STRATUS_FORBIDDEN')).to.equal(403);
    expect(httpStatus('STRATUS_UNKNOWN_SESSION')).to.equal(404);
    expect(httpStatus('STRATUS_MESSAGE_TOO_LARGE')).to.equal(413);
    expect(httpStatus('STRATUS_RATE_LIMITED')).to.equal(429);
    expect(httpStatus('STRATUS_INVALID_PARAMS')).to.equal(400);
    expect(httpStatus('STRATUS_INTERNAL')).to.equal(500);
    expect(httpStatus('STRATUS_SHUTDOWN')).to.equal(503);
  });
});
