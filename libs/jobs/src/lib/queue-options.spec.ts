import { loadConfig } from '@imgpipe/config';
import { bullQueueOptions } from './queue-options';

describe('bullQueueOptions', () => {
  it('retries with exponential backoff and keeps finished jobs for the retention period', () => {
    const options = bullQueueOptions(
      loadConfig({ JOB_ATTEMPTS: '4', JOB_BACKOFF_MS: '500', JOB_RETENTION_HOURS: '2', REDIS_URL: 'redis://r:6379/3' }),
    );
    expect(options.redis).toBe('redis://r:6379/3');
    expect(options.prefix).toBe('bull');
    expect(options.defaultJobOptions).toEqual({
      attempts: 4,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 7200, count: 10_000 },
      removeOnFail: { age: 7200, count: 10_000 },
    });
    expect(options.settings).toMatchObject({ lockDuration: 15_000, lockRenewTime: 3750, stalledInterval: 7500 });
  });

  it('renews the lock four times per lock period and checks for stalled jobs twice', () => {
    const options = bullQueueOptions(loadConfig({ JOB_LOCK_MS: '4000' }));
    expect(options.settings).toMatchObject({ lockDuration: 4000, lockRenewTime: 1000, stalledInterval: 2000 });
  });
});
