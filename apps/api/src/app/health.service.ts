import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { HealthView } from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { RedisHealthIndicator } from '@imgpipe/jobs';
import { StorageHealthIndicator } from '@imgpipe/storage';

/** What the api needs to accept uploads: Redis (queue and job records) and the object store. */
@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly storage: StorageHealthIndicator,
    @Inject(PIPELINE_CONFIG) private readonly config: PipelineConfig,
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
    // With sentinels, a lost primary is a failover the sentinels are working on, not an outage.
    const failingOver = this.config.redis.mode === 'sentinel' && Object.keys(errors).join() === 'redis';
    if (failingOver) errors['redis'] = `no Redis primary reachable (failover under way?): ${errors['redis']}`;
    return {
      status: healthy ? 'ok' : failingOver ? 'degraded' : 'unavailable',
      dependencies: { redis: state('redis'), storage: state('storage') },
      ...(healthy ? {} : { errors }),
    };
  }
}
