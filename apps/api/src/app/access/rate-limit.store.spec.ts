import { spawn } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import Redis from 'ioredis';
import type { PipelineConfig } from '@imgpipe/config';
import { RateLimitStore } from './rate-limit.store';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A private redis-server on a free port: the window is timed and counted by Redis itself. */
async function startRedis(): Promise<{ port: number; stop: () => void }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let attempt = 0; ; attempt++) {
    const client = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const up = await client.connect().then(
      () => client.ping().then(() => true),
      () => false,
    );
    client.disconnect();
    if (up) break;
    if (attempt > 100) throw new Error('redis-server did not start');
    await sleep(50);
  }
  return { port, stop: () => proc.kill() };
}

describe('RateLimitStore', () => {
  let server: { port: number; stop: () => void };
  let redis: Redis;
  let prefix = 0;
  const store = (limit: number, windowS: number) =>
    new RateLimitStore(
      redis,
      { keyPrefix: `rate-limit-spec-${++prefix}`, rateLimitPerMinute: limit } as PipelineConfig,
      windowS,
    );

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.port, '127.0.0.1');
  });
  afterAll(async () => {
    await redis?.quit();
    server?.stop();
  });

  it('admits the limit, then refuses with the wait until the oldest request leaves the window', async () => {
    const limiter = store(3, 60);
    for (const remaining of [2, 1, 0]) expect(await limiter.take('a')).toEqual({ allowed: true, remaining });
    const refused = await limiter.take('a');
    expect(refused).toEqual({ allowed: false, retryAfterS: expect.any(Number) });
    expect((refused as { retryAfterS: number }).retryAfterS).toBeGreaterThanOrEqual(59);
    expect((refused as { retryAfterS: number }).retryAfterS).toBeLessThanOrEqual(60);
    expect(await limiter.take('b')).toEqual({ allowed: true, remaining: 2 });
  });

  it('never admits more than the limit in any window, where a fixed window admits up to twice as many', async () => {
    const windowMs = 2000;
    const limiter = store(4, windowMs / 1000);
    const admitted: number[] = [];
    const take = async () => {
      if ((await limiter.take('busy')).allowed) admitted.push(Date.now());
    };
    // One request a tenth into a clock-aligned window, three more late in the window: a fixed window,
    // whether aligned to the clock or to the first request, resets soon after and admits four more.
    await sleep(1.1 * windowMs - (Date.now() % windowMs));
    const first = Date.now();
    await take();
    await sleep(0.75 * windowMs);
    for (let i = 0; i < 3; i++) await take();
    while (Date.now() - first < 1.5 * windowMs) {
      await take();
      await sleep(25);
    }
    for (const at of admitted) {
      expect(admitted.filter((t) => t >= at && t < at + windowMs - 150).length).toBeLessThanOrEqual(4);
    }
    // The first request's slot came free a window after it.
    expect(admitted.length).toBe(5);
    expect(admitted[4] - first).toBeGreaterThanOrEqual(windowMs - 20);
  }, 15_000);

  it('lets a refused client in again once its oldest request has left the window', async () => {
    const limiter = store(2, 1);
    await limiter.take('c');
    await sleep(400);
    await limiter.take('c');
    const refused = await limiter.take('c');
    expect(refused.allowed).toBe(false);
    await sleep(700);
    // The first request is out, the second still in: one slot.
    expect(await limiter.take('c')).toEqual({ allowed: true, remaining: 0 });
    expect((await limiter.take('c')).allowed).toBe(false);
  });

  it('admits everything without touching Redis when the limit is 0', async () => {
    const limiter = new RateLimitStore({} as Redis, { keyPrefix: 'unused', rateLimitPerMinute: 0 } as PipelineConfig);
    expect(await limiter.take('anyone')).toEqual({ allowed: true, remaining: Infinity });
  });
});
