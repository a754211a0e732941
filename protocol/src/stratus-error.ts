import { ErrorCode, errorSpec } from './errors';

/**
 * An error with a stable code from the registry (errors.ts); never match on the message text.
 * Both sides use it. It is written as an ES5 constructor because a compiled-down `class extends
 * Error` loses its prototype (instanceof would fail) on the ES5 engines of TV browsers.
 */
export interface StratusError extends Error {
  readonly code: ErrorCode;
  /** The JSON-RPC error code of responses that carry it. */
  readonly rpc: number;
  /** The WebSocket close code when it ends a connection, or 0. */
  readonly close: number;
  /** STRATUS_REDIRECT: where to connect instead (a WebSocket URL), and the ticket for the hello there. */
  redirect?: Redirect;
}

export interface Redirect {
  url: string;
  ticket?: string;
}

export interface StratusErrorConstructor {
  new (code: ErrorCode, detail?: string): StratusError;
  readonly prototype: StratusError;
}

function StratusErrorImpl(this: { [k: string]: unknown }, code: ErrorCode, detail?: string): void {
  var spec = errorSpec(code);
  this.message = detail ? spec.message + ' ' + detail : spec.message;
  this.code = code;
  this.rpc = spec.rpc;
  this.close = spec.close;
  var capture = (Error as unknown as { captureStackTrace?: (o: object, f: unknown) => void }).captureStackTrace;
  // Node and Chromium record the caller's stack; elsewhere a plain Error's stack stands in.
  if (capture) capture(this, StratusErrorImpl);
  else this.stack = new Error(this.message as string).stack;
}
StratusErrorImpl.prototype = Object.create(Error.prototype, {
  constructor: { value: StratusErrorImpl, writable: true, configurable: true },
  name: { value: 'StratusError', writable: true, configurable: true }
});

export var StratusError = StratusErrorImpl as unknown as StratusErrorConstructor;

export function isStratusError(e: unknown): e is StratusError {
  return e instanceof StratusError;
}

/** Any thrown value as a StratusError: coded ones as they are, anything else as STRATUS_INTERNAL. */
export function toStratusError(e: unknown): StratusError {
  return isStratusError(e) ? e : new StratusError('STRATUS_INTERNAL', String(e));
}

/**
 * What a peer is told of an error. An internal one says only that: its detail (an exception's
 * text, which may name files or hosts) is for the orchestrator's own log, not for devices.
 */
export function wireMessage(err: StratusError): string {
  return err.code === 'STRATUS_INTERNAL' ? errorSpec('STRATUS_INTERNAL').message : err.message;
}
