export { MetricsModule } from './lib/metrics.module';
export { PipelineMetrics, STAGES, type Stage } from './lib/pipeline-metrics';
export { HttpMetricsMiddleware } from './lib/http-metrics.middleware';
