import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { REDIS_CLIENT, withRedisTimeout } from './redis';

const CHECK_TIMEOUT_MS = 2000;

/** Whether Redis, which holds the queue and the job records, answers a PING in time. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async isHealthy<const Key extends string>(key: Key) {
    const indicator = this.indicators.check(key);
    try {
      await withRedisTimeout(this.redis.ping(), CHECK_TIMEOUT_MS, `${key} check`);
      return indicator.up();
    } catch (err) {
      return indicator.down({ message: withoutAddresses((err as Error).message) });
    }
  }
}

/**
 * The reason without the hosts and ports in it: /health is open, and the network's layout is
 * the operator's to know (the logs have it).
 */
export function withoutAddresses(message: string): string {
  return message
    .replace(/\[[0-9A-Fa-f:.]+\](:\d+)?/g, '(address)')
    .replace(/(?<![\w.-])[\w.-]*[A-Za-z0-9]:\d{1,5}\b/g, '(address)')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}\b/g, '(address)');
}
