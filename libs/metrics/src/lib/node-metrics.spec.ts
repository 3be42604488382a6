import { register } from 'prom-client';
import { GAUGES_NAMED_LIKE_COUNTERS, collectNodeMetrics } from './node-metrics';

describe('collectNodeMetrics', () => {
  afterAll(() => register.clear());

  it('registers the Node defaults once, without the gauges named like counters', async () => {
    collectNodeMetrics();
    collectNodeMetrics();
    const names = (await register.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining(['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'nodejs_active_handles']),
    );
    for (const name of GAUGES_NAMED_LIKE_COUNTERS) expect(names).not.toContain(name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('leaves only counters with a _total suffix', async () => {
    collectNodeMetrics();
    const misnamed = (await register.getMetricsAsJSON())
      .filter((m) => m.name.endsWith('_total') && String(m.type) !== 'counter')
      .map((m) => m.name);
    expect(misnamed).toEqual([]);
  });
});
