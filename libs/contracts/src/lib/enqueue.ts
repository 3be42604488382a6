import { ImageFormat } from './images';
import { ProcessImagePayload, validateProcessImagePayload } from './payloads';
import { BlurPolicyOverride } from './policy';
import { storageKeys } from './storage-keys';

// For services that put jobs on the queue themselves instead of uploading through the api: the
// payload and job options the api would have used, built and checked by the same code.

/** An image a producer has already stored at `storageKeys.original(job_id, format)`. */
export interface NewImageJob {
  /** A UUID the producer chose; it names every object of the job. */
  job_id: string;
  format: ImageFormat;
  /** For display in metadata only; never part of a key. */
  filename: string;
  file_size: number;
  /** Unix milliseconds the image was accepted (default: now): the start of end-to-end latency. */
  submitted_at?: number;
  batch_id?: string;
  policy?: BlurPolicyOverride;
}

/**
 * The payload of a `JobName.ProcessImage` job for an image already in storage, validated
 * as the api and the worker validate it: throws a PayloadValidationError listing every problem.
 */
export function createProcessImagePayload(job: NewImageJob, now = Date.now()): ProcessImagePayload {
  const payload: ProcessImagePayload = {
    job_id: job.job_id,
    original_key: storageKeys.original(job.job_id, job.format),
    format: job.format,
    filename: job.filename,
    file_size: job.file_size,
    submitted_at: job.submitted_at ?? now,
    ...(job.batch_id !== undefined ? { batch_id: job.batch_id } : {}),
    ...(job.policy !== undefined ? { policy: job.policy } : {}),
  };
  return validateProcessImagePayload(payload);
}

/** Retry and retention of image jobs; the defaults are the api's (JOB_ATTEMPTS, JOB_BACKOFF_MS, JOB_RETENTION_HOURS). */
export interface ImageJobPolicy {
  attempts: number;
  backoffMs: number;
  retentionHours: number;
}

export const DEFAULT_IMAGE_JOB_POLICY: Readonly<ImageJobPolicy> = { attempts: 3, backoffMs: 1000, retentionHours: 24 };

/** Retry, backoff and retention of every image job: Bull's default job options on the api's queue. */
export interface ImageJobRetryOptions {
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
  /** Finished jobs leave Redis after the retention time (and beyond the newest 10 000). */
  removeOnComplete: { age: number; count: number };
  removeOnFail: { age: number; count: number };
}

/** Bull's job options as the api sets them; structurally a Bull `JobOptions`. */
export interface ProcessImageJobOptions extends ImageJobRetryOptions {
  /** The job_id: adding the same job twice cannot create a twin. */
  jobId: string;
}

export function imageJobRetryOptions(policy: Partial<ImageJobPolicy> = {}): ImageJobRetryOptions {
  const { attempts, backoffMs, retentionHours } = { ...DEFAULT_IMAGE_JOB_POLICY, ...policy };
  const keep = { age: retentionHours * 3600, count: 10_000 };
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: keep,
    removeOnFail: { ...keep },
  };
}

export function processImageJobOptions(
  payload: Pick<ProcessImagePayload, 'job_id'>,
  policy: Partial<ImageJobPolicy> = {},
): ProcessImageJobOptions {
  return { jobId: payload.job_id, ...imageJobRetryOptions(policy) };
}
