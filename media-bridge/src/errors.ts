import { ErrorCode, errorSpec } from '@stratus/protocol';

/** An error with a stable code from the protocol's registry; never match on the message text. */
export class StratusError extends Error {
  readonly code: ErrorCode;
  readonly rpc: number;
  readonly close: number;

  constructor(code: ErrorCode, detail?: string) {
    const spec = errorSpec(code);
    super(detail ? `${spec.message} ${detail}` : spec.message);
    this.name = 'StratusError';
    this.code = code;
    this.rpc = spec.rpc;
    this.close = spec.close;
  }
}

export function isStratusError(e: unknown): e is StratusError {
  return e instanceof StratusError;
}
