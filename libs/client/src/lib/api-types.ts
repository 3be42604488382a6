import type { components, operations } from './generated/openapi';

// Names for the shapes of the generated document, taken from the operations themselves, so
// that a route whose response changes changes the type its method returns.

type Schemas = components['schemas'];

/** The JSON body of operation `Op`'s response with status `S`. */
type JsonBody<
  Op extends keyof operations,
  S extends keyof operations[Op]['responses'],
> = operations[Op]['responses'][S] extends { content: { 'application/json': infer T } } ? T : never;

export type UploadAccepted = JsonBody<'upload', 202>;
export type BatchAccepted = JsonBody<'batchUpload', 202>;
export type BatchStatusView = JsonBody<'batch', 200>;
export type JobStatusView = JsonBody<'status', 200>;
export type JobStatus = JobStatusView['status'];
export type JobResults = NonNullable<JobStatusView['results']>;
export type JobMetadata = Schemas['JobMetadata'];
export type ResultKind = operations['result']['parameters']['path']['kind'];
export type StatsView = JsonBody<'read', 200>;
export type QueueStatusView = JsonBody<'queueStatus', 200>;
export type HealthView = JsonBody<'check', 200>;
/** The body of every error the api returns. */
export type ErrorBody = Schemas['ErrorDto'];
export type BlurPolicy = Schemas['BlurPolicyDto'];

/** Per-upload overrides of the default blur policy: any subset of its keys. */
export type BlurPolicyOverride = Partial<Omit<BlurPolicy, 'thresholds'>> & {
  thresholds?: Partial<BlurPolicy['thresholds']>;
};
