import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { BullModule } from '@nestjs/bull';
import { TerminusModule } from '@nestjs/terminus';
import Redis from 'ioredis';
import { QUEUE_NAME } from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { REDIS_CLIENT, createStatusRedis } from './redis';
import { JobStatusStore } from './job-status.store';
import { JobStatsStore } from './job-stats.store';
import { BatchStore } from './batch.store';
import { ImageQueue } from './image-queue.service';
import { ImageJobConsumer } from './image-job.consumer';
import { bullQueueOptions } from './queue-options';
import { RedisHealthIndicator } from './redis.health';
import { QueueMetrics } from './queue-metrics';
import { AdmissionService } from './admission.service';
import { RedisConnections } from './redis-connections';
import { OriginalsDueStore } from './originals-due.store';

const services = [
  JobStatusStore,
  JobStatsStore,
  BatchStore,
  ImageQueue,
  ImageJobConsumer,
  RedisHealthIndicator,
  QueueMetrics,
  AdmissionService,
  RedisConnections,
  OriginalsDueStore,
];

/** The image-processing queue, its status records and statistics, for the api and the worker alike. */
@Global()
@Module({})
export class JobsModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  static forRoot(): DynamicModule {
    return {
      module: JobsModule,
      imports: [
        BullModule.forRootAsync({
          inject: [PIPELINE_CONFIG],
          useFactory: (config: PipelineConfig) => bullQueueOptions(config),
        }),
        BullModule.registerQueue({ name: QUEUE_NAME }),
        TerminusModule,
      ],
      providers: [
        {
          provide: REDIS_CLIENT,
          inject: [PIPELINE_CONFIG],
          useFactory: (config: PipelineConfig) => createStatusRedis(config.redis),
        },
        ...services,
      ],
      exports: [BullModule, REDIS_CLIENT, ...services],
    };
  }

  /** Last, after the queue has drained: in-flight jobs still write their status. */
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
