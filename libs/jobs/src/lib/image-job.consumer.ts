import { Injectable, Logger } from '@nestjs/common';
import { Job } from 'bull';
import { JobName, JobResults, ProcessImagePayload, validateProcessImagePayload } from '@imgpipe/contracts';
import { ImageQueue } from './image-queue.service';
import { JobStatusStore } from './job-status.store';
import { JobStatsStore } from './job-stats.store';

/** A failure that another attempt cannot fix (a corrupt image, an invalid payload): no retry. */
export class PermanentJobError extends Error {
  constructor(
    message: string,
    readonly code = 'permanent_failure',
  ) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** The job was erased (DELETE /jobs/{id}) while it was queued or running: whatever it produced is discarded. */
export class JobErasedError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} was erased`);
    this.name = 'JobErasedError';
  }
}

export interface JobContext {
  attempt: number;
  /** Whether the job has been erased since it started; a handler asks before and after writing results. */
  erased(): Promise<boolean>;
}

export type ImageJobHandler = (payload: ProcessImagePayload, context: JobContext) => Promise<JobResults>;

/** How a job's lock was lost: its worker died or was blocked past JOB_LOCK_MS, or Redis lost the lock. */
export type LockLoss = 'stalled' | 'lock_extension_failed' | 'missing_lock';

/** Told of every job's end, and of every lost lock, for metrics, logs and what follows a job's end. */
export interface JobObserver {
  completed(payload: ProcessImagePayload, processingMs: number, endToEndMs: number): void | Promise<void>;
  failed(payload: ProcessImagePayload | null, error: Error, final: boolean): void | Promise<void>;
  lockLost(jobId: string | undefined, how: LockLoss, detail: string): void;
}

/**
 * Consumer wiring: runs a handler for each image job and keeps the job's status record true
 * through retries, permanent failures and stalls. The handler only does the image work.
 */
@Injectable()
export class ImageJobConsumer {
  private readonly logger = new Logger(ImageJobConsumer.name);
  private started = false;

  constructor(
    private readonly imageQueue: ImageQueue,
    private readonly statuses: JobStatusStore,
    private readonly stats: JobStatsStore,
  ) {}

  start(concurrency: number, handler: ImageJobHandler, observer?: JobObserver): void {
    if (this.started) throw new Error('consumer already started');
    this.started = true;
    const queue = this.imageQueue.queue;
    // A job that stalls more often than Bull allows is failed by Bull without reaching the handler.
    queue.on('failed', (job: Job<ProcessImagePayload>, err: Error) => {
      // Bull keeps a failed job (and its payload) until JOB_RETENTION_HOURS; an erased one goes now.
      if (err instanceof JobErasedError) {
        void job.remove().catch((removeErr: Error) =>
          this.logger.warn({
            message: 'could not remove an erased job',
            job_id: err.jobId,
            error: removeErr.message,
          }),
        );
        return;
      }
      if (/stalled/i.test(err?.message ?? '') && job?.data?.job_id) {
        void this.finish(job.data, job.attemptsMade, err, true, observer);
      }
    });
    // A stalled job was taken over from a worker that stopped renewing its lock (killed, or its
    // event loop blocked past JOB_LOCK_MS): it runs again from the start, with the same keys.
    queue.on('stalled', (job: Job<ProcessImagePayload>) =>
      observer?.lockLost(job?.data?.job_id, 'stalled', 'recovered'),
    );
    queue.on('lock-extension-failed', (job: Job<ProcessImagePayload>, err: Error) =>
      observer?.lockLost(job?.data?.job_id, 'lock_extension_failed', err?.message ?? String(err)),
    );
    queue.on('error', (err: Error) => {
      const message = err?.message ?? String(err);
      if (/Missing lock/i.test(message)) observer?.lockLost(/job (\S+)/.exec(message)?.[1], 'missing_lock', message);
      else this.logger.warn({ message: 'queue error', error: message });
    });
    void queue.process(JobName.ProcessImage, concurrency, (job: Job<ProcessImagePayload>) =>
      this.run(job, handler, observer),
    );
  }

  /** Stops taking new jobs and resolves once the jobs in flight have finished. */
  async drain(): Promise<void> {
    if (!this.started) return;
    await this.imageQueue.queue.pause(true, false);
  }

  private async run(
    job: Job<ProcessImagePayload>,
    handler: ImageJobHandler,
    observer?: JobObserver,
  ): Promise<{ processing_time: number }> {
    const attempt = job.attemptsMade + 1;
    let payload: ProcessImagePayload;
    try {
      payload = validateProcessImagePayload(job.data);
    } catch (err) {
      await job.discard();
      observer?.failed(null, err as Error, true);
      throw err;
    }
    const erased = () => this.statuses.isErased(payload.job_id);
    if (await erased()) return this.discardErased(job, payload.job_id);
    await this.statuses.markProcessing(
      {
        job_id: payload.job_id,
        filename: payload.filename,
        file_size: payload.file_size,
        format: payload.format,
        created_at: payload.submitted_at,
        batch_id: payload.batch_id,
      },
      attempt,
    );
    const startedAt = Date.now();
    try {
      const results = await handler(payload, { attempt, erased });
      const processingMs = Date.now() - startedAt;
      const endToEndMs = Date.now() - payload.submitted_at;
      await this.statuses.markCompleted(payload.job_id, attempt, results);
      const firstTime = await this.stats.recordCompleted(payload.job_id, processingMs, endToEndMs);
      if (firstTime) await observer?.completed(payload, processingMs, endToEndMs);
      else this.logger.warn({ message: 'job completed again, counted once', job_id: payload.job_id, attempt });
      return { processing_time: results.processing_time };
    } catch (err) {
      // Erased while running, or its original gone because of it: nothing of the job is recorded.
      if (err instanceof JobErasedError || (await erased().catch(() => false)))
        return this.discardErased(job, payload.job_id);
      const permanent = err instanceof PermanentJobError;
      if (permanent) await job.discard();
      const final = permanent || attempt >= (job.opts.attempts ?? 1);
      await this.finish(payload, attempt, err as Error, final, observer);
      throw err;
    }
  }

  /** Fails the job without a retry or any record; the 'failed' listener then removes it from Bull. */
  private async discardErased(job: Job<ProcessImagePayload>, jobId: string): Promise<never> {
    await job.discard();
    this.logger.log({ message: 'job erased while queued or running: nothing of it is written', job_id: jobId });
    throw new JobErasedError(jobId);
  }

  private async finish(
    payload: ProcessImagePayload,
    attempt: number,
    error: Error,
    final: boolean,
    observer?: JobObserver,
  ): Promise<void> {
    const reason = error.message || String(error);
    try {
      if (final) {
        await this.statuses.markFailed(payload.job_id, attempt, reason);
        await this.stats.recordFailed();
      } else {
        await this.statuses.markRetrying(payload.job_id, attempt, reason);
      }
    } catch (statusErr) {
      this.logger.error(`could not record the failure of job ${payload.job_id}: ${(statusErr as Error).message}`);
    }
    await observer?.failed(payload, error, final);
  }
}
