import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { REDIS_CLIENT, REDIS_TIMEOUT_MS, withRedisTimeout } from '@imgpipe/jobs';

/**
 * How long a claim lives before its response is recorded. An api that dies mid-request leaves a
 * claim behind; it must not answer "in progress" to the client's retries for the whole retention.
 */
const PENDING_CLAIM_MS = 120_000;

/** What a request with an Idempotency-Key finds when it arrives. */
export type IdempotencyClaim<T> =
  | { state: 'new' }
  | { state: 'replay'; response: T }
  | { state: 'in_progress' }
  | { state: 'mismatch' };

interface Entry<T> {
  fingerprint: string;
  response?: T;
}

/**
 * Remembers, per client and Idempotency-Key, the fingerprint of the request (its bytes and options)
 * and the response it got, for as long as the job's status is kept. A retried request with the same
 * key and bytes gets the first response instead of creating a second job.
 */
@Injectable()
export class IdempotencyStore {
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
  ) {
    this.prefix = config.keyPrefix;
    this.ttlMs = config.jobRetentionHours * 3600 * 1000;
  }

  /** Takes the key for this request (atomically: of two concurrent requests, one wins) or reports who has it. */
  async claim<T>(client: string, key: string, fingerprint: string): Promise<IdempotencyClaim<T>> {
    const redisKey = this.redisKey(client, key);
    const entry: Entry<T> = { fingerprint };
    const taken = await withRedisTimeout(
      this.redis.set(redisKey, JSON.stringify(entry), 'PX', Math.min(PENDING_CLAIM_MS, this.ttlMs), 'NX'),
      REDIS_TIMEOUT_MS,
      'claim idempotency key',
    );
    if (taken === 'OK') return { state: 'new' };
    const raw = await withRedisTimeout(this.redis.get(redisKey), REDIS_TIMEOUT_MS, 'read idempotency key');
    // Expired between the two commands: claim again.
    if (raw === null) return this.claim(client, key, fingerprint);
    const existing = JSON.parse(raw) as Entry<T>;
    if (existing.fingerprint !== fingerprint) return { state: 'mismatch' };
    return existing.response === undefined
      ? { state: 'in_progress' }
      : { state: 'replay', response: existing.response };
  }

  /**
   * Records the response the claimed request got, for replays, and which entry names each of
   * `jobIds`, so that erasing a job erases the response that names it (forgetJob).
   */
  async complete<T>(client: string, key: string, fingerprint: string, response: T, jobIds: string[]): Promise<void> {
    const entry: Entry<T> = { fingerprint, response };
    const redisKey = this.redisKey(client, key);
    const tx = this.redis.multi().set(redisKey, JSON.stringify(entry), 'PX', this.ttlMs);
    for (const jobId of jobIds) tx.set(this.jobKey(jobId), redisKey, 'PX', this.ttlMs);
    await withRedisTimeout(tx.exec(), REDIS_TIMEOUT_MS, 'complete idempotency key');
  }

  /**
   * Forgets the recorded response that names an erased job (its id and filename): a replay of
   * that request is then processed afresh instead of answering with the erased job.
   */
  async forgetJob(jobId: string): Promise<void> {
    const jobKey = this.jobKey(jobId);
    const redisKey = await withRedisTimeout(this.redis.get(jobKey), REDIS_TIMEOUT_MS, 'find idempotency key');
    await withRedisTimeout(
      this.redis.del(jobKey, ...(redisKey ? [redisKey] : [])),
      REDIS_TIMEOUT_MS,
      'forget idempotency key',
    );
  }

  /** Frees the key after the claimed request failed, so the client's retry is processed afresh. */
  async release(client: string, key: string): Promise<void> {
    await withRedisTimeout(this.redis.del(this.redisKey(client, key)), REDIS_TIMEOUT_MS, 'release idempotency key');
  }

  private jobKey(jobId: string): string {
    return `${this.prefix}:idempotency-of:${jobId}`;
  }

  /** Hashed: never raw client input in a key name. */
  private redisKey(client: string, key: string): string {
    const hash = createHash('sha256').update(client).update('\0').update(key).digest('hex');
    return `${this.prefix}:idempotency:${hash}`;
  }
}
