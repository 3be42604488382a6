export { MetricsModule } from './lib/metrics.module';
export { PipelineMetrics, STAGES, type Stage } from './lib/pipeline-metrics';
export { HttpMetricsMiddleware } from './lib/http-metrics.middleware';
export {
  AUDIT_ACTIONS,
  AUDIT_SINK,
  AuditLog,
  type AuditAction,
  type AuditActor,
  type AuditEvent,
  type AuditSink,
} from './lib/audit-log';
