import { ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, HealthIndicatorResult } from '@nestjs/terminus';
import type { RedisConfig } from '@imgpipe/config';
import type { HealthView } from '@imgpipe/contracts';

/** A terminus indicator checked under the key it is given (RedisHealthIndicator, StorageHealthIndicator). */
export interface KeyedHealthIndicator {
  isHealthy(key: string): Promise<HealthIndicatorResult>;
}

/**
 * The api's and the worker's /health answer: runs the Redis and storage indicators through terminus
 * and says `ok` when both are up. With sentinels, Redis alone down is a failover the sentinels are
 * working on, not an outage: `degraded`. Anything else down, or the process shutting down: `unavailable`.
 */
export async function summarizeHealth(
  health: HealthCheckService,
  indicators: { redis: KeyedHealthIndicator; storage: KeyedHealthIndicator },
  redisMode: RedisConfig['mode'],
): Promise<HealthView> {
  // terminus rejects with the result when an indicator is down; that result is still the answer.
  const result = await health
    .check([() => indicators.redis.isHealthy('redis'), () => indicators.storage.isHealthy('storage')])
    .catch((err: unknown) => {
      if (err instanceof ServiceUnavailableException) return err.getResponse() as HealthCheckResult;
      throw err;
    });
  const state = (key: string) => (result.details[key]?.status === 'up' ? 'up' : 'down');
  const errors = Object.fromEntries(
    Object.entries(result.error ?? {}).map(([key, detail]) => [key, String(detail?.['message'] ?? 'down')]),
  );
  // Once the app is closing, terminus says so with every indicator up: out of rotation, not `ok`.
  if (result.status === 'shutting_down') errors['process'] = 'shutting down';
  const healthy = Object.keys(errors).length === 0;
  // With sentinels, a lost primary is a failover the sentinels are working on, not an outage.
  const failingOver = redisMode === 'sentinel' && Object.keys(errors).join() === 'redis';
  if (failingOver) errors['redis'] = `no Redis primary reachable (failover under way?): ${errors['redis']}`;
  return {
    status: healthy ? 'ok' : failingOver ? 'degraded' : 'unavailable',
    dependencies: { redis: state('redis'), storage: state('storage') },
    ...(healthy ? {} : { errors }),
  };
}
