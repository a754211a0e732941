import { dirname } from 'node:path';

/** The fixtures workspace: test apps under apps/, generated media under media/. */
export const FIXTURES = dirname(require.resolve('@stratus/fixtures/package.json'));
