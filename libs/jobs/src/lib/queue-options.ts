import { QueueOptions } from 'bull';
import { PipelineConfig } from '@imgpipe/config';

/** Retry, backoff and retention policy of every image job, and Bull's lock settings. */
export function bullQueueOptions(config: PipelineConfig): QueueOptions {
  const retentionS = config.jobRetentionHours * 3600;
  return {
    redis: config.redisUrl as unknown as QueueOptions['redis'],
    prefix: config.queuePrefix,
    defaultJobOptions: {
      attempts: config.jobAttempts,
      backoff: { type: 'exponential', delay: config.jobBackoffMs },
      removeOnComplete: { age: retentionS, count: 10_000 },
      removeOnFail: { age: retentionS, count: 10_000 },
    },
    settings: {
      // Image work runs on libvips and onnxruntime threads, off the event loop, so the lock renews
      // on time even under load; the margin covers a slow storage write on a loaded machine. A job
      // whose worker died is taken over once its lock has expired and a stalled-check runs.
      lockDuration: config.jobLockMs,
      lockRenewTime: Math.floor(config.jobLockMs / 4),
      stalledInterval: Math.floor(config.jobLockMs / 2),
      maxStalledCount: 2,
    },
  };
}
