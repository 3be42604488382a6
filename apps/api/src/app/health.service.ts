import { Inject, Injectable } from '@nestjs/common';
import { HealthCheckService } from '@nestjs/terminus';
import { HealthView } from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { RedisHealthIndicator, summarizeHealth } from '@imgpipe/jobs';
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

  check(): Promise<HealthView> {
    return summarizeHealth(this.health, { redis: this.redis, storage: this.storage }, this.config.redis.mode);
  }
}
