import { DynamicModule, Global, Module } from '@nestjs/common';
import { PipelineConfig } from './pipeline-config';

/** Injection token of the validated {@link PipelineConfig}. */
export const PIPELINE_CONFIG = Symbol('PIPELINE_CONFIG');

/**
 * Makes the configuration injectable everywhere. Apps load it before bootstrapping (so a bad
 * value stops the process before anything connects) and hand it in here.
 */
@Global()
@Module({})
export class PipelineConfigModule {
  static forRoot(config: PipelineConfig): DynamicModule {
    return {
      module: PipelineConfigModule,
      providers: [{ provide: PIPELINE_CONFIG, useValue: config }],
      exports: [PIPELINE_CONFIG],
    };
  }
}
