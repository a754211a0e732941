import { expect } from 'chai';
import { ERRORS, ErrorCode, isFinalClose } from '../src/errors';
import { isStratusError, StratusError, toStratusError } from '../src/stratus-error';

describe('protocol/errors and StratusError', () => {
  it('is an Error and a StratusError, with the registry code, rpc and close, and the caller on its stack', function callerOfStratusError() {
    const e = new StratusError('STRATUS_UNKNOWN_APP', 'nope');
    expect(e).to.be.instanceOf(Error);
    expect(e).to.be.instanceOf(StratusError);
    expect(isStratusError(e)).to.equal(true);
    expect(e.name).to.equal('StratusError');
    expect(e).to.include({ code: 'STRATUS_UNKNOWN_APP', rpc: -32007, close: 4404 });
    expect(e.message).to.equal('No app with that id in the catalogue. nope');
    expect(e.stack).to.contain('callerOfStratusError');
    expect(isStratusError(new Error('x'))).to.equal(false);
  });

  it('turns anything thrown into a coded error', () => {
    const coded = new StratusError('STRATUS_SHUTDOWN');
    expect(toStratusError(coded)).to.equal(coded);
    expect(toStratusError('boom')).to.include({ code: 'STRATUS_INTERNAL' });
  });

  it('every code sharing a close code agrees on whether that close is final', () => {
    const byClose = new Map<number, Set<boolean>>();
    for (const spec of Object.values(ERRORS)) {
      if (!spec.close) continue;
      byClose.set(spec.close, (byClose.get(spec.close) ?? new Set()).add(spec.final));
    }
    for (const [close, finals] of byClose) expect(finals.size, `close ${close}`).to.equal(1);
    for (const spec of Object.values(ERRORS)) if (!spec.close) expect(spec.final).to.equal(false);
  });

  it('says which closes a device must not resume after', () => {
    const final: ErrorCode[] = ['STRATUS_AUTH_INVALID', 'STRATUS_AUTH_REVOKED', 'STRATUS_OPERATOR_CLOSED', 'STRATUS_IDLE_TIMEOUT', 'STRATUS_SUPERSEDED', 'STRATUS_INVALID_PARAMS', 'STRATUS_UNKNOWN_SESSION', 'STRATUS_RATE_LIMITED', 'STRATUS_APP_LOAD_FAILED', 'STRATUS_APP_EXITED'];
    const retried: ErrorCode[] = ['STRATUS_SHUTDOWN', 'STRATUS_INTERNAL', 'STRATUS_SESSION_LIMIT', 'STRATUS_HANDSHAKE_TIMEOUT'];
    for (const c of final) expect(isFinalClose(ERRORS[c].close), c).to.equal(true);
    for (const c of retried) expect(isFinalClose(ERRORS[c].close), c).to.equal(false);
    expect(isFinalClose(1000)).to.equal(true);
    // A network drop, or a close code nobody sent: try again.
    expect(isFinalClose(1006)).to.equal(false);
    expect(isFinalClose(4999)).to.equal(false);
  });
});
