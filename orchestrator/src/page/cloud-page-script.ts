import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CloudPageConfig, CONFIG_PARAMETER } from '@stratus/cloud-page';
import { StratusError } from '@stratus/protocol';

/** The cloud page bundle, built by scripts/build-bundles.js from cloud-page/src. */
export const CLOUD_PAGE_BUNDLE = join(dirname(require.resolve('@stratus/cloud-page/package.json')), 'dist', 'cloud-page.js');

let bundle: string | null = null;

/**
 * The script every document of a session runs before the app's own code: the cloud page bundle,
 * given the session's config as a parameter (nothing of it lands on window but what the bundle
 * defines). The bundle is read once per process.
 */
export function cloudPageScript(config: CloudPageConfig): string {
  if (bundle === null) {
    try {
      bundle = readFileSync(CLOUD_PAGE_BUNDLE, 'utf8');
    } catch (err) {
      throw new StratusError('STRATUS_INTERNAL', `the cloud page bundle is missing (npm run build): ${(err as Error).message}`);
    }
  }
  return `(function (${CONFIG_PARAMETER}) {\n${bundle}\n})(${JSON.stringify(config)});`;
}
