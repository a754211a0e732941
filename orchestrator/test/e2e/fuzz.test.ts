import { expect } from 'chai';
import { Orchestrator } from '../../src/orchestrator';
import { runFuzz, startOrchestrator } from '@stratus/testkit';

/**
 * A standing fuzz run: 1500 generated inputs (fixed seed) against every message schema, the
 * JSON-RPC envelope and the transport, before the handshake and inside live sessions. Every answer
 * and every close must carry a code from the registry, and nothing may crash. The bench's fuzz
 * group runs 10 000 with another seed; this one keeps the suite within its time.
 */
describe('fuzz: generated device input always gets a coded answer and never crashes the orchestrator', function () {
  this.timeout(600000);
  let orch: Orchestrator;
  before(async () => {
    orch = await startOrchestrator({
      // Many connections at once from one test process: the limits that would refuse them are not the subject.
      sessions: { maxPerDevice: 16, max: 16 },
      control: { ratePerS: 100000, rateBurst: 100000 }
    });
  });
  after(async () => {
    await orch?.close();
  });

  it('1500 inputs, seed 20261130: no uncoded answer, no crash', async () => {
    // One connection in 60 opens a session: each costs a browser context and an app load
    // (about 2 s here) and most end after a few inputs, when one is a protocol error.
    const report = await runFuzz(orch, 1500, 20261130, { inSessionEvery: 60 });
    expect(report.inputs).to.equal(1500);
    expect(report.uncoded.slice(0, 10)).to.deep.equal([]);
    expect(report.crashes).to.equal(0);
    // The inputs did reach past the first checks: sessions were opened and closed by them.
    expect(Object.keys(report.closes).length).to.be.above(5);
  });
});
