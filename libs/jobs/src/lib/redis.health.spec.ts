import { createServer } from 'node:net';
import { HealthIndicatorService } from '@nestjs/terminus';
import { createStatusRedis } from './redis';
import { RedisHealthIndicator, withoutAddresses } from './redis.health';

/** A port that was free a moment ago: nothing listens there. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('RedisHealthIndicator', () => {
  it('is down, naming Redis and why, when nothing answers', async () => {
    const redis = createStatusRedis({ mode: 'url', url: `redis://127.0.0.1:${await closedPort()}` });
    try {
      const started = Date.now();
      const result = await new RedisHealthIndicator(redis, new HealthIndicatorService()).isHealthy('redis');
      expect(result).toEqual({ redis: { status: 'down', message: expect.stringMatching(/^redis unavailable: /) } });
      expect(JSON.stringify(result)).not.toMatch(/127\.0\.0\.1|:\d{4,5}/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      redis.disconnect();
    }
  });
});

describe('withoutAddresses', () => {
  it.each([
    ['redis unavailable: connect ECONNREFUSED 127.0.0.1:6379', 'redis unavailable: connect ECONNREFUSED (address)'],
    ['connect ETIMEDOUT redis-0.redis.imgpipe.svc:26379', 'connect ETIMEDOUT (address)'],
    ['connect ECONNREFUSED [::1]:6380', 'connect ECONNREFUSED (address)'],
    [
      'All sentinels are unreachable. Last error: connect ECONNREFUSED 10.1.2.3',
      'All sentinels are unreachable. Last error: connect ECONNREFUSED (address)',
    ],
    ['redis check timed out after 2000 ms', 'redis check timed out after 2000 ms'],
  ])('%s', (message, expected) => {
    expect(withoutAddresses(message)).toBe(expected);
  });
});
