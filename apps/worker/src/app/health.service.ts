import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { HealthView } from '@imgpipe/contracts';
import { RedisHealthIndicator } from '@imgpipe/jobs';
import { StorageHealthIndicator } from '@imgpipe/storage';

/** What a worker needs to take jobs: Redis (queue and job records) and the object store. */
@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly storage: StorageHealthIndicator,
  ) {}

  async check(): Promise<HealthView> {
    // terminus rejects with the result when an indicator is down; that result is still the answer.
    const result = await this.health
      .check([() => this.redis.isHealthy('redis'), () => this.storage.isHealthy('storage')])
      .catch((err: unknown) => {
        if (err instanceof ServiceUnavailableException) return err.getResponse() as HealthCheckResult;
        throw err;
      });
    const state = (key: string) => (result.details[key]?.status === 'up' ? 'up' : 'down');
    const errors = Object.fromEntries(
      Object.entries(result.error ?? {}).map(([key, detail]) => [key, String(detail?.['message'] ?? 'down')]),
    );
    const healthy = Object.keys(errors).length === 0;
    return {
      status: healthy ? 'ok' : 'unavailable',
      dependencies: { redis: state('redis'), storage: state('storage') },
      ...(healthy ? {} : { errors }),
    };
  }
}
