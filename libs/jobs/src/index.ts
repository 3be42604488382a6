export { JobsModule } from './lib/jobs.module';
export { ImageQueue, type QueueState } from './lib/image-queue.service';
export { AdmissionService, type Admission } from './lib/admission.service';
export {
  decideAdmission,
  drainRate,
  type AdmissionDecision,
  type AdmissionRefusal,
  type CompletionSample,
  type DrainRate,
} from './lib/admission';
export {
  ImageJobConsumer,
  JobErasedError,
  PermanentJobError,
  type ImageJobHandler,
  type JobContext,
  type JobObserver,
  type LockLoss,
} from './lib/image-job.consumer';
export { JobStatusStore, type JobAccess, type NewJobRecord } from './lib/job-status.store';
export { JobStatsStore } from './lib/job-stats.store';
export { BatchStore } from './lib/batch.store';
export { OriginalsDueStore, type DueOriginal } from './lib/originals-due.store';
export {
  REDIS_CLIENT,
  REDIS_TIMEOUT_MS,
  RedisUnavailableError,
  connectedAddress,
  createStatusRedis,
  redisConnectionOptions,
  withRedisTimeout,
} from './lib/redis';
export { RedisHealthIndicator, withoutAddresses } from './lib/redis.health';
export { summarizeHealth, type KeyedHealthIndicator } from './lib/health-summary';
export { RedisConnections } from './lib/redis-connections';
export { bullQueueOptions } from './lib/queue-options';
export { redisKeys } from './lib/keys';
