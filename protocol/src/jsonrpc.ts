/**
 * JSON-RPC 2.0 envelopes as Stratus uses them, for both sides: building requests, notifications
 * and responses, and turning a StratusError into an error object and back (envelope-check.ts checks
 * what comes in).
 * The link's `seq`/`ack` numbers ride on the envelope (reliable-link.ts).
 */
import { ErrorCode, errorSpec, isErrorCode } from './errors';
import { Redirect, StratusError, wireMessage } from './stratus-error';

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: { code: string; redirect?: Redirect };
}

export interface RpcRequest {
  jsonrpc: '2.0';
  id?: number | string;
  method: string;
  params?: unknown;
  /** Link sequence number and acknowledgement: see reliable-link.ts. */
  seq?: number;
  ack?: number;
}

export interface RpcResponse {
  jsonrpc: '2.0';
  id: number | string | null;
  seq?: number;
  ack?: number;
  result?: unknown;
  error?: RpcErrorObject;
}

export function rpcRequest(id: number | string, method: string, params: unknown): RpcRequest {
  return { jsonrpc: '2.0', id: id, method: method, params: params };
}

export function rpcNotification(method: string, params: unknown): RpcRequest {
  return { jsonrpc: '2.0', method: method, params: params };
}

export function rpcResult(id: number | string, result: unknown): RpcResponse {
  return { jsonrpc: '2.0', id: id, result: result };
}

export function rpcErrorResponse(id: number | string, error: RpcErrorObject): RpcResponse {
  return { jsonrpc: '2.0', id: id, error: error };
}

/** The error object of a coded failure: the registry's JSON-RPC code, the message, and the Stratus code. */
export function rpcError(code: ErrorCode, message: string): RpcErrorObject & { data: { code: string; redirect?: Redirect } } {
  return { code: errorSpec(code).rpc, message: message, data: { code: code } };
}

export function rpcErrorOf(err: StratusError): RpcErrorObject {
  var e = rpcError(err.code, wireMessage(err));
  if (err.redirect) e.data.redirect = err.redirect;
  return e;
}

/** The Stratus code an error response carries; STRATUS_INTERNAL when it carries none we know. */
export function errorCodeOf(error: RpcErrorObject): ErrorCode {
  var code = error.data ? error.data.code : '';
  return isErrorCode(code) ? code : 'STRATUS_INTERNAL';
}
