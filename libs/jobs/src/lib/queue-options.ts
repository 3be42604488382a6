import { QueueOptions } from 'bull';
import { imageJobRetryOptions } from '@imgpipe/contracts';
import { PipelineConfig } from '@imgpipe/config';
import { redisConnectionOptions } from './redis';

/** Retry, backoff and retention policy of every image job, and Bull's lock settings. */
export function bullQueueOptions(config: PipelineConfig): QueueOptions {
  return {
    redis: redisConnectionOptions(config.redis),
    prefix: config.queuePrefix,
    // The same options a service enqueueing directly gets from @imgpipe/contracts.
    defaultJobOptions: imageJobRetryOptions({
      attempts: config.jobAttempts,
      backoffMs: config.jobBackoffMs,
      retentionHours: config.jobRetentionHours,
    }),
    settings: {
      // libvips works on its own threads; onnxruntime-node runs each model on the event loop, but
      // for tens of milliseconds at a time, far below the renewal period, so the lock renews on
      // time under load (the soak counts lost locks). A job whose worker died is taken over once
      // its lock has expired and a stalled-check runs.
      lockDuration: config.jobLockMs,
      lockRenewTime: Math.floor(config.jobLockMs / 4),
      stalledInterval: Math.floor(config.jobLockMs / 2),
      maxStalledCount: 2,
    },
  };
}
