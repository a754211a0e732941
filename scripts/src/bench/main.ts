import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Metric, print, round } from './report';
import { benchBridge } from './bridge';
import { benchControl } from './control';
import { benchMedia } from './media';
import { benchUi } from './ui';

/** `npm run bench [-- --json]`: every metric of every issue, measured in one run on loopback. */
async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const metrics = [...(await benchUi()), ...(await benchControl()), ...(await benchMedia()), ...(await benchBridge()), bundleSize()];
  print(metrics, json);
}

/** The device bundle as a TV downloads it: gzipped, without players. */
function bundleSize(): Metric {
  const bundle = readFileSync(join(__dirname, '..', '..', '..', 'stb-client', 'dist', 'device', 'stratus-device.js'));
  return { metric: 'client_bundle_gzip_kb', value: round(gzipSync(bundle, { level: 9 }).length / 1024, 2), unit: 'kB', note: 'stratus-device.js, gzip -9' };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
