import { BLUR_METHODS, BLUR_POLICY_SCHEMA } from './policy.schema';
import { IMAGE_FORMATS } from './images';

// JSON Schema of `metadata/{job_id}.json` (the OpenAPI 3.0 dialect: `nullable`, no `$schema`),
// kept beside the TypeScript types it describes. The api publishes it in its OpenAPI document.

const box = {
  type: 'array',
  items: { type: 'number' },
  minItems: 4,
  maxItems: 4,
  description: '[x1, y1, x2, y2] in pixels of the upright (EXIF auto-oriented) original',
};
const timings = { type: 'object', additionalProperties: { type: 'number' }, description: 'Milliseconds per stage' };
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' };

export const MODEL_INFO_SCHEMA = {
  type: 'object',
  required: ['name', 'version', 'sha256'],
  additionalProperties: false,
  properties: { name: { type: 'string' }, version: { type: 'string' }, sha256 },
};

export const BLUR_METADATA_SCHEMA = {
  type: 'object',
  required: ['regions', 'method', 'policy', 'verification', 'models', 'timings_ms'],
  additionalProperties: false,
  properties: {
    regions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'box', 'score', 'source'],
        additionalProperties: false,
        properties: {
          kind: { type: 'string', enum: ['face', 'plate'] },
          box,
          score: { type: 'number', minimum: 0, maximum: 1 },
          source: { type: 'string', description: 'Detector or rule that found the region' },
        },
      },
    },
    method: { type: 'string', enum: [...BLUR_METHODS] },
    policy: BLUR_POLICY_SCHEMA,
    verification: {
      type: 'object',
      required: ['rechecked', 'residual', 'residual_faces', 'residual_plates'],
      additionalProperties: false,
      properties: {
        rechecked: {
          type: 'boolean',
          description: 'The face and plate detectors ran again on and around every blurred region',
        },
        residual: {
          type: 'integer',
          minimum: 0,
          description: 'Faces and plates found again after blurring, and blurred again',
        },
        residual_faces: { type: 'integer', minimum: 0, description: 'Of `residual`, faces' },
        residual_plates: { type: 'integer', minimum: 0, description: 'Of `residual`, plates' },
      },
    },
    models: { type: 'array', items: MODEL_INFO_SCHEMA },
    output: {
      type: 'string',
      enum: ['reencoded', 'metadata-stripped'],
      description:
        'reencoded: encoded from the blurred pixels; metadata-stripped: nothing was blurred, so the original bytes less all metadata but the ICC profile',
    },
    timings_ms: timings,
  },
};

export const DETECTION_METADATA_SCHEMA = {
  type: 'object',
  required: ['objects', 'model', 'timings_ms'],
  additionalProperties: false,
  properties: {
    objects: {
      type: 'array',
      items: {
        type: 'object',
        required: ['label', 'score', 'box'],
        additionalProperties: false,
        properties: { label: { type: 'string' }, score: { type: 'number', minimum: 0, maximum: 1 }, box },
      },
    },
    model: MODEL_INFO_SCHEMA,
    timings_ms: timings,
  },
};

export const JOB_METADATA_SCHEMA = {
  title: 'JobMetadata',
  description: 'The document stored at metadata/{job_id}.json when a job completes.',
  type: 'object',
  required: [
    'job_id',
    'filename',
    'image',
    'blur_metadata',
    'detection_metadata',
    'timings_ms',
    'pipeline',
    'submitted_at',
    'completed_at',
  ],
  additionalProperties: false,
  properties: {
    job_id: { type: 'string', format: 'uuid' },
    filename: { type: 'string' },
    image: {
      type: 'object',
      required: [
        'width',
        'height',
        'format',
        'orientation',
        'sha256_original',
        'sha256_processed',
        'bytes_original',
        'bytes_processed',
      ],
      additionalProperties: false,
      properties: {
        width: { type: 'integer', minimum: 1 },
        height: { type: 'integer', minimum: 1 },
        format: { type: 'string', enum: [...IMAGE_FORMATS] },
        orientation: { type: 'integer', minimum: 1, maximum: 8, description: 'EXIF orientation of the original' },
        sha256_original: sha256,
        sha256_processed: sha256,
        bytes_original: { type: 'integer', minimum: 1 },
        bytes_processed: { type: 'integer', minimum: 1 },
      },
    },
    blur_metadata: BLUR_METADATA_SCHEMA,
    detection_metadata: DETECTION_METADATA_SCHEMA,
    timings_ms: timings,
    pipeline: {
      type: 'object',
      required: ['version', 'worker_id'],
      additionalProperties: false,
      properties: { version: { type: 'string' }, worker_id: { type: 'string' } },
    },
    submitted_at: { type: 'string', format: 'date-time' },
    completed_at: { type: 'string', format: 'date-time' },
    original_delete_at: {
      type: 'string',
      nullable: true,
      format: 'date-time',
      description:
        'When the unblurred original is deleted (ORIGINALS_RETENTION_HOURS after completion); null: it is kept',
    },
  },
};
