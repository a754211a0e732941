import { benchApi } from './api';
import { benchCluster } from './cluster';
import { benchDensity } from './density';
import { benchIdle } from './idle';
import { benchRealistic } from './realistic';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Metric, print, round } from './report';
import { benchBridge } from './bridge';
import { benchControl } from './control';
import { benchFault, benchFuzz } from './fault';
import { benchHbbtv } from './hbbtv';
import { benchHole, benchMedia } from './media';
import { benchSilent } from './silent';
import { benchUi } from './ui';

const GROUPS: { [name: string]: () => Promise<Metric[]> } = {
  ui: benchUi,
  control: benchControl,
  media: benchMedia,
  hole: benchHole,
  hbbtv: benchHbbtv,
  silent: benchSilent,
  fault: benchFault,
  fuzz: benchFuzz,
  bridge: benchBridge,
  idle: benchIdle,
  realistic: benchRealistic,
  density: benchDensity,
  api: benchApi,
  cluster: benchCluster,
  bundle: async () => [bundleSize()]
};

/**
 * `npm run bench [-- --json] [--only ui,control]`: every metric of every issue, measured in one
 * run on loopback; `--only` picks groups when working on one of them.
 */
async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const at = process.argv.indexOf('--only');
  const names = at > 0 ? (process.argv[at + 1] ?? '').split(',') : Object.keys(GROUPS);
  const unknown = names.filter((n) => !GROUPS[n]);
  if (unknown.length) throw new Error(`unknown bench group ${unknown.join(', ')}; groups: ${Object.keys(GROUPS).join(', ')}`);
  const metrics: Metric[] = [];
  for (const name of names) metrics.push(...(await GROUPS[name]()));
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
