import { StratusError } from '../../src/errors';

/** The rejection of `p`; fails the test if `p` resolves. */
export async function failure(p: Promise<unknown>): Promise<StratusError> {
  try {
    await p;
  } catch (e) {
    return e as StratusError;
  }
  throw new Error('expected the promise to reject');
}
