import { readFileSync } from 'node:fs';
import { descendants } from '@stratus/testkit';

/** Proportional set size of a process tree, in MB. */
export function treePssMb(root: number): number {
  let kb = 0;
  for (const pid of [root, ...descendants(root)]) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // Gone already.
    }
  }
  return kb / 1024;
}
