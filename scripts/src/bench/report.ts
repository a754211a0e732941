/** One bench figure. The metric names are the ones the issues define. */
export interface Metric {
  metric: string;
  value: number;
  unit: string;
  note?: string;
}

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** `--json`: one JSON object per line. Otherwise an aligned table. */
export function print(metrics: Metric[], json: boolean): void {
  if (json) {
    for (const m of metrics) console.log(JSON.stringify({ metric: m.metric, value: m.value, unit: m.unit }));
    return;
  }
  const w = Math.max(...metrics.map((m) => m.metric.length));
  const v = Math.max(...metrics.map((m) => String(m.value).length));
  console.log(`${'metric'.padEnd(w)}  ${'value'.padStart(v)}  unit   note`);
  for (const m of metrics) console.log(`${m.metric.padEnd(w)}  ${String(m.value).padStart(v)}  ${m.unit.padEnd(5)}  ${m.note ?? ''}`);
}
