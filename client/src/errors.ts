import type { ErrorCode } from '@stratus/protocol';

/** A refused or failed call: the registry code (docs/protocol.md), its words, and the HTTP status when it came over HTTP. */
export class StratusApiError extends Error {
  constructor(
    readonly code: ErrorCode | string,
    message: string,
    readonly status = 0,
    /** STRATUS_REDIRECT: the WebSocket URL of the node that has the session. */
    readonly redirectUrl?: string
  ) {
    super(`${code}: ${message}`);
    this.name = 'StratusApiError';
  }
}
