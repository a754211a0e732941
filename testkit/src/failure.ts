import { StratusError } from '@stratus/protocol';

/** The rejection of `p`; fails the test if `p` resolves. */
export async function failure(p: Promise<unknown>): Promise<StratusError> {
  try {
    await p;
  } catch (e) {
    return e as StratusError;
  }
  throw new Error('expected the promise to reject');
}

/** The code `fn` throws with, or undefined when it does not throw. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as StratusError).code;
  }
  return undefined;
}
