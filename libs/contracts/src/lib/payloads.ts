import { ImageFormat, isImageFormat } from './images';
import { isJobId } from './job-id';
import { JobName } from './queue';
import { storageKeys } from './storage-keys';
import { BlurPolicyOverride, PolicyValidationError, validatePolicyOverride } from './policy';

/** What the api puts on the queue for each upload. Image bytes never travel through Redis: only keys. */
export interface ProcessImagePayload {
  job_id: string;
  /** Storage key of the original, as written before the job was enqueued. */
  original_key: string;
  format: ImageFormat;
  /** Sanitised client filename, for display only. */
  filename: string;
  file_size: number;
  /** Unix milliseconds when the upload was accepted: the start of end-to-end latency. */
  submitted_at: number;
  batch_id?: string;
  /** Per-upload overrides of the worker's default blur policy. */
  policy?: BlurPolicyOverride;
}

/** The payload type of each job name (`JobOf<JobName.ProcessImage>`). */
export interface JobPayloads {
  [JobName.ProcessImage]: ProcessImagePayload;
}
export type JobOf<N extends JobName> = JobPayloads[N];

export class PayloadValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid job payload: ${problems.join('; ')}`);
    this.name = 'PayloadValidationError';
  }
}

/**
 * Checks a payload from the queue or from another service before anything acts on it.
 * Throws a {@link PayloadValidationError} that lists every problem.
 */
export function validateProcessImagePayload(value: unknown): ProcessImagePayload {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PayloadValidationError(['payload must be an object']);
  }
  const p = value as Record<string, unknown>;
  if (!isJobId(p['job_id'])) problems.push('job_id must be a UUID');
  if (!isImageFormat(p['format'])) problems.push('format must be one of jpeg, png, webp');
  if (isJobId(p['job_id']) && isImageFormat(p['format'])) {
    const expected = storageKeys.original(p['job_id'], p['format']);
    if (p['original_key'] !== expected) problems.push(`original_key must be ${expected}`);
  }
  if (typeof p['filename'] !== 'string' || p['filename'].length === 0 || p['filename'].length > 255) {
    problems.push('filename must be a string of 1 to 255 characters');
  }
  if (!Number.isSafeInteger(p['file_size']) || (p['file_size'] as number) <= 0) {
    problems.push('file_size must be a positive integer');
  }
  if (!Number.isSafeInteger(p['submitted_at']) || (p['submitted_at'] as number) <= 0) {
    problems.push('submitted_at must be unix milliseconds');
  }
  if (p['batch_id'] !== undefined && !isJobId(p['batch_id'])) problems.push('batch_id must be a UUID');
  if (p['policy'] !== undefined) {
    try {
      validatePolicyOverride(p['policy']);
    } catch (err) {
      problems.push(...(err as PolicyValidationError).problems);
    }
  }
  if (problems.length > 0) throw new PayloadValidationError(problems);
  return p as unknown as ProcessImagePayload;
}
