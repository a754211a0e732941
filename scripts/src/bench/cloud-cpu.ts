import { readFileSync } from 'node:fs';
import type { Orchestrator } from '@stratus/orchestrator';
import { descendants } from '@stratus/testkit';

const TICKS_PER_S = 100;

/** CPU seconds used so far by a process tree (user + system, from /proc). */
function treeCpuS(root: number): number {
  let ticks = 0;
  for (const pid of [root, ...descendants(root)]) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // Gone already.
    }
  }
  return ticks / TICKS_PER_S;
}

/**
 * CPU seconds the cloud has used so far: this Node process (which runs the orchestrator, and the
 * bench's own small share of driving the device) and the cloud Chromium's process tree.
 */
export function cloudCpuS(orch: Orchestrator): number {
  const node = process.cpuUsage();
  return (node.user + node.system) / 1e6 + treeCpuS(orch.chromiumPid as number);
}
