import { readFileSync } from 'node:fs';
import type { Orchestrator } from '@stratus/orchestrator';
import { descendants } from '@stratus/testkit';

const TICKS_PER_S = 100;

/** CPU seconds used so far by each kind of process in a tree (user + system, from /proc): browser, gpu-process, renderer, … */
function treeCpuByKind(root: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const pid of [root, ...descendants(root)]) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const kind = /--type=([a-z-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? 'browser';
      kinds[kind] = (kinds[kind] ?? 0) + (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
    } catch {
      // Gone already.
    }
  }
  return kinds;
}

/** cloudCpuS by part: `node` (the orchestrator) and each kind of Chromium process. */
export function cloudCpuByKind(orch: Orchestrator): Record<string, number> {
  const node = process.cpuUsage();
  const kinds: Record<string, number> = { node: (node.user + node.system) / 1e6 };
  for (const pid of orch.chromiumPids) for (const [kind, s] of Object.entries(treeCpuByKind(pid))) kinds[kind] = (kinds[kind] ?? 0) + s;
  return kinds;
}

/**
 * CPU seconds the cloud has used so far: this Node process (which runs the orchestrator, and the
 * bench's own small share of driving the device) and the cloud browsers' process trees.
 */
export function cloudCpuS(orch: Orchestrator): number {
  return Object.values(cloudCpuByKind(orch)).reduce((a, b) => a + b, 0);
}
