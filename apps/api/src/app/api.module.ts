import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { MulterModule } from '@nestjs/platform-express';
import { TerminusModule } from '@nestjs/terminus';
import { PipelineConfig, PipelineConfigModule } from '@imgpipe/config';
import { JobsModule } from '@imgpipe/jobs';
import { MetricsModule } from '@imgpipe/metrics';
import { StorageModule } from '@imgpipe/storage';
import { ErrorFilter } from './errors/error.filter';
import { ErasureController } from './erasure.controller';
import { ErasureService } from './erasure.service';
import { JobsController } from './jobs.controller';
import { SystemController } from './system.controller';
import { UploadController } from './upload.controller';
import { UploadService } from './upload.service';
import { RateLimitStore } from './access/rate-limit.store';
import { HealthService } from './health.service';
import { IdempotencyStore } from './idempotency.store';
import { JobsService } from './jobs.service';
import { EarlyAdmissionInterceptor } from './early-admission.interceptor';
import { UploadBudgetInterceptor, UploadBytesBudget, budgetedMemoryStorage } from './upload-budget';

/** The api: validates uploads, stores originals, enqueues, answers status. No image decoding, no models. */
@Module({})
export class ApiModule {
  static forRoot(config: PipelineConfig): DynamicModule {
    const uploadBudget = new UploadBytesBudget(config.maxUploadBytesInFlight);
    return {
      module: ApiModule,
      imports: [
        PipelineConfigModule.forRoot(config),
        StorageModule.forRoot(config.storage),
        JobsModule.forRoot(),
        MetricsModule.forRoot('api'),
        TerminusModule,
        MulterModule.register({
          storage: budgetedMemoryStorage(uploadBudget, config.maxUploadBytes + 1),
          // Multer stops reading a file at fileSize and answers 413; files caps a batch.
          limits: {
            fileSize: config.maxUploadBytes,
            files: config.maxBatchFiles,
            fields: 20,
            parts: config.maxBatchFiles + 20,
          },
        }),
      ],
      controllers: [UploadController, JobsController, ErasureController, SystemController],
      providers: [
        UploadService,
        JobsService,
        ErasureService,
        RateLimitStore,
        IdempotencyStore,
        HealthService,
        { provide: UploadBytesBudget, useValue: uploadBudget },
        UploadBudgetInterceptor,
        EarlyAdmissionInterceptor,
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
