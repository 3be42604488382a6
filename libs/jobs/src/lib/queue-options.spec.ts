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
    expect(options.settings?.lockDuration).toBeGreaterThan(options.settings?.lockRenewTime ?? Infinity);
  });
});
