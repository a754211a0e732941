import pino, { DestinationStream, Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Secrets never reach a log line, wherever they sit in what is logged: device tokens, API keys,
 * resume tokens, bearer headers, webhook secrets.
 */
const REDACT = [
  'token',
  'key',
  'secret',
  'resumeToken',
  'authorization',
  '*.token',
  '*.key',
  '*.secret',
  '*.resumeToken',
  '*.authorization',
  '*.headers.authorization',
  '*.*.token',
  '*.*.key',
  '*.*.secret'
];

/**
 * The node's structured log: one JSON object per line, bound to the node id; sessions log
 * through a child bound to their session, device and app.
 */
export function createLogger(level: string, node: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { node },
    redact: { paths: REDACT, censor: '[redacted]' },
    // Stack and code of an error passed as `err`.
    serializers: { err: pino.stdSerializers.err }
  };
  // Standard output, written synchronously: nothing to flush at exit, no handle per logger.
  return destination ? pino(options, destination) : pino(options);
}
