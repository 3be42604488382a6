import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { BatchStatusView, JOB_STATUSES, JobStatus } from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { REDIS_CLIENT, REDIS_TIMEOUT_MS, withRedisTimeout } from './redis';
import { RedisKeys, redisKeys } from './keys';
import { JobStatusStore, toUnixSeconds } from './job-status.store';

/** A batch is the list of job ids one `POST /batch-upload` accepted; its counts are read live from the jobs. */
@Injectable()
export class BatchStore {
  private readonly keys: RedisKeys;
  private readonly retentionS: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
    private readonly jobs: JobStatusStore,
  ) {
    this.keys = redisKeys(config.keyPrefix);
    // A batch outlives its last job by the same retention, measured from its creation plus a day of processing.
    this.retentionS = config.jobRetentionHours * 3600 + 24 * 3600;
  }

  async create(batchId: string, jobIds: string[], createdAt: number, owner?: string): Promise<void> {
    const key = this.keys.batch(batchId);
    const tx = this.redis
      .multi()
      .hset(key, { created_at: createdAt, job_ids: JSON.stringify(jobIds), ...(owner ? { owner } : {}) })
      .expire(key, this.retentionS);
    await withRedisTimeout(tx.exec(), REDIS_TIMEOUT_MS, 'write batch');
  }

  /** The batch's progress, and the token subject that uploaded it (when auth was on). */
  async get(batchId: string): Promise<{ view: BatchStatusView; owner?: string } | null> {
    const hash = await withRedisTimeout(this.redis.hgetall(this.keys.batch(batchId)), REDIS_TIMEOUT_MS, 'read batch');
    if (!hash['job_ids']) return null;
    const jobIds = JSON.parse(hash['job_ids']) as string[];
    const statuses = await this.jobs.statuses(jobIds);
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const status of statuses.values()) counts[status] += 1;
    const view: BatchStatusView = {
      batch_id: batchId,
      created_at: toUnixSeconds(hash['created_at']),
      total: jobIds.length,
      counts,
      job_ids: jobIds,
    };
    return { view, ...(hash['owner'] ? { owner: hash['owner'] } : {}) };
  }

  /** Forgets an erased batch (its jobs are erased one by one). */
  async forget(batchId: string): Promise<void> {
    await withRedisTimeout(this.redis.del(this.keys.batch(batchId)), REDIS_TIMEOUT_MS, 'forget batch');
  }
}
