import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { IMAGE_FORMATS, ImageFormat, isImageFormat } from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { REDIS_CLIENT, REDIS_TIMEOUT_MS, withRedisTimeout } from './redis';
import { RedisKeys, redisKeys } from './keys';

/** An original whose ORIGINALS_RETENTION_HOURS have passed. */
export interface DueOriginal {
  jobId: string;
  format: ImageFormat;
}

/**
 * Originals due for deletion (ORIGINALS_RETENTION_HOURS), in a Redis sorted set scored by when
 * each is due, shared by every worker process. `claimDue` hands each due original to exactly one
 * caller: the one whose ZREM removed it. That is what lets every worker sweep without a lock.
 */
@Injectable()
export class OriginalsDueStore {
  private readonly keys: RedisKeys;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
  ) {
    this.keys = redisKeys(config.keyPrefix);
  }

  async schedule(original: DueOriginal, dueAt: number): Promise<void> {
    await withRedisTimeout(
      this.redis.zadd(this.keys.originalsDue, dueAt, member(original)),
      REDIS_TIMEOUT_MS,
      'schedule original deletion',
    );
  }

  /** Takes up to `limit` originals due by `now` off the set; another caller never gets the same one. */
  async claimDue(limit: number, now = Date.now()): Promise<DueOriginal[]> {
    const due = await withRedisTimeout(
      this.redis.zrangebyscore(this.keys.originalsDue, '-inf', now, 'LIMIT', 0, limit),
      REDIS_TIMEOUT_MS,
      'read due originals',
    );
    const claimed: DueOriginal[] = [];
    for (const entry of due) {
      const removed = await withRedisTimeout(
        this.redis.zrem(this.keys.originalsDue, entry),
        REDIS_TIMEOUT_MS,
        'claim due original',
      );
      const [format, jobId] = entry.split(':');
      if (removed === 1 && isImageFormat(format) && jobId) claimed.push({ jobId, format });
    }
    return claimed;
  }

  /** An erased job's original is already gone: nothing stays scheduled for it. */
  async forget(jobId: string): Promise<void> {
    await withRedisTimeout(
      this.redis.zrem(this.keys.originalsDue, ...IMAGE_FORMATS.map((format) => member({ jobId, format }))),
      REDIS_TIMEOUT_MS,
      'unschedule original deletion',
    );
  }
}

function member({ jobId, format }: DueOriginal): string {
  return `${format}:${jobId}`;
}
