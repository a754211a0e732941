import { print } from './report';
import { benchControl } from './control';
import { benchUi } from './ui';

/** `npm run bench [-- --json]`: every metric of every issue, measured in one run on loopback. */
async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const metrics = [...(await benchUi()), ...(await benchControl())];
  print(metrics, json);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
