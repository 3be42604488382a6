import { ImageFormat, isImageFormat } from './images';
import { isJobId } from './job-id';
import { JobName } from './queue';
import { storageKeys } from './storage-keys';
import { BlurPolicyOverride } from './policy';
import { PROCESS_IMAGE_PAYLOAD_SCHEMA } from './payload.schema';
import { compileValidator } from './schema-validator';

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

const problemsOfPayload = compileValidator(PROCESS_IMAGE_PAYLOAD_SCHEMA, {
  name: 'payload',
  messages: {
    '': 'must be an object',
    job_id: 'must be a UUID',
    batch_id: 'must be a UUID',
    filename: 'must be a string of 1 to 255 characters',
    file_size: 'must be a positive integer',
    submitted_at: 'must be unix milliseconds',
    policy: 'must be a JSON object',
  },
  unknownKeys: {
    'policy.thresholds': (kind, known) => `thresholds.${kind} is not a region kind (${known.join(', ')})`,
  },
  transparent: ['policy'],
});

/**
 * Checks a payload from the queue or from another service before anything acts on it, against
 * PROCESS_IMAGE_PAYLOAD_SCHEMA. Throws a {@link PayloadValidationError} that lists every problem.
 */
export function validateProcessImagePayload(value: unknown): ProcessImagePayload {
  const problems = problemsOfPayload(value);
  const p = value as Record<string, unknown> | null;
  if (isJobId(p?.['job_id']) && isImageFormat(p?.['format'])) {
    const expected = storageKeys.original(p['job_id'], p['format']);
    if (p['original_key'] !== expected) problems.push(`original_key must be ${expected}`);
  }
  if (problems.length > 0) throw new PayloadValidationError(problems);
  return value as ProcessImagePayload;
}
