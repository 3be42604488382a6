import { Test } from '@nestjs/testing';
import { HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { KeyedHealthIndicator, summarizeHealth } from './health-summary';

const indicators = new HealthIndicatorService();

/** An indicator that is up, or down with the reason given, under whatever key it is checked as. */
function indicator(downWith?: string): KeyedHealthIndicator {
  return {
    isHealthy: async (key) =>
      downWith === undefined ? indicators.check(key).up() : indicators.check(key).down({ message: downWith }),
  };
}

describe('summarizeHealth', () => {
  let health: HealthCheckService;
  beforeAll(async () => {
    // The real service: it rejects with the result when an indicator is down.
    const module = await Test.createTestingModule({ imports: [TerminusModule.forRoot({ logger: false })] }).compile();
    health = module.get(HealthCheckService);
  });

  it('is ok when Redis and storage are up', async () => {
    expect(await summarizeHealth(health, { redis: indicator(), storage: indicator() }, 'url')).toEqual({
      status: 'ok',
      dependencies: { redis: 'up', storage: 'up' },
    });
  });

  it('is unavailable when Redis is down and there are no sentinels', async () => {
    const view = await summarizeHealth(
      health,
      { redis: indicator('redis unavailable: connect ECONNREFUSED (address)'), storage: indicator() },
      'url',
    );
    expect(view).toEqual({
      status: 'unavailable',
      dependencies: { redis: 'down', storage: 'up' },
      errors: { redis: 'redis unavailable: connect ECONNREFUSED (address)' },
    });
  });

  it('is degraded, saying a failover may be under way, when only Redis is down behind sentinels', async () => {
    const view = await summarizeHealth(
      health,
      { redis: indicator('redis check timed out after 2000 ms'), storage: indicator() },
      'sentinel',
    );
    expect(view).toEqual({
      status: 'degraded',
      dependencies: { redis: 'down', storage: 'up' },
      errors: { redis: 'no Redis primary reachable (failover under way?): redis check timed out after 2000 ms' },
    });
  });

  it('is unavailable when storage is down behind sentinels', async () => {
    const view = await summarizeHealth(
      health,
      { redis: indicator(), storage: indicator('storage check timed out after 2000 ms') },
      'sentinel',
    );
    expect(view).toEqual({
      status: 'unavailable',
      dependencies: { redis: 'up', storage: 'down' },
      errors: { storage: 'storage check timed out after 2000 ms' },
    });
  });

  it('is unavailable, with both reasons as they are, when Redis and storage are down behind sentinels', async () => {
    const view = await summarizeHealth(
      health,
      { redis: indicator('redis check timed out after 2000 ms'), storage: indicator('/data is not writable') },
      'sentinel',
    );
    expect(view).toEqual({
      status: 'unavailable',
      dependencies: { redis: 'down', storage: 'down' },
      errors: { redis: 'redis check timed out after 2000 ms', storage: '/data is not writable' },
    });
  });

  it('is unavailable once the app is shutting down, with every dependency up', async () => {
    const module = await Test.createTestingModule({ imports: [TerminusModule.forRoot({ logger: false })] }).compile();
    const closing = module.get(HealthCheckService);
    await module.close();
    expect(await summarizeHealth(closing, { redis: indicator(), storage: indicator() }, 'sentinel')).toEqual({
      status: 'unavailable',
      dependencies: { redis: 'up', storage: 'up' },
      errors: { process: 'shutting down' },
    });
  });
});
