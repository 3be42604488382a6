import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
} from '@nestjs/common';
import {
  IMAGE_CONTENT_TYPES,
  JobMetadata,
  JobResults,
  ProcessImagePayload,
  checkPolicyLimits,
  storageKeys,
} from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { ImageJobConsumer, JobContext, JobErasedError, JobObserver, LockLoss, PermanentJobError } from '@imgpipe/jobs';
import { OriginalsRetention } from './originals-retention';
import { ImagePipeline, InvalidImageError, PIPELINE_VERSION, PipelineOutput, imageFacts } from '@imgpipe/inference';
import { PipelineMetrics, STAGES, Stage } from '@imgpipe/metrics';
import { ObjectNotFoundError, STORAGE_DRIVER, StorageDriver } from '@imgpipe/storage';
import { PIPELINE } from './pipeline.provider';

const NOT_ERASED: JobContext = { attempt: 1, erased: async () => false };

/** Downloads the original, runs the pipeline, writes processed image and metadata, reports the results. */
@Injectable()
export class ImageJobProcessor implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown, JobObserver {
  private readonly logger = new Logger(ImageJobProcessor.name);

  constructor(
    private readonly consumer: ImageJobConsumer,
    @Inject(PIPELINE) private readonly pipeline: ImagePipeline,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    @Inject(PIPELINE_CONFIG) private readonly config: PipelineConfig,
    private readonly metrics: PipelineMetrics,
    private readonly retention: OriginalsRetention,
  ) {}

  onApplicationBootstrap(): void {
    this.consumer.start(this.config.workerConcurrency, (payload, context) => this.process(payload, context), this);
  }

  /** First shutdown hook: in-flight jobs finish while Redis and storage are still open. */
  async onModuleDestroy(): Promise<void> {
    this.logger.log({ message: 'draining: no new jobs, waiting for jobs in flight' });
    await this.consumer.drain();
    this.logger.log({ message: 'drained' });
  }

  async process(payload: ProcessImagePayload, context: JobContext = NOT_ERASED): Promise<JobResults> {
    const startedAt = Date.now();
    const { job_id: jobId, format } = payload;
    this.logger.log({ message: 'job started', job_id: jobId });
    // The api refuses such a policy at upload; a job enqueued directly meets the same limits here.
    const beyondLimits = payload.policy ? checkPolicyLimits(payload.policy, this.config.policyLimits) : [];
    if (beyondLimits.length > 0)
      throw new PermanentJobError(`policy: ${beyondLimits.map((v) => v.message).join('; ')}`, 'policy_not_allowed');

    const original = await this.metrics
      .time('store', () => this.storage.getBuffer(payload.original_key))
      .catch((err) => {
        if (err instanceof ObjectNotFoundError)
          throw new PermanentJobError(
            `original image ${payload.original_key} is missing from storage`,
            'original_missing',
          );
        throw err;
      });
    const output = await this.pipeline.process(original, format, payload.policy).catch((err) => {
      if (err instanceof InvalidImageError) throw new PermanentJobError(err.message, 'invalid_image');
      throw err;
    });
    this.recordModelMetrics(output);

    const processedKey = storageKeys.processed(jobId, format);
    const metadataKey = storageKeys.metadata(jobId);
    // Erased during inference: write nothing.
    if (await context.erased()) throw new JobErasedError(jobId);
    const storeStart = Date.now();
    const completedAt = Date.now();
    const deleteAt = this.retention.dueAt(completedAt);
    await this.storage.put(processedKey, output.processed, { contentType: IMAGE_CONTENT_TYPES[format] });
    const metadata: JobMetadata = {
      job_id: jobId,
      filename: payload.filename,
      image: imageFacts(original, output, format),
      blur_metadata: output.blur_metadata,
      detection_metadata: output.detection_metadata,
      timings_ms: output.timings_ms,
      pipeline: { version: PIPELINE_VERSION, worker_id: this.config.workerId },
      submitted_at: new Date(payload.submitted_at).toISOString(),
      completed_at: new Date(completedAt).toISOString(),
      original_delete_at: deleteAt === null ? null : new Date(deleteAt).toISOString(),
    };
    await this.storage.put(metadataKey, Buffer.from(JSON.stringify(metadata, null, 2)), {
      contentType: 'application/json',
    });
    // Erased while writing: the erasure deleted what existed when it ran, so what this worker wrote
    // after that is deleted here. The tombstone is set before the erasure deletes anything, so one
    // of the two always sees the other's objects.
    if (await context.erased()) {
      await Promise.all([this.storage.delete(processedKey), this.storage.delete(metadataKey)]);
      throw new JobErasedError(jobId);
    }
    this.metrics.stageDuration.observe({ stage: 'store' }, (Date.now() - storeStart) / 1000);

    const processingTime = (Date.now() - startedAt) / 1000;
    this.metrics.stageDuration.observe({ stage: 'total' }, processingTime);
    return {
      original_image_path: this.storage.location(payload.original_key),
      processed_image_path: this.storage.location(processedKey),
      metadata_path: this.storage.location(metadataKey),
      processing_time: processingTime,
      blur_metadata: output.blur_metadata,
      detection_metadata: output.detection_metadata,
    };
  }

