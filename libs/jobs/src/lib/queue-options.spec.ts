import { RedisOptions } from 'ioredis';
import { loadConfig } from '@imgpipe/config';
import { bullQueueOptions } from './queue-options';

describe('bullQueueOptions', () => {
  it('retries with exponential backoff and keeps finished jobs for the retention period', () => {
    const options = bullQueueOptions(
      loadConfig({ JOB_ATTEMPTS: '4', JOB_BACKOFF_MS: '500', JOB_RETENTION_HOURS: '2', REDIS_URL: 'redis://r:6379/3' }),
    );
    expect(options.redis).toMatchObject({ host: 'r', port: 6379, db: 3 });
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

describe('redis connection', () => {
  it('reads the URL, TLS included, which Bull alone would drop', () => {
    const { redis } = bullQueueOptions(loadConfig({ REDIS_URL: 'rediss://user:p%40ss@cache.example:6380/2' }));
    expect(redis).toMatchObject({
      host: 'cache.example',
      port: 6380,
      db: 2,
      username: 'user',
      password: 'p@ss',
      tls: { servername: 'cache.example' },
    });
  });

  it('passes the query parameters of the URL on as options', () => {
    const { redis } = bullQueueOptions(
      loadConfig({ REDIS_URL: 'redis://cache.example:6379/1?family=6&connectionName=api' }),
    );
    expect(redis).toMatchObject({ host: 'cache.example', db: 1, family: 6, connectionName: 'api' });
  });

  it('asks the sentinels for the primary and follows its switches', () => {
    const { redis } = bullQueueOptions(
      loadConfig({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_PASSWORD: 'p', REDIS_SENTINEL_PASSWORD: 'sp' }),
    );
    expect(redis).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'mymaster',
      password: 'p',
      sentinelPassword: 'sp',
      failoverDetector: true,
    });
    const options = redis as RedisOptions;
    expect(options.retryStrategy?.(50)).toBe(1000);
    expect(options.reconnectOnError?.(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(options.reconnectOnError?.(new Error('WRONGTYPE'))).toBe(false);
  });
});
