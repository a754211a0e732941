import { expect } from 'chai';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/ops/log';

describe('orchestrator/ops/log', () => {
  function capture(level = 'info'): { lines: Array<Record<string, any>>; log: ReturnType<typeof createLogger> } {
    const lines: Array<Record<string, any>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      }
    });
    return { lines, log: createLogger(level, 'node-7', stream) };
  }

  it('writes one JSON object per line, bound to the node, and to a session in its child', () => {
    const { lines, log } = capture();
    log.child({ session: 's-1', device: 'box' }).info({ app: 'portal' }, 'session starting');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ node: 'node-7', session: 's-1', device: 'box', app: 'portal', msg: 'session starting', level: 30 });
  });

  it('redacts credentials wherever they sit, and serialises an error with its stack', () => {
    const { lines, log } = capture();
    log.info({ token: 't1', key: 'sk_1', params: { token: 't2', resumeToken: 'r1' }, req: { headers: { authorization: 'Bearer b1' } }, hook: { endpoint: { secret: 's1' } } }, 'x');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['t1', 'sk_1', 't2', 'r1', 'Bearer b1', 's1']) expect(text).to.not.include(`"${secret}"`);
    expect(lines[0].params).to.deep.equal({ token: '[redacted]', resumeToken: '[redacted]' });
    log.error({ err: new Error('boom') }, 'failed');
    expect(lines[1].err).to.include({ type: 'Error', message: 'boom' });
    expect(lines[1].err.stack).to.match(/boom/);
  });

  it('writes nothing under its level', () => {
    const { lines, log } = capture('error');
    log.info('quiet');
    log.warn('quiet too');
    expect(lines).to.have.length(0);
  });
});
