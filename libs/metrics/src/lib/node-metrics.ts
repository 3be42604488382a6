import { collectDefaultMetrics, register } from 'prom-client';

/**
 * prom-client names three of its gauges like counters, which `promtool check metrics` rejects
 * ("non-counter metrics should not have _total suffix"). The per-type gauges `nodejs_active_handles`,
 * `nodejs_active_requests` and `nodejs_active_resources` carry the same counts: sum them.
 */
export const GAUGES_NAMED_LIKE_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/**
 * Node's default metrics on the global registry, less the gauges named like counters. Idempotent:
 * a second app in one process (tests) finds them registered already.
 */
export function collectNodeMetrics(): void {
  if (register.getSingleMetric('process_cpu_seconds_total')) return;
  collectDefaultMetrics();
  for (const name of GAUGES_NAMED_LIKE_COUNTERS) register.removeSingleMetric(name);
}
