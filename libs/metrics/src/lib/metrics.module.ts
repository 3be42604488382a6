import { DynamicModule, Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { collectNodeMetrics } from './node-metrics';
import { PipelineMetrics } from './pipeline-metrics';
import { AuditLog } from './audit-log';

/**
 * `/metrics` in Prometheus text format, Node's default metrics, {@link PipelineMetrics}, and
 * request timing with request ids on every route.
 */
@Global()
@Module({})
export class MetricsModule implements NestModule {
  static forRoot(app: 'api' | 'worker'): DynamicModule {
    collectNodeMetrics();
    return {
      module: MetricsModule,
      imports: [
        PrometheusModule.register({
          path: '/metrics',
          controller: MetricsController,
          defaultMetrics: { enabled: false },
          defaultLabels: { app },
        }),
      ],
      providers: [PipelineMetrics, AuditLog],
      exports: [PipelineMetrics, AuditLog],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
