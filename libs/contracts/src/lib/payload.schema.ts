import { IMAGE_FORMATS } from './images';
import { UUID_PATTERN } from './job-id';
import { BLUR_POLICY_OVERRIDE_SCHEMA } from './policy.schema';

const uuid = { type: 'string', pattern: UUID_PATTERN };
const positiveInteger = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER };

/**
 * A `process-image` job's payload. Unknown keys are let through, so a newer producer can add one
 * before every worker reads it; `original_key` is checked against the id and format in code.
 */
export const PROCESS_IMAGE_PAYLOAD_SCHEMA = {
  type: 'object',
  required: ['job_id', 'original_key', 'format', 'filename', 'file_size', 'submitted_at'],
  properties: {
    job_id: uuid,
    original_key: { type: 'string' },
    format: { type: 'string', enum: [...IMAGE_FORMATS] },
    filename: { type: 'string', minLength: 1, maxLength: 255 },
    file_size: positiveInteger,
    submitted_at: positiveInteger,
    batch_id: uuid,
    policy: BLUR_POLICY_OVERRIDE_SCHEMA,
  },
};
