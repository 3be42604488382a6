import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { HealthView } from '@imgpipe/contracts';
import { STORAGE_DRIVER, StorageDriver } from '@imgpipe/storage';
import { REDIS_CLIENT, withRedisTimeout } from './redis';

const CHECK_TIMEOUT_MS = 2000;

/** Answers whether Redis and the object store respond, for `/health` of both apps. */
@Injectable()
export class HealthService {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
  ) {}

  async check(): Promise<HealthView> {
    const errors: Record<string, string> = {};
    const probe = async (name: string, work: () => Promise<unknown>) => {
      try {
        await withRedisTimeout(work(), CHECK_TIMEOUT_MS, `${name} check`);
      } catch (err) {
        errors[name] = (err as Error).message;
      }
    };
    await Promise.all([probe('redis', () => this.redis.ping()), probe('storage', () => this.storage.ping())]);
    const state = (name: string) => (errors[name] ? 'down' : 'up');
    const healthy = Object.keys(errors).length === 0;
    return {
      status: healthy ? 'ok' : 'unavailable',
      dependencies: { redis: state('redis'), storage: state('storage') },
      ...(healthy ? {} : { errors }),
    };
  }
}
