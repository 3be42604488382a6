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
      // Image work is async (libvips and onnxruntime threads), so the lock renews on time;
      // the margin covers a slow storage write on a loaded machine.
      lockDuration: 60_000,
      lockRenewTime: 15_000,
      stalledInterval: 30_000,
      maxStalledCount: 2,
    },
  };
}
