import { expect } from 'chai';
import { parseRequest, parseResponse } from '../src/envelope-check';
import { errorCodeOf, rpcError, rpcErrorOf, rpcErrorResponse, rpcNotification, rpcRequest, rpcResult } from '../src/jsonrpc';
import { StratusError } from '../src/stratus-error';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as StratusError).code;
  }
  return 'none';
}

describe('protocol/jsonrpc', () => {
  it('builds the four envelopes', () => {
    expect(rpcRequest(1, 'session.info', {})).to.deep.equal({ jsonrpc: '2.0', id: 1, method: 'session.info', params: {} });
    expect(rpcNotification('link.ack', {})).to.deep.equal({ jsonrpc: '2.0', method: 'link.ack', params: {} });
    expect(rpcResult('a', { ok: 1 })).to.deep.equal({ jsonrpc: '2.0', id: 'a', result: { ok: 1 } });
    const err = rpcErrorOf(new StratusError('STRATUS_UNKNOWN_METHOD', 'x.y'));
    expect(rpcErrorResponse(2, err)).to.deep.equal({ jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'No such method. x.y', data: { code: 'STRATUS_UNKNOWN_METHOD' } } });
  });

  it('tells a peer of an internal error no more than its code: the detail may name files or hosts', () => {
    const err = rpcErrorOf(new StratusError('STRATUS_INTERNAL', "Error: ENOENT: no such file or directory, open '/srv/stratus/secret.pem'"));
    expect(err).to.deep.equal({ code: -32603, message: 'Internal error in the orchestrator.', data: { code: 'STRATUS_INTERNAL' } });
  });

  it('reads the Stratus code back from an error object, STRATUS_INTERNAL when it has none we know', () => {
    expect(errorCodeOf(rpcError('STRATUS_REPLAY_GAP', 'gone'))).to.equal('STRATUS_REPLAY_GAP');
    expect(errorCodeOf({ code: -1, message: 'x', data: { code: 'NOT_OURS' } })).to.equal('STRATUS_INTERNAL');
    expect(errorCodeOf({ code: -1, message: 'x' })).to.equal('STRATUS_INTERNAL');
  });

  it('checks request envelopes with coded errors', () => {
    expect(parseRequest({ jsonrpc: '2.0', method: 'input.key', params: {}, seq: 3, ack: 0 })).to.include({ method: 'input.key', seq: 3 });
    expect(codeOf(() => parseRequest([1]))).to.equal('STRATUS_INVALID_MESSAGE');
    expect(codeOf(() => parseRequest({ jsonrpc: '1.0', method: 'x' }))).to.equal('STRATUS_INVALID_MESSAGE');
    expect(codeOf(() => parseRequest({ jsonrpc: '2.0', method: '' }))).to.equal('STRATUS_INVALID_MESSAGE');
    expect(codeOf(() => parseRequest({ jsonrpc: '2.0', method: 'x', id: 1.5 }))).to.equal('STRATUS_INVALID_MESSAGE');
    expect(codeOf(() => parseRequest({ jsonrpc: '2.0', method: 'x', extra: 1 }))).to.equal('STRATUS_INVALID_MESSAGE');
    expect(codeOf(() => parseRequest({ jsonrpc: '2.0', method: 'x', seq: 0 }))).to.equal('STRATUS_INVALID_MESSAGE');
    expect(codeOf(() => parseRequest({ jsonrpc: '2.0', method: 'x', ack: -1 }))).to.equal('STRATUS_INVALID_MESSAGE');
  });

  it('tells responses from requests, and refuses a malformed one', () => {
    expect(parseResponse({ jsonrpc: '2.0', method: 'x' })).to.equal(null);
    expect(parseResponse('text')).to.equal(null);
    expect(parseResponse({ jsonrpc: '2.0', id: 4, result: {}, seq: 2 })).to.include({ id: 4, seq: 2 });
    expect(parseResponse({ jsonrpc: '2.0', id: 4, error: { code: -1, message: 'no' } })).to.have.property('error');
    expect(codeOf(() => parseResponse({ jsonrpc: '2.0', id: 4 }))).to.equal('STRATUS_INVALID_MESSAGE');
    expect(codeOf(() => parseResponse({ jsonrpc: '2.0', id: 4, result: 1, error: { code: 1, message: 'x' } }))).to.equal('STRATUS_INVALID_MESSAGE');
    expect(codeOf(() => parseResponse({ jsonrpc: '2.0', id: 4, result: 1, seq: 1.5 }))).to.equal('STRATUS_INVALID_MESSAGE');
  });
});
