import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import { Queue } from 'bull';
import Redis from 'ioredis';
import { QUEUE_NAME } from '@imgpipe/contracts';
import { PipelineMetrics } from '@imgpipe/metrics';
import { REDIS_CLIENT, connectedAddress } from './redis';

/**
 * Watches this process's Redis connections through losses and failovers: how long each was
 * down, how often it came back, and whether it came back to another primary. Logs name hosts
 * (they are the operator's); the open /health never does.
 */
@Injectable()
export class RedisConnections implements OnModuleInit {
  private readonly logger = new Logger('Redis');

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @InjectQueue(QUEUE_NAME) private readonly queue: Queue,
    private readonly metrics: PipelineMetrics,
  ) {}

  onModuleInit(): void {
    this.watch(this.redis, 'status');
    this.watch(this.queue.client, 'queue');
  }

  private watch(client: Redis, connection: string): void {
    let primary = client.status === 'ready' ? connectedAddress(client) : null;
    let lostAt: number | null = null;
    client.on('ready', () => {
      const now = connectedAddress(client);
      if (lostAt !== null) {
        const outageS = (Date.now() - lostAt) / 1000;
        this.metrics.redisReconnects.inc({ connection });
        this.metrics.redisOutage.observe({ connection }, outageS);
        const moved = primary !== null && now !== null && now !== primary;
        if (moved) this.metrics.redisPrimaryChanges.inc({ connection });
        this.logger.log({
          message: moved ? 'redis primary changed' : 'redis connection back',
          connection,
          outage_s: Math.round(outageS * 1000) / 1000,
          ...(moved ? { from: primary } : {}),
          primary: now,
        });
      }
      primary = now ?? primary;
      lostAt = null;
    });
    // 'reconnecting', not 'close': it follows a drop at once, and a client closed on purpose
    // (the app stopping) does not reconnect, so a clean shutdown is not reported as a loss.
    client.on('reconnecting', () => {
      if (lostAt !== null) return;
      lostAt = Date.now();
      this.logger.warn({ message: 'redis connection lost', connection, primary });
    });
  }
}
