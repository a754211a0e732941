import { expect } from 'chai';
import { PendingCalls } from '../../src/channel/pending-calls';
import { RateLimit } from '../../src/channel/rate-limit';
import { StratusError } from '@stratus/protocol';
import { failure } from '@stratus/testkit';



describe('orchestrator/control', () => {
  describe('PendingCalls', () => {
    it('matches responses to calls by id', async () => {
      const calls = new PendingCalls();
      const sent: any[] = [];
      const a = calls.call((m) => sent.push(m), 'device.info', {}, 1000);
      const b = calls.call((m) => sent.push(m), 'device.info', { x: 1 }, 1000);
      expect(sent.map((m) => [m.id, m.method])).to.deep.equal([[1, 'device.info'], [2, 'device.info']]);
      expect(calls.settle(2, 'two')).to.equal(true);
      expect(calls.settle(1, 'one')).to.equal(true);
      expect(await a).to.equal('one');
      expect(await b).to.equal('two');
      expect(calls.settle(1, 'again')).to.equal(false);
    });

    it('times out with STRATUS_RPC_TIMEOUT, a message that says what to do, and the caller in the stack', async function callerOfTheTimeout() {
      const calls = new PendingCalls();
      let err: StratusError | undefined;
      await calls.call(() => undefined, 'device.info', {}, 20).catch((e) => (err = e));
      expect(err?.code).to.equal('STRATUS_RPC_TIMEOUT');
      expect(err?.message).to.match(/device\.info .*20 ms.*control\.rpcTimeoutMs/);
      expect(err?.stack).to.include('callerOfTheTimeout');
      expect(calls.size).to.equal(0);
    });

    it('turns a device error response into a coded rejection', async () => {
      const calls = new PendingCalls();
      const p = calls.call(() => undefined, 'media.play', {}, 1000);
      calls.settle(1, undefined, { code: -32601, message: 'nope', data: { code: 'STRATUS_UNKNOWN_METHOD' } });
      const err = await failure(p);
      expect(err.code).to.equal('STRATUS_UNKNOWN_METHOD');
      const q = calls.call(() => undefined, 'media.play', {}, 1000);
      calls.settle(2, undefined, { code: 1, message: 'weird', data: { code: 'NOT_OURS' } });
      expect((await failure(q)).code).to.equal('STRATUS_DEVICE_ERROR');
    });

    it('rejects every pending call on close', async () => {
      const calls = new PendingCalls();
      const ps = [1, 2, 3].map(() => calls.call(() => undefined, 'device.info', {}, 10000).catch((e) => e.code));
      calls.rejectAll(new StratusError('STRATUS_TRANSPORT_LOST'));
      expect(await Promise.all(ps)).to.deep.equal(['STRATUS_TRANSPORT_LOST', 'STRATUS_TRANSPORT_LOST', 'STRATUS_TRANSPORT_LOST']);
      expect(calls.size).to.equal(0);
    });
  });

  describe('RateLimit', () => {
    it('allows the burst, then the sustained rate', () => {
      let t = 0;
      const r = new RateLimit(10, 5, () => t);
      expect([1, 2, 3, 4, 5, 6].map(() => r.take())).to.deep.equal([true, true, true, true, true, false]);
      t += 100; // one token back
      expect([r.take(), r.take()]).to.deep.equal([true, false]);
      t += 10000; // never more than the burst
      expect([1, 2, 3, 4, 5, 6].map(() => r.take()).filter(Boolean)).to.have.length(5);
    });
  });
});
