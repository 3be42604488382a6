import { percentile, summarize } from './percentiles';

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

describe('summarize', () => {
  it('reports seconds from millisecond samples', () => {
    const ms = Array.from({ length: 100 }, (_, i) => (i + 1) * 10);
    expect(summarize(ms)).toEqual({ p50: 0.5, p95: 0.95, samples: 100 });
    expect(summarize([])).toEqual({ p50: null, p95: null, samples: 0 });
  });
});
