import type { LatencySummary } from './views';

/**
 * Nearest-rank percentile of `values` (need not be sorted); null for no values. The one definition
 * every report uses (job stats, the benches, the soak and load tests), so their p95s compare: it
 * always returns a measured value, never one interpolated between two.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** p50 and p95 in seconds of millisecond samples, rounded to milliseconds. */
export function summarizeLatency(samplesMs: readonly number[]): LatencySummary {
  const toS = (ms: number | null) => (ms === null ? null : Math.round(ms) / 1000);
  return { p50: toS(percentile(samplesMs, 50)), p95: toS(percentile(samplesMs, 95)), samples: samplesMs.length };
}
