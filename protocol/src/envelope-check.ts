/**
 * Checks of inbound JSON-RPC envelopes, as the orchestrator makes them on every message: a
 * malformed one is STRATUS_INVALID_MESSAGE. (The builders both sides use are in jsonrpc.ts.)
 */
import { RpcRequest, RpcResponse } from './jsonrpc';
import { StratusError } from './stratus-error';

var REQUEST_MEMBERS: { [k: string]: boolean } = { jsonrpc: true, method: true, id: true, params: true, seq: true, ack: true };

function isObject(v: unknown): v is { [k: string]: unknown } {
  return typeof v === 'object' && v !== null && Object.prototype.toString.call(v) !== '[object Array]';
}

function isSafeInteger(v: unknown): v is number {
  return typeof v === 'number' && Math.floor(v) === v && Math.abs(v) <= 9007199254740991;
}

/** The link's numbers, when present: seq from 1, ack from 0, both safe integers. */
function checkLinkNumbers(m: { [k: string]: unknown }): void {
  if (m.seq !== undefined && !(isSafeInteger(m.seq) && m.seq >= 1)) {
    throw new StratusError('STRATUS_INVALID_MESSAGE', 'seq must be a positive integer');
  }
  if (m.ack !== undefined && !(isSafeInteger(m.ack) && m.ack >= 0)) {
    throw new StratusError('STRATUS_INVALID_MESSAGE', 'ack must be a non-negative integer');
  }
}

/**
 * A well-formed response (an id, and exactly one of result and a proper error), or null when the
 * message is not a response at all. Throws STRATUS_INVALID_MESSAGE for a malformed one.
 */
export function parseResponse(msg: unknown): RpcResponse | null {
  if (!isObject(msg)) return null;
  if (msg.jsonrpc !== '2.0' || 'method' in msg || !('id' in msg)) return null;
  var hasResult = 'result' in msg;
  var e = msg.error;
  var hasError = isObject(e) && typeof e.code === 'number' && typeof e.message === 'string';
  if (hasResult === hasError) throw new StratusError('STRATUS_INVALID_MESSAGE', 'a response needs exactly one of result and error');
  checkLinkNumbers(msg);
  return msg as unknown as RpcResponse;
}

/** Checks the envelope of a request or notification; throws STRATUS_INVALID_MESSAGE. */
export function parseRequest(msg: unknown): RpcRequest {
  if (!isObject(msg)) throw new StratusError('STRATUS_INVALID_MESSAGE', 'expected a JSON object');
  if (msg.jsonrpc !== '2.0') throw new StratusError('STRATUS_INVALID_MESSAGE', 'jsonrpc must be "2.0"');
  var method = msg.method;
  if (typeof method !== 'string' || method.length === 0 || method.length > 64) {
    throw new StratusError('STRATUS_INVALID_MESSAGE', 'method must be a string of 1..64 characters');
  }
  var id = msg.id;
  if (id !== undefined && !(typeof id === 'string' && id.length <= 64) && !isSafeInteger(id)) {
    throw new StratusError('STRATUS_INVALID_MESSAGE', 'id must be an integer or a short string');
  }
  for (var k in msg) {
    if (Object.prototype.hasOwnProperty.call(msg, k) && !REQUEST_MEMBERS[k]) {
      throw new StratusError('STRATUS_INVALID_MESSAGE', 'unexpected member ' + k);
    }
  }
  checkLinkNumbers(msg);
  return msg as unknown as RpcRequest;
}