  private recordModelMetrics(output: PipelineOutput): void {
    for (const [stage, ms] of Object.entries(output.timings_ms)) {
      if ((STAGES as readonly string[]).includes(stage))
        this.metrics.stageDuration.observe({ stage: stage as Stage }, ms / 1000);
    }
    const { objects, model } = output.detection_metadata;
    for (const object of objects) {
      this.metrics.detections.inc({ label: object.label });
      this.metrics.detectionConfidence.observe({ model: model.name }, object.score);
    }
    for (const region of output.blur_metadata.regions) this.metrics.blurRegions.inc({ kind: region.kind });
    const { residual_faces, residual_plates } = output.blur_metadata.verification;
    this.metrics.verificationResidual.inc({ kind: 'face' }, residual_faces);
    this.metrics.verificationResidual.inc({ kind: 'plate' }, residual_plates);
    if (residual_faces + residual_plates > 0) {
      this.logger.warn({
        message: 'blur did not hold: found again after blurring, and blurred again',
        residual_faces,
        residual_plates,
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pipeline.dispose();
  }

  async completed(payload: ProcessImagePayload, processingMs: number, endToEndMs: number): Promise<void> {
    this.metrics.jobsFinished.inc({ status: 'completed' });
    this.metrics.endToEndLatency.observe(endToEndMs / 1000);
    this.logger.log({
      message: 'job completed',
      job_id: payload.job_id,
      processing_ms: processingMs,
      end_to_end_ms: endToEndMs,
    });
    await this.applyRetention(payload);
  }

  lockLost(jobId: string | undefined, how: LockLoss, detail: string): void {
    this.metrics.jobLocksLost.inc({ how });
    this.logger.warn({ message: 'job lock lost', job_id: jobId, how, detail });
  }

  async failed(payload: ProcessImagePayload | null, error: Error, final: boolean): Promise<void> {
    const reason = error instanceof PermanentJobError ? error.code : 'transient_error';
    this.metrics.jobFailures.inc({ reason });
    if (final) this.metrics.jobsFinished.inc({ status: 'failed' });
    this.logger.warn({
      message: final ? 'job failed' : 'job attempt failed, will retry',
      job_id: payload?.job_id,
      reason,
      error: error.message,
    });
    // A failed job keeps its original while a retry may need it; after the last, retention applies.
    if (final && payload) await this.applyRetention(payload);
  }

  /** ORIGINALS_RETENTION_HOURS after the job's end; a failure here is logged, never the job's. */
  private async applyRetention(payload: ProcessImagePayload): Promise<void> {
    if (!this.retention.enabled) return;
    await this.retention.jobEnded(payload.job_id, payload.format).catch((err: Error) =>
      this.logger.error({
        message: 'could not schedule the deletion of the original',
        job_id: payload.job_id,
        error: err.message,
      }),
    );
  }
}
