import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { REDIS_CLIENT, REDIS_TIMEOUT_MS, withRedisTimeout } from '@imgpipe/jobs';

const WINDOW_S = 60;

/** Optional injection token of the window's length in seconds (tests shorten it). */
export const RATE_LIMIT_WINDOW_S = Symbol('RATE_LIMIT_WINDOW_S');

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterS: number };

/**
 * A sliding-window log: one sorted-set member per request admitted in the last window, timed by the
 * Redis server's clock so replicas with drifting clocks still share one budget. rate-limiter-flexible
 * only ships fixed windows, which let a client through twice over across a window's edge; its
 * `customIncrTtlLuaScript` hook keeps its consume/result handling and swaps in this count. A refused
 * request is not recorded, so a client that keeps retrying is let in as soon as its oldest request
 * leaves the window. Answers {consumed, ms until the oldest admitted request leaves the window}.
 */
const SLIDING_WINDOW_LUA = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local cost = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2]) * 1000
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs - windowMs)
local count = redis.call('ZCARD', KEYS[1])
if count + cost <= limit then
  for i = 1, cost do
    redis.call('ZADD', KEYS[1], nowMs, now[1] .. now[2] .. ':' .. (count + i))
  end
  redis.call('PEXPIRE', KEYS[1], windowMs)
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local ttl = windowMs
if oldest[2] then ttl = tonumber(oldest[2]) + windowMs - nowMs end
return {count + cost, ttl}
`;

/** Requests per client in any sliding minute, counted in Redis so every api replica shares one budget. */
@Injectable()
export class RateLimitStore {
  readonly limit: number;
  private readonly limiter: RateLimiterRedis | null;

  constructor(
    @Inject(REDIS_CLIENT) redis: Redis,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
    @Optional() @Inject(RATE_LIMIT_WINDOW_S) windowS: number = WINDOW_S,
  ) {
    this.limit = config.rateLimitPerMinute;
    this.limiter =
      this.limit === 0
        ? null
        : new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `${config.keyPrefix}:ratelimit`,
            points: this.limit,
            duration: windowS,
            customIncrTtlLuaScript: SLIDING_WINDOW_LUA,
          });
  }

  async take(client: string): Promise<RateDecision> {
    if (!this.limiter) return { allowed: true, remaining: Infinity };
    // Never raw client input in a key name.
    const key = createHash('sha256').update(client).digest('hex').slice(0, 32);
    // Over the limit, rate-limiter-flexible rejects with the result: a refusal, not an error.
    const counted = this.limiter
      .consume(key)
      .catch((res: unknown) => (res instanceof RateLimiterRes ? res : Promise.reject(res)));
    const res = await withRedisTimeout(counted, REDIS_TIMEOUT_MS, 'count request');
    if (res.consumedPoints <= this.limit) return { allowed: true, remaining: res.remainingPoints };
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
  }
}
