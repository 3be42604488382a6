import { BlurMetadata, DetectionMetadata } from './metadata';

export const JOB_STATUSES = ['submitted', 'processing', 'completed', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** `202` body of `POST /upload`, and each entry of a batch's `jobs`. */
export interface UploadAccepted {
  job_id: string;
  filename: string;
  file_size: number;
  status: 'submitted';
  message: string;
}

export interface BatchAccepted {
  batch_id: string;
  accepted: number;
  rejected: { filename: string; error: string }[];
  jobs: UploadAccepted[];
}

export interface BatchStatusView {
  batch_id: string;
  created_at: number;
  total: number;
  counts: Record<JobStatus, number>;
  job_ids: string[];
}

export interface JobResults {
  original_image_path: string;
  processed_image_path: string;
  metadata_path: string;
  /** Seconds the worker spent on the job (download to metadata written). */
  processing_time: number;
  blur_metadata: BlurMetadata;
  detection_metadata: DetectionMetadata;
}

/** `GET /status/{job_id}`. Times are unix seconds. */
export interface JobStatusView {
  job_id: string;
  status: JobStatus;
  created_at: number;
  updated_at: number;
  attempts: number;
  error?: string;
  results?: JobResults;
  /** When the unblurred original is due to be deleted (ORIGINALS_RETENTION_HOURS after the job ended). */
  original_delete_at?: number;
  /** When the unblurred original was deleted; `GET /results/{id}/original` then answers 410. */
  original_deleted_at?: number;
}

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  samples: number;
}

export interface StatsView {
  submitted: number;
  completed: number;
  failed: number;
  /** completed / (completed + failed); null before any job has ended. */
  success_rate: number | null;
  /** Jobs completed per second over the last 1, 5 and 15 minutes. */
  throughput: { last_1m: number; last_5m: number; last_15m: number };
  /** Seconds, over the most recent completed jobs. */
  processing_time_seconds: LatencySummary;
  end_to_end_latency_seconds: LatencySummary;
}

export interface QueueStatusView {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Seconds the oldest waiting job has waited; 0 when none waits. */
  oldest_waiting_age_seconds: number;
  workers: number;
  max_queue_size: number;
  /** Seconds the waiting and active jobs take to finish at the drain rate. */
  predicted_wait_seconds: number;
  /** Jobs completed per second across all workers (`measured`), or assumed from the worker count. */
  drain_rate_per_second: number;
  drain_rate_source: 'measured' | 'assumed';
  /** Uploads are refused with 429 once the jobs ahead of them would not finish within this. */
  latency_target_seconds: number;
  /** host:port of the Redis primary that holds the queue, as this api is connected to it now. */
  redis_primary: string;
}

export type DependencyState = 'up' | 'down';

/**
 * `degraded`: Redis is reached through sentinels and no primary answers, a failover under way
 * (or one that cannot complete); `unavailable`: a dependency is down otherwise, or the process is
 * shutting down.
 */
export interface HealthView {
  status: 'ok' | 'degraded' | 'unavailable';
  dependencies: { redis: DependencyState; storage: DependencyState };
  errors?: Record<string, string>;
}

/** `GET /health/live`: the process answers. No dependency is checked, so an outage restarts nothing. */
export interface LivenessView {
  status: 'ok';
}

/** Every error body the api returns. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
}
