export { MetricsModule } from './lib/metrics.module';
export { PipelineMetrics, STAGES, type Stage } from './lib/pipeline-metrics';
