export {
  PipelineClient,
  type PipelineClientOptions,
  type UploadOptions,
  type BatchFile,
  type WaitOptions,
} from './lib/pipeline-client';
export { PipelineApiError, JobWaitTimeoutError } from './lib/errors';
export type { UploadSource } from './lib/upload-source';
export type {
  UploadAccepted,
  BatchAccepted,
  BatchStatusView,
  JobStatus,
  JobStatusView,
  JobResults,
  JobMetadata,
  ResultKind,
  StatsView,
  QueueStatusView,
  HealthView,
  ErrorBody,
  BlurPolicy,
  BlurPolicyOverride,
} from './lib/api-types';
/** The api's OpenAPI document as TypeScript types, for anything the methods above do not cover. */
export type { paths, components, operations } from './lib/generated/openapi';
