import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { REDIS_CLIENT, REDIS_TIMEOUT_MS, withRedisTimeout } from './redis';
import { RedisKeys, redisKeys } from './keys';

const WINDOW_MS = 60_000;

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterS: number };

/**
 * Requests per client per minute, counted in Redis so every api replica shares one budget.
 * Fixed one-minute windows: cheap (one round trip) at the price of allowing up to twice the limit
 * across a window boundary.
 */
@Injectable()
export class RateLimitStore {
  private readonly keys: RedisKeys;
  readonly limit: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
  ) {
    this.keys = redisKeys(config.keyPrefix);
    this.limit = config.rateLimitPerMinute;
  }

  async take(client: string, now = Date.now()): Promise<RateDecision> {
    if (this.limit === 0) return { allowed: true, remaining: Infinity };
    const window = Math.floor(now / WINDOW_MS);
    const key = this.keys.rateWindow(createHash('sha256').update(client).digest('hex').slice(0, 32), window);
    const result = await withRedisTimeout(
      this.redis
        .multi()
        .incr(key)
        .pexpire(key, WINDOW_MS + 1000)
        .exec(),
      REDIS_TIMEOUT_MS,
      'count request',
    );
    const count = Number(result?.[0]?.[1] ?? 0);
    if (count <= this.limit) return { allowed: true, remaining: this.limit - count };
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000)) };
  }
}
