import { expect } from 'chai';
import { placeSession } from '../../src/cluster/placement';
import { issueTicket, verifyTicket } from '../../src/cluster/ticket';

const node = (id: string, sessions: number, capacity = 10, draining = false) => ({ id, url: `http://${id}`, sessions, capacity, draining });

describe('orchestrator/cluster/placement and tickets', () => {
  it('places a session on the least-loaded node that takes sessions, preferring this one on a tie', () => {
    expect(placeSession([node('a', 3), node('b', 1), node('c', 2)], 'a')?.id).to.equal('b');
    expect(placeSession([node('a', 1), node('b', 1)], 'b')?.id).to.equal('b');
    // Not this one: the first by id, so that nodes placing at once agree.
    expect(placeSession([node('c', 0), node('b', 0), node('a', 5)], 'a')?.id).to.equal('b');
    // Load is a share of capacity.
    expect(placeSession([node('a', 4, 8), node('b', 3, 4)], 'b')?.id).to.equal('a');
  });

  it('skips draining and full nodes, and finds none when nobody has room', () => {
    expect(placeSession([node('a', 0, 10, true), node('b', 9)], 'a')?.id).to.equal('b');
    expect(placeSession([node('a', 10), node('b', 0, 0)], 'a')).to.equal(null);
    expect(placeSession([], 'a')).to.equal(null);
  });

  it('accepts a ticket only for its node and device, signed with the shared secret, before it expires', () => {
    const t = issueTicket('s3cret', { node: 'b', dev: 'box', exp: 2000 });
    expect(verifyTicket('s3cret', t, 'b', 'box', 1000)).to.deep.equal({ node: 'b', dev: 'box', exp: 2000 });
    const code = (f: () => unknown): string => {
      try {
        f();
        return 'none';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(code(() => verifyTicket('s3cret', t, 'c', 'box', 1000))).to.equal('STRATUS_AUTH_INVALID');
    expect(code(() => verifyTicket('s3cret', t, 'b', 'other', 1000))).to.equal('STRATUS_AUTH_INVALID');
    expect(code(() => verifyTicket('other', t, 'b', 'box', 1000))).to.equal('STRATUS_AUTH_INVALID');
    expect(code(() => verifyTicket('s3cret', t, 'b', 'box', 2000))).to.equal('STRATUS_AUTH_EXPIRED');
    expect(code(() => verifyTicket('s3cret', t.replace('srt1', 'stv1'), 'b', 'box', 1000))).to.equal('STRATUS_AUTH_INVALID');
    expect(code(() => verifyTicket('s3cret', 'srt1.e30.AAAA', 'b', 'box', 1000))).to.equal('STRATUS_AUTH_INVALID');
  });
});
