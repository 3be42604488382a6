import { createServer } from 'node:net';
import { HealthIndicatorService } from '@nestjs/terminus';
import { createStatusRedis } from './redis';
import { RedisHealthIndicator } from './redis.health';

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
    const redis = createStatusRedis(`redis://127.0.0.1:${await closedPort()}`);
    try {
      const started = Date.now();
      const result = await new RedisHealthIndicator(redis, new HealthIndicatorService()).isHealthy('redis');
      expect(result).toEqual({ redis: { status: 'down', message: expect.stringMatching(/^redis unavailable: /) } });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      redis.disconnect();
    }
  });
});
