import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { StatsView, summarizeLatency } from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { REDIS_CLIENT, REDIS_TIMEOUT_MS, withRedisTimeout } from './redis';
import { RedisKeys, redisKeys } from './keys';
import type { CompletionSample } from './admission';

const WINDOW_15M_MS = 15 * 60 * 1000;
/** Latency percentiles are taken over this many most recent jobs. */
const LATENCY_SAMPLES = 1000;

// A job without a status record (enqueued by another service before a worker wrote one) is
// counted without the mark rather than given a record that would never expire.
const RECORD_COMPLETED = `
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HSETNX', KEYS[1], 'counted', '1') == 0 then return 0 end
redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], 0, ARGV[3])
redis.call('LPUSH', KEYS[4], ARGV[4])
redis.call('LTRIM', KEYS[4], 0, ARGV[6])
redis.call('LPUSH', KEYS[5], ARGV[5])
redis.call('LTRIM', KEYS[5], 0, ARGV[6])
return 1
`;

/**
 * Totals, recent throughput and latency samples, kept in Redis so every replica of the api
 * reports the same figures whichever worker did the work.
 */
@Injectable()
export class JobStatsStore {
  private readonly keys: RedisKeys;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
  ) {
    this.keys = redisKeys(config.keyPrefix);
  }

  async recordSubmitted(count = 1): Promise<void> {
    await withRedisTimeout(
      this.redis.incrby(this.keys.counter('submitted'), count),
      REDIS_TIMEOUT_MS,
      'count submission',
    );
  }

  /**
   * Counts a completed job once, however often it ran: a job whose first completion was lost with
   * a failed primary, or whose worker lost its lock, runs again and finishes again. The job's
   * status record remembers that it was counted.
   */
  async recordCompleted(jobId: string, processingMs: number, endToEndMs: number, now = Date.now()): Promise<boolean> {
    const k = this.keys;
    const counted = await withRedisTimeout(
      this.redis.eval(
        RECORD_COMPLETED,
        5,
        k.job(jobId),
        k.counter('completed'),
        k.completions,
        k.processingMs,
        k.endToEndMs,
        now,
        jobId,
        now - WINDOW_15M_MS,
        Math.round(processingMs),
        Math.round(endToEndMs),
        LATENCY_SAMPLES - 1,
      ),
      REDIS_TIMEOUT_MS,
      'record completion',
    );
    return counted === 1;
  }

  /** Completions within `windowMs` of now across every worker, and when the oldest of them happened. */
  async recentCompletions(windowMs: number, now = Date.now()): Promise<CompletionSample> {
    const since = now - windowMs;
    const [count, oldest] = await withRedisTimeout(
      Promise.all([
        this.redis.zcount(this.keys.completions, since, '+inf'),
        this.redis.zrangebyscore(this.keys.completions, since, '+inf', 'WITHSCORES', 'LIMIT', 0, 1),
      ]),
      REDIS_TIMEOUT_MS,
      'read recent completions',
    );
    return { count, oldestAt: oldest.length === 2 ? Number(oldest[1]) : null };
  }

  async recordFailed(): Promise<void> {
    await withRedisTimeout(this.redis.incr(this.keys.counter('failed')), REDIS_TIMEOUT_MS, 'record failure');
  }

  async read(now = Date.now()): Promise<StatsView> {
    const k = this.keys;
    const replies = await withRedisTimeout(
      this.redis
        .multi()
        .mget(k.counter('submitted'), k.counter('completed'), k.counter('failed'))
        .zcount(k.completions, now - 60_000, '+inf')
        .zcount(k.completions, now - 5 * 60_000, '+inf')
        .zcount(k.completions, now - WINDOW_15M_MS, '+inf')
        .lrange(k.processingMs, 0, -1)
        .lrange(k.endToEndMs, 0, -1)
        .exec(),
      REDIS_TIMEOUT_MS,
      'read statistics',
    );
    const value = (i: number) => {
      const [err, result] = replies?.[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      return result;
    };
    const [submitted, completed, failed] = (value(0) as (string | null)[]).map((v) => Number(v ?? 0));
    const ended = completed + failed;
    const perSecond = (count: unknown, windowS: number) => Math.round((Number(count) / windowS) * 1000) / 1000;
    return {
      submitted,
      completed,
      failed,
      success_rate: ended === 0 ? null : Math.round((completed / ended) * 10000) / 10000,
      throughput: {
        last_1m: perSecond(value(1), 60),
        last_5m: perSecond(value(2), 300),
        last_15m: perSecond(value(3), 900),
      },
      processing_time_seconds: summarizeLatency((value(4) as string[]).map(Number)),
      end_to_end_latency_seconds: summarizeLatency((value(5) as string[]).map(Number)),
    };
  }
}
