import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { percentile, summarizeLatency } from './percentiles';

describe('percentile (nearest rank)', () => {
  const values = [15, 20, 35, 40, 50];
  it.each([
    [5, 15],
    [30, 20],
    [40, 20],
    [50, 35],
    [95, 50],
    [100, 50],
    [0, 15],
  ])('p%d of [15,20,35,40,50] is %d', (p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('does not depend on input order and is null for no values', () => {
    expect(percentile([50, 15, 40, 20, 35], 50)).toBe(35);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('summarizeLatency', () => {
  it('reports seconds from millisecond samples', () => {
    const ms = Array.from({ length: 100 }, (_, i) => (i + 1) * 10);
    expect(summarizeLatency(ms)).toEqual({ p50: 0.5, p95: 0.95, samples: 100 });
    expect(summarizeLatency([])).toEqual({ p50: null, p95: null, samples: 0 });
  });
});

// tools/load-tests/load.mjs runs alone in a bare node container, so it keeps a copy of `percentile`
// (q from 0 to 1); this holds the copy to the one definition.
describe('the load tool\u2019s copy', () => {
  it('takes the same nearest-rank quantiles', () => {
    const samples = [[], [7], [3, 1], [15, 20, 35, 40, 50], Array.from({ length: 37 }, (_, i) => (i * 7919) % 101)];
    const qs = [0, 0.05, 0.3, 0.5, 0.9, 0.95, 0.99, 1];
    const load = join(__dirname, '../../../../tools/load-tests/load.mjs');
    const script = `import { quantile } from ${JSON.stringify(load)};
      const got = ${JSON.stringify(samples)}.map((v) => ${JSON.stringify(qs)}.map((q) => quantile(v, q)));
      process.stdout.write(JSON.stringify(got));`;
    const got = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    // JSON writes the copy's NaN for no values as null, the lib's answer.
    expect(got).toEqual(samples.map((v) => qs.map((q) => percentile(v, q * 100))));
  });
});
