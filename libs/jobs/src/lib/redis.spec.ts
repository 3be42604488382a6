import { RedisUnavailableError, withRedisTimeout } from './redis';

describe('withRedisTimeout', () => {
  it('passes results through', async () => {
    await expect(withRedisTimeout(Promise.resolve(7), 100, 'x')).resolves.toBe(7);
  });

  it('turns a hang into RedisUnavailableError', async () => {
    const started = Date.now();
    await expect(withRedisTimeout(new Promise(() => undefined), 50, 'read job status')).rejects.toThrow(
      new RedisUnavailableError('read job status timed out after 50 ms'),
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('turns connection errors into RedisUnavailableError and leaves others alone', async () => {
    await expect(
      withRedisTimeout(
        Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
        100,
        'x',
      ),
    ).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(
      withRedisTimeout(Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')), 100, 'x'),
    ).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(
      withRedisTimeout(Promise.reject(new Error('WRONGTYPE Operation against a key')), 100, 'x'),
    ).rejects.toThrow('WRONGTYPE');
  });

  it.each([
    "READONLY You can't write against a read only replica.",
    'NOREPLICAS Not enough good replicas to write.',
    'LOADING Redis is loading the dataset in memory',
    'All sentinels are unreachable. Retrying from scratch after 10ms.',
  ])('counts a failover-time refusal as Redis unavailable: %s', async (message) => {
    await expect(withRedisTimeout(Promise.reject(new Error(message)), 100, 'x')).rejects.toBeInstanceOf(
      RedisUnavailableError,
    );
  });
});
