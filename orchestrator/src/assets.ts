import { dirname, join } from 'node:path';

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** Where the files the orchestrator serves live, resolved through the workspace packages. */
export const ASSETS = {
  /** The emulator page and its static files. */
  emulator: join(packageDir('@stratus/stb-client'), 'static'),
  /** The device bundle built by scripts/build-device.js. */
  deviceDist: join(packageDir('@stratus/stb-client'), 'dist', 'device'),
  /** Test and demo apps. */
  apps: join(packageDir('@stratus/fixtures'), 'apps')
};
