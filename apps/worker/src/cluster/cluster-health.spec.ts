import type { HealthView } from '@imgpipe/contracts';
import { combineHealth } from './cluster-health';

const ok: HealthView = { status: 'ok', dependencies: { redis: 'up', storage: 'up' } };
const failingOver: HealthView = {
  status: 'degraded',
  dependencies: { redis: 'down', storage: 'up' },
  errors: { redis: 'no Redis primary reachable (failover under way?): redis check timed out after 2000 ms' },
};
const storageDown: HealthView = {
  status: 'unavailable',
  dependencies: { redis: 'up', storage: 'down' },
  errors: { storage: 'storage check timed out after 2000 ms' },
};

describe('combineHealth', () => {
  it('is ok when every process is ready and ok', () => {
    expect(combineHealth([ok, ok], { ready: 2, total: 2 })).toEqual(ok);
  });

  it('passes a failover through as degraded when every process that is not ok says so', () => {
    expect(combineHealth([failingOver, failingOver], { ready: 2, total: 2 })).toEqual(failingOver);
    // One process may still see the old primary, or already the new one.
    expect(combineHealth([ok, failingOver], { ready: 2, total: 2 })).toEqual(failingOver);
  });

  it('is unavailable when any process finds a dependency down otherwise', () => {
    expect(combineHealth([failingOver, storageDown], { ready: 2, total: 2 })).toEqual({
      status: 'unavailable',
      dependencies: { redis: 'down', storage: 'down' },
      errors: { ...failingOver.errors, ...storageDown.errors },
    });
  });

  it('is unavailable, not degraded, while a process is missing', () => {
    expect(combineHealth([failingOver], { ready: 1, total: 2 })).toEqual({
      status: 'unavailable',
      dependencies: { redis: 'down', storage: 'up' },
      errors: { ...failingOver.errors, processes: '1 of 2 worker processes ready' },
    });
    expect(
      combineHealth([failingOver, { error: 'process 1 did not answer in 3000 ms' }], { ready: 2, total: 2 }),
    ).toEqual({
      status: 'unavailable',
      dependencies: { redis: 'down', storage: 'up' },
      errors: { ...failingOver.errors, processes: '1 worker processes did not answer' },
    });
  });
});
