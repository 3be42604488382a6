export { QUEUE_NAME, JobName } from './lib/queue';
export {
  IMAGE_FORMATS,
  IMAGE_EXTENSIONS,
  IMAGE_CONTENT_TYPES,
  isImageFormat,
  sniffImageFormat,
  findStructuralDefect,
  type ImageFormat,
} from './lib/images';
export { storageKeys, ORIGINALS_PREFIX, RESULT_KINDS, type ResultKind } from './lib/storage-keys';
export { isJobId } from './lib/job-id';
export {
  validateProcessImagePayload,
  PayloadValidationError,
  type ProcessImagePayload,
  type JobPayloads,
  type JobOf,
} from './lib/payloads';
export {
  createProcessImagePayload,
  processImageJobOptions,
  imageJobRetryOptions,
  DEFAULT_IMAGE_JOB_POLICY,
  type NewImageJob,
  type ImageJobPolicy,
  type ImageJobRetryOptions,
  type ProcessImageJobOptions,
} from './lib/enqueue';
export type {
  Box,
  ModelInfo,
  RegionKind,
  BlurRegion,
  BlurMetadata,
  DetectedObject,
  DetectionMetadata,
  ImageFacts,
  JobMetadata,
} from './lib/metadata';
export {
  JOB_STATUSES,
  type JobStatus,
  type UploadAccepted,
  type BatchAccepted,
  type BatchStatusView,
  type JobResults,
  type JobStatusView,
  type LatencySummary,
  type StatsView,
  type QueueStatusView,
  type DependencyState,
  type HealthView,
  type LivenessView,
  type ErrorBody,
} from './lib/views';
export {
  BLUR_METHODS,
  DEFAULT_BLUR_POLICY,
  PolicyValidationError,
  validatePolicyOverride,
  resolvePolicy,
  policyLimitsOf,
  checkPolicyLimits,
  type BlurMethod,
  type BlurPolicy,
  type BlurPolicyOverride,
  type PolicyLimits,
  type PolicyLimitViolation,
} from './lib/policy';
export { PERSON_LABEL, VEHICLE_LABELS } from './lib/labels';
export { percentile, summarizeLatency } from './lib/percentiles';
export {
  JOB_METADATA_SCHEMA,
  BLUR_METADATA_SCHEMA,
  DETECTION_METADATA_SCHEMA,
  MODEL_INFO_SCHEMA,
} from './lib/metadata.schema';
export { BLUR_POLICY_SCHEMA, BLUR_POLICY_OVERRIDE_SCHEMA } from './lib/policy.schema';
export { PROCESS_IMAGE_PAYLOAD_SCHEMA } from './lib/payload.schema';
