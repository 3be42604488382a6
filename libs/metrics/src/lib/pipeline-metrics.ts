import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';

export const STAGES = ['decode', 'detect', 'faces', 'plates', 'blur', 'verify', 'encode', 'store', 'total'] as const;
export type Stage = (typeof STAGES)[number];

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
const STAGE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BYTE_BUCKETS = [16e3, 64e3, 256e3, 512e3, 1e6, 2e6, 4e6, 8e6, 16e6, 32e6];

type Config<T extends string> = {
  name: string;
  help: string;
  labelNames?: readonly T[];
  /** How prom-client's cluster aggregation combines processes' values (default: sum). */
  aggregator?: 'sum' | 'max';
};

// prom-client's registry is process-global: a second app in the same process reuses the metric.
function counter<T extends string>(c: Config<T>): Counter<T> {
  return (register.getSingleMetric(c.name) as Counter<T>) ?? new Counter<T>({ ...c, labelNames: c.labelNames ?? [] });
}
function gauge<T extends string>(c: Config<T>): Gauge<T> {
  return (register.getSingleMetric(c.name) as Gauge<T>) ?? new Gauge<T>({ ...c, labelNames: c.labelNames ?? [] });
}
function histogram<T extends string>(c: Config<T> & { buckets: number[] }): Histogram<T> {
  return (
    (register.getSingleMetric(c.name) as Histogram<T>) ?? new Histogram<T>({ ...c, labelNames: c.labelNames ?? [] })
  );
}

/**
 * Every metric the api and the worker export. Label values come from small fixed sets
 * (endpoints, stages, statuses, reasons, COCO labels), never from job ids or filenames.
 */
@Injectable()
export class PipelineMetrics {
  readonly imagesSubmitted = counter({
    name: 'pipeline_images_submitted_total',
    help: 'Images accepted for processing, by upload endpoint.',
    labelNames: ['endpoint'],
  });
  readonly jobsFinished = counter({
    name: 'pipeline_jobs_finished_total',
    help: 'Jobs that reached a final state.',
    labelNames: ['status'],
  });
  readonly jobFailures = counter({
    name: 'pipeline_job_failures_total',
    help: 'Failed job attempts, by reason.',
    labelNames: ['reason'],
  });
  readonly jobLocksLost = counter({
    name: 'pipeline_job_locks_lost_total',
    help: 'Job locks lost: stalled jobs taken over from a dead or blocked worker, failed lock renewals, and finishes refused for a missing lock.',
    labelNames: ['how'],
  });
  readonly requestsRefused = counter({
    name: 'pipeline_requests_refused_total',
    help: 'Requests refused by authentication, authorisation or the per-client rate limit, by reason.',
    labelNames: ['reason'],
  });
  readonly auditEvents = counter({
    name: 'pipeline_audit_events_total',
    help: 'Audit log lines written, by action: upload, original_read, retention_delete, erasure.',
    labelNames: ['action'],
  });
  readonly uploadsRejected = counter({
    name: 'pipeline_uploads_rejected_total',
    help: 'Uploads refused before anything was stored, by reason.',
    labelNames: ['reason'],
  });
  readonly stageDuration = histogram({
    name: 'pipeline_stage_duration_seconds',
    help: 'Time spent in each pipeline stage.',
    labelNames: ['stage'],
    buckets: STAGE_BUCKETS,
  });
  readonly endToEndLatency = histogram({
    name: 'pipeline_end_to_end_latency_seconds',
    help: 'Time from upload accepted to job completed.',
    buckets: LATENCY_BUCKETS,
  });
  readonly queueJobs = gauge({
    name: 'pipeline_queue_jobs',
    help: 'Jobs in the queue, by state, as read from Redis.',
    labelNames: ['state'],
    // Every process reads the same Redis: aggregated across a supervisor's processes, one value.
    aggregator: 'max',
  });
  readonly queueOldestWaiting = gauge({
    name: 'pipeline_queue_oldest_waiting_seconds',
    help: 'Age of the oldest waiting job, as read from Redis.',
    aggregator: 'max',
  });
  readonly queuePredictedWait = gauge({
    name: 'pipeline_queue_predicted_wait_seconds',
    help: 'Seconds the waiting and active jobs take to finish at the drain rate measured across all workers; uploads are refused past LATENCY_TARGET_S.',
    aggregator: 'max',
  });
  readonly redisReconnects = counter({
    name: 'pipeline_redis_reconnects_total',
    help: 'Redis connections re-established after a loss, by connection (status records, queue).',
    labelNames: ['connection'],
  });
  readonly redisPrimaryChanges = counter({
    name: 'pipeline_redis_primary_changes_total',
    help: 'Times a connection came back to a different Redis primary than it lost: failovers followed.',
    labelNames: ['connection'],
  });
  readonly redisOutage = histogram({
    name: 'pipeline_redis_outage_seconds',
    help: 'How long a Redis connection was lost, from the drop to ready again on a primary (a failover as this process saw it).',
    labelNames: ['connection'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120],
  });
  readonly detections = counter({
    name: 'pipeline_detections_total',
    help: 'Objects detected, by COCO label.',
    labelNames: ['label'],
  });
  readonly blurRegions = counter({
    name: 'pipeline_blur_regions_total',
    help: 'Regions blurred, by kind.',
    labelNames: ['kind'],
  });
  readonly verificationResidual = counter({
    name: 'pipeline_verification_residual_total',
    help: 'Faces and plates still found after blurring (and blurred again), by kind: a blur that did not hold.',
    labelNames: ['kind'],
  });
  readonly detectionConfidence = histogram({
    name: 'pipeline_detection_confidence',
    help: 'Scores of reported detections, by model.',
    labelNames: ['model'],
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1],
  });
  readonly uploadBytes = histogram({
    name: 'pipeline_upload_bytes',
    help: 'Size of accepted uploads.',
    buckets: BYTE_BUCKETS,
  });
  readonly httpRequestDuration = histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  private readonly scrapeHooks: (() => Promise<void>)[] = [];

  /** Runs before every scrape: for gauges read from elsewhere (the queue's depth in Redis). */
  onScrape(hook: () => Promise<void>): void {
    this.scrapeHooks.push(hook);
  }

  /** Refreshes what the hooks read; a failing hook leaves its gauges as they were, never the scrape. */
  async beforeScrape(): Promise<void> {
    await Promise.allSettled(this.scrapeHooks.map((hook) => hook()));
  }

  /** Times `work` into the stage histogram and returns its result. */
  async time<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
    const end = this.stageDuration.startTimer({ stage });
    try {
      return await work();
    } finally {
      end();
    }
  }
}
