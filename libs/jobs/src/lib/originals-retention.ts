import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { IMAGE_FORMATS, ImageFormat, isImageFormat, storageKeys } from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { AuditLog } from '@imgpipe/metrics';
import { STORAGE_DRIVER, StorageDriver } from '@imgpipe/storage';
import { REDIS_CLIENT, REDIS_TIMEOUT_MS, withRedisTimeout } from './redis';
import { RedisKeys, redisKeys } from './keys';
import { JobStatusStore } from './job-status.store';

/** Originals deleted per sweep at most; the rest wait for the next one. */
const SWEEP_BATCH = 100;
/** A deletion that failed (storage down) is tried again this much later. */
const RETRY_DELAY_MS = 60_000;

/** Told of each original deleted by retention (for the audit log). */
export type OriginalDeleted = (jobId: string, deletedAt: number) => void;

/**
 * ORIGINALS_RETENTION_HOURS: when a job ends (completed, or failed with no retry left), its
 * unblurred original is deleted at once (0) or put in a Redis sorted set scored by when it is
 * due. Every worker process sweeps that set; ZREM decides which one deletes an original, so each
 * is deleted (and audited) once however many workers sweep.
 */
@Injectable()
export class OriginalsRetention {
  private readonly logger = new Logger(OriginalsRetention.name);
  private readonly keys: RedisKeys;
  private readonly retentionMs: number | undefined;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
    private readonly statuses: JobStatusStore,
    private readonly audit: AuditLog,
  ) {
    this.keys = redisKeys(config.keyPrefix);
    this.retentionMs =
      config.originalsRetentionHours === undefined ? undefined : Math.round(config.originalsRetentionHours * 3_600_000);
  }

  /** Whether originals are deleted at all. */
  get enabled(): boolean {
    return this.retentionMs !== undefined;
  }

  /** When an original of a job ending at `endedAt` is due for deletion; null while originals are kept. */
  dueAt(endedAt: number): number | null {
    return this.retentionMs === undefined ? null : endedAt + this.retentionMs;
  }

  /** How often a worker sweeps: often enough to be on time for short retentions, at most once a second. */
  get sweepIntervalMs(): number {
    return Math.min(60_000, Math.max(1000, Math.floor((this.retentionMs ?? 0) / 4)));
  }

  /** The job ended for good: its original is deleted now or scheduled. Erased jobs are left alone. */
  async jobEnded(jobId: string, format: ImageFormat, endedAt = Date.now(), onDeleted?: OriginalDeleted): Promise<void> {
    const dueAt = this.dueAt(endedAt);
    if (dueAt === null || (await this.statuses.isErased(jobId))) return;
    await this.statuses.markOriginalDue(jobId, dueAt);
    if (dueAt <= Date.now()) {
      await this.delete(jobId, format, onDeleted);
      return;
    }
    await withRedisTimeout(
      this.redis.zadd(this.keys.originalsDue, dueAt, `${format}:${jobId}`),
      REDIS_TIMEOUT_MS,
      'schedule original deletion',
    );
  }

  /** Deletes the originals that are due; returns how many this process deleted. */
  async sweep(onDeleted?: OriginalDeleted, now = Date.now()): Promise<number> {
    const due = await withRedisTimeout(
      this.redis.zrangebyscore(this.keys.originalsDue, '-inf', now, 'LIMIT', 0, SWEEP_BATCH),
      REDIS_TIMEOUT_MS,
      'read due originals',
    );
    let deleted = 0;
    for (const member of due) {
      // Whoever removes the member deletes the original; another worker's sweep skips it.
      const claimed = await withRedisTimeout(
        this.redis.zrem(this.keys.originalsDue, member),
        REDIS_TIMEOUT_MS,
        'claim due original',
      );
      if (claimed !== 1) continue;
      const [format, jobId] = member.split(':');
      if (!isImageFormat(format) || !jobId) continue;
      try {
        await this.delete(jobId, format, onDeleted);
        deleted += 1;
      } catch (err) {
        this.logger.warn({
          message: 'could not delete an original; trying again later',
          job_id: jobId,
          error: (err as Error).message,
        });
        await this.redis.zadd(this.keys.originalsDue, Date.now() + RETRY_DELAY_MS, member).catch(() => undefined);
      }
    }
    return deleted;
  }

  /** An erased job's original is already gone: nothing stays scheduled for it. */
  async forget(jobId: string): Promise<void> {
    await withRedisTimeout(
      this.redis.zrem(this.keys.originalsDue, ...IMAGE_FORMATS.map((format) => `${format}:${jobId}`)),
      REDIS_TIMEOUT_MS,
      'unschedule original deletion',
    );
  }

  private async delete(jobId: string, format: ImageFormat, onDeleted?: OriginalDeleted): Promise<void> {
    await this.storage.delete(storageKeys.original(jobId, format));
    const deletedAt = Date.now();
    await this.statuses.markOriginalDeleted(jobId, deletedAt);
    this.logger.log({ message: 'original deleted by retention', job_id: jobId });
    this.audit.record('retention_delete', { actor: 'retention' }, { job_id: jobId });
    onDeleted?.(jobId, deletedAt);
  }
}
