import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { ImageFormat, JobResults, JobStatus, JobStatusView } from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { REDIS_CLIENT, REDIS_TIMEOUT_MS, withRedisTimeout } from './redis';
import { RedisKeys, redisKeys } from './keys';

/** How long a job that never ends keeps its record: a safety net against orphaned keys. */
const PENDING_TTL_S = 7 * 24 * 3600;

/**
 * How long an erased job's tombstone stays: longer than any attempt can run, so a worker still holding
 * the job when it was erased finds the tombstone whenever it finishes.
 */
const ERASED_TTL_S = PENDING_TTL_S;

// Writes a job's record unless the job was erased (KEYS[2] exists), atomically, so a worker that
// finishes after an erasure cannot bring the record back. ARGV: ttl in seconds (0: only update an
// existing record and keep its expiry), then the counts of defaults (HSETNX), fields (HSET) and
// fields to remove, then those, in that order.
const WRITE_UNLESS_ERASED = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local ttl = tonumber(ARGV[1])
if ttl == 0 and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local i = 5
for _ = 1, tonumber(ARGV[2]) do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]); i = i + 2 end
for _ = 1, tonumber(ARGV[3]) do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]); i = i + 2 end
for _ = 1, tonumber(ARGV[4]) do redis.call('HDEL', KEYS[1], ARGV[i]); i = i + 1 end
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return 1
`;

export interface NewJobRecord {
  job_id: string;
  filename: string;
  file_size: number;
  batch_id?: string;
  format: ImageFormat;
  /** Unix milliseconds. */
  created_at: number;
  /** The token subject that uploaded it, when auth is on: only it (or `images:read-all`) may read the job. */
  owner?: string;
}

/** What deciding access to a job's records and objects needs. */
export interface JobAccess {
  format: ImageFormat;
  owner?: string;
  /** Unix milliseconds the original was deleted (ORIGINALS_RETENTION_HOURS), when it was. */
  originalDeletedAt?: number;
}

/**
 * Job status lives in Redis, not in process memory, so any api replica answers for any job,
 * and it stays readable for JOB_RETENTION_HOURS after the job ends.
 */
@Injectable()
export class JobStatusStore {
  private readonly keys: RedisKeys;
  private readonly retentionS: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
  ) {
    this.keys = redisKeys(config.keyPrefix);
    this.retentionS = config.jobRetentionHours * 3600;
  }

  async create(record: NewJobRecord): Promise<void> {
    const fields: Record<string, string | number> = {
      job_id: record.job_id,
      status: 'submitted',
      filename: record.filename,
      file_size: record.file_size,
      created_at: record.created_at,
      updated_at: record.created_at,
      attempts: 0,
      format: record.format,
    };
    if (record.batch_id) fields['batch_id'] = record.batch_id;
    if (record.owner) fields['owner'] = record.owner;
    await this.write(record.job_id, fields, PENDING_TTL_S);
  }

  /**
   * A worker started an attempt. The job's identity fields are filled in if missing, so a job that
   * another service enqueued directly (no api, no record) is as readable through the api as any other.
   */
  markProcessing(record: NewJobRecord, attempts: number): Promise<void> {
    const identity: Record<string, string | number> = {
      job_id: record.job_id,
      filename: record.filename,
      file_size: record.file_size,
      format: record.format,
      created_at: record.created_at,
    };
    if (record.batch_id) identity['batch_id'] = record.batch_id;
    return this.write(
      record.job_id,
      { status: 'processing', attempts, updated_at: Date.now() },
      PENDING_TTL_S,
      [],
      identity,
    );
  }

  /** An attempt failed and Bull will try again: the job is queued, with the last error kept. */
  markRetrying(jobId: string, attempts: number, error: string): Promise<void> {
    return this.write(jobId, { status: 'submitted', attempts, error, updated_at: Date.now() }, PENDING_TTL_S);
  }

  markCompleted(jobId: string, attempts: number, results: JobResults): Promise<void> {
    return this.write(
      jobId,
      { status: 'completed', attempts, results: JSON.stringify(results), updated_at: Date.now() },
      this.retentionS,
      ['error'],
    );
  }

  markFailed(jobId: string, attempts: number, error: string): Promise<void> {
    return this.write(jobId, { status: 'failed', attempts, error, updated_at: Date.now() }, this.retentionS);
  }

  /** The job ended: its original is due for deletion at `deleteAt` (unix ms). Kept on the record for /status. */
  markOriginalDue(jobId: string, deleteAt: number): Promise<void> {
    return this.write(jobId, { original_delete_at: deleteAt }, 0);
  }

  /** The original was deleted by retention; reading it now answers 410. */
  markOriginalDeleted(jobId: string, deletedAt: number): Promise<void> {
    return this.write(jobId, { original_deleted_at: deletedAt }, 0);
  }

  /**
   * Leaves the tombstone of an erased job, before any of its data is deleted: from then on no
   * record of it is written again (see WRITE_UNLESS_ERASED), and a worker holding it discards its results.
   */
  async markErased(jobId: string): Promise<void> {
    await withRedisTimeout(
      this.redis.set(this.keys.erased(jobId), Date.now(), 'EX', ERASED_TTL_S),
      REDIS_TIMEOUT_MS,
      'mark job erased',
    );
  }

  async isErased(jobId: string): Promise<boolean> {
    const exists = await withRedisTimeout(this.redis.exists(this.keys.erased(jobId)), REDIS_TIMEOUT_MS, 'read erasure');
    return exists === 1;
  }

  async get(jobId: string): Promise<JobStatusView | null> {
    const hash = await withRedisTimeout(this.redis.hgetall(this.keys.job(jobId)), REDIS_TIMEOUT_MS, 'read job status');
    return hash['status'] ? toView(hash) : null;
  }

  /** The stored format of a job's images, which names its objects, and its owner; null for an unknown job. */
  async access(jobId: string): Promise<JobAccess | null> {
    const [format, owner, deletedAt] = await withRedisTimeout(
      this.redis.hmget(this.keys.job(jobId), 'format', 'owner', 'original_deleted_at'),
      REDIS_TIMEOUT_MS,
      'read job access',
    );
    if (!format) return null;
    return {
      format: format as ImageFormat,
      ...(owner ? { owner } : {}),
      ...(deletedAt ? { originalDeletedAt: Number(deletedAt) } : {}),
    };
  }

  /** Forgets a job: one that was never enqueued (the upload was refused after its record was written), or an erased one. */
  async discard(jobId: string): Promise<void> {
    await withRedisTimeout(this.redis.del(this.keys.job(jobId)), REDIS_TIMEOUT_MS, 'discard job status');
  }

  /** Statuses of many jobs in one round trip; unknown (expired) ids are left out. */
  async statuses(jobIds: string[]): Promise<Map<string, JobStatus>> {
    const pipeline = this.redis.pipeline();
    for (const id of jobIds) pipeline.hget(this.keys.job(id), 'status');
    const replies = (await withRedisTimeout(pipeline.exec(), REDIS_TIMEOUT_MS, 'read job statuses')) ?? [];
    const out = new Map<string, JobStatus>();
    replies.forEach(([err, status], i) => {
      if (!err && typeof status === 'string') out.set(jobIds[i], status as JobStatus);
    });
    return out;
  }

  private async write(
    jobId: string,
    fields: Record<string, string | number>,
    ttlS: number,
    remove: string[] = [],
    defaults: Record<string, string | number> = {},
  ): Promise<void> {
    const pairs = (record: Record<string, string | number>) => Object.entries(record).flat();
    const args = [
      ttlS,
      Object.keys(defaults).length,
      Object.keys(fields).length,
      remove.length,
      ...pairs(defaults),
      ...pairs(fields),
      ...remove,
    ];
    await withRedisTimeout(
      this.redis.eval(WRITE_UNLESS_ERASED, 2, this.keys.job(jobId), this.keys.erased(jobId), ...args),
      REDIS_TIMEOUT_MS,
      'write job status',
    );
  }
}

function toView(hash: Record<string, string>): JobStatusView {
  const view: JobStatusView = {
    job_id: hash['job_id'],
    status: hash['status'] as JobStatus,
    created_at: toUnixSeconds(hash['created_at']),
    updated_at: toUnixSeconds(hash['updated_at']),
    attempts: Number(hash['attempts'] ?? 0),
  };
  if (hash['error']) view.error = hash['error'];
  if (hash['results']) view.results = JSON.parse(hash['results']) as JobResults;
  if (hash['original_delete_at']) view.original_delete_at = toUnixSeconds(hash['original_delete_at']);
  if (hash['original_deleted_at']) view.original_deleted_at = toUnixSeconds(hash['original_deleted_at']);
  return view;
}

/** Stored unix milliseconds as the unix seconds (two decimals) the api reports. */
export function toUnixSeconds(ms: string | undefined): number {
  return Math.round(Number(ms ?? 0) / 10) / 100;
}
