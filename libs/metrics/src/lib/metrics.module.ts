import { DynamicModule, Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { PipelineMetrics } from './pipeline-metrics';

/** `/metrics` in Prometheus text format, Node's default metrics, and {@link PipelineMetrics}. */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(app: 'api' | 'worker'): DynamicModule {
    return {
      module: MetricsModule,
      imports: [
        PrometheusModule.register({
          path: '/metrics',
          defaultMetrics: { enabled: true },
          defaultLabels: { app },
        }),
      ],
      providers: [PipelineMetrics],
      exports: [PipelineMetrics],
    };
  }
}
