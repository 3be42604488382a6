import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PipelineConfig, PipelineConfigModule } from '@imgpipe/config';
import { JobsModule } from '@imgpipe/jobs';
import { MetricsModule } from '@imgpipe/metrics';
import { StorageModule } from '@imgpipe/storage';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { ImageJobProcessor } from './image-job.processor';
import { PIPELINE, createPipeline } from './pipeline.provider';
import { OriginalsRetention } from './originals-retention';
import { RetentionSweeper } from './retention.sweeper';

/** The worker: consumes the queue, runs the pipeline, writes results; serves /health and /metrics. */
@Module({})
export class WorkerModule {
  static forRoot(config: PipelineConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        PipelineConfigModule.forRoot(config),
        StorageModule.forRoot(config.storage),
        JobsModule.forRoot(),
        MetricsModule.forRoot('worker'),
        TerminusModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: PIPELINE, useFactory: () => createPipeline(config) },
        ImageJobProcessor,
        HealthService,
        OriginalsRetention,
        RetentionSweeper,
      ],
    };
  }
}
