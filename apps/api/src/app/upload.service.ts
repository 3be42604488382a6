import { createHash, randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import sharp from 'sharp';
import {
  BatchAccepted,
  BlurPolicyOverride,
  PolicyValidationError,
  checkPolicyLimits,
  validatePolicyOverride,
  IMAGE_CONTENT_TYPES,
  ImageFormat,
  ProcessImagePayload,
  UploadAccepted,
  findStructuralDefect,
  sniffImageFormat,
  storageKeys,
} from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import {
  Admission,
  AdmissionDecision,
  AdmissionService,
  BatchStore,
  ImageQueue,
  JobStatsStore,
  JobStatusStore,
} from '@imgpipe/jobs';
import { AuditActor, AuditLog, PipelineMetrics } from '@imgpipe/metrics';
import { STORAGE_DRIVER, StorageDriver } from '@imgpipe/storage';
import { ApiError } from './errors/api-error';
import { sanitizeFilename } from './filenames';
import { IdempotencyStore } from './idempotency.store';

/** The part of an uploaded file the service needs (multer's file object has it). */
export interface UploadedImage {
  originalname: string;
  buffer: Buffer;
  size: number;
}

interface CheckedImage {
  file: UploadedImage;
  filename: string;
  format: ImageFormat;
}

export type UploadEndpoint = 'upload' | 'batch-upload';

/** Who sent the request, and the Idempotency-Key header if any. */
export interface UploadRequest {
  clientId: string;
  /** The token subject, when auth is on: the only client that may read the jobs (see mayRead). */
  owner?: string;
  /** Who the audit log names for the upload. */
  actor: AuditActor;
  idempotencyKey?: string;
}

/** Printable ASCII without spaces, as in the IETF Idempotency-Key draft's examples (UUIDs, ULIDs, hashes). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Validates uploads from their bytes, stores the original, records the job and enqueues it,
 * in that order, so a worker never sees a job whose original or status is missing.
 */
@Injectable()
export class UploadService {
  private readonly logger = new Logger(UploadService.name);

  constructor(
    @Inject(PIPELINE_CONFIG) private readonly config: PipelineConfig,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly queue: ImageQueue,
    private readonly admission: AdmissionService,
    private readonly statuses: JobStatusStore,
    private readonly stats: JobStatsStore,
    private readonly batches: BatchStore,
    private readonly idempotency: IdempotencyStore,
    private readonly metrics: PipelineMetrics,
    private readonly audit: AuditLog,
  ) {}

  async upload(
    file: UploadedImage | undefined,
    policyField: string | undefined,
    request: UploadRequest,
  ): Promise<UploadAccepted> {
    if (!file) throw this.reject('file_missing', HttpStatus.BAD_REQUEST, 'multipart field "file" is required');
    return this.once('upload', [file], policyField, request, async () => {
      const policy = this.parsePolicy(policyField);
      const image = await this.check(file);
      const admission = await this.admit(1);
      try {
        const accepted = await this.submit(image, policy, request);
        this.metrics.imagesSubmitted.inc({ endpoint: 'upload' });
        return accepted;
      } finally {
        admission.release();
      }
    });
  }

  async batchUpload(
    files: UploadedImage[] | undefined,
    policyField: string | undefined,
    request: UploadRequest,
  ): Promise<BatchAccepted> {
    if (!files || files.length === 0) {
      throw this.reject('files_missing', HttpStatus.BAD_REQUEST, 'multipart field "files" must hold at least one file');
    }
    return this.once('batch-upload', files, policyField, request, () => this.acceptBatch(files, policyField, request));
  }

  /**
   * Runs `work` at most once per client and Idempotency-Key: a retry with the same key and the same
   * files and policy gets the first response; the same key with anything else is a client bug (409).
   * A request that fails frees its key, so the retry is processed afresh.
   */
  private async once<T>(
    endpoint: UploadEndpoint,
    files: UploadedImage[],
    policyField: string | undefined,
    request: UploadRequest,
    work: () => Promise<T>,
  ): Promise<T> {
    const key = request.idempotencyKey;
    if (key === undefined) return work();
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw this.reject(
        'invalid_idempotency_key',
        HttpStatus.BAD_REQUEST,
        'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces',
      );
    }
    const scopedKey = `${endpoint}:${key}`;
    const fingerprint = fingerprintOf(files, policyField);
    const claim = await this.idempotency.claim<T>(request.clientId, scopedKey, fingerprint);
    switch (claim.state) {
      case 'replay':
        return claim.response;
      case 'mismatch':
        throw this.reject(
          'idempotency_key_reused',
          HttpStatus.CONFLICT,
          'this Idempotency-Key was already used for a different request (other files or policy)',
        );
      case 'in_progress':
        throw this.reject(
          'idempotency_key_in_progress',
          HttpStatus.CONFLICT,
          'a request with this Idempotency-Key is still being processed; retry shortly',
          1,
        );
    }
    let response: T;
    try {
      response = await work();
    } catch (err) {
      await this.idempotency.release(request.clientId, scopedKey).catch(() => undefined);
      throw err;
    }
    // The job exists now; if the response cannot be recorded, a retry sees "in progress" until the
    // key expires, which is safe (no second job), so this is logged rather than failed.
    await this.idempotency
      .complete(request.clientId, scopedKey, fingerprint, response, jobIdsOf(response))
      .catch((err) => this.logger.error({ message: 'could not record idempotent response', error: err.message }));
    return response;
  }

  private async acceptBatch(
    files: UploadedImage[],
    policyField: string | undefined,
    request: UploadRequest,
  ): Promise<BatchAccepted> {
    const policy = this.parsePolicy(policyField);
    const checked: CheckedImage[] = [];
    const rejected: BatchAccepted['rejected'] = [];
    for (const file of files) {
      try {
        checked.push(await this.check(file));
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        rejected.push({ filename: sanitizeFilename(file.originalname), error: `${err.code}: ${err.message}` });
      }
    }
    if (checked.length === 0) {
      throw new ApiError(
        HttpStatus.BAD_REQUEST,
        'no_valid_files',
        'none of the files is an image that can be processed',
        { rejected },
      );
    }
    const admission = await this.admit(checked.length);
    const batchId = randomUUID();
    const jobs: UploadAccepted[] = [];
    try {
      for (const image of checked) jobs.push(await this.submit(image, policy, request, batchId));
    } finally {
      admission.release();
    }
    await this.batches.create(
      batchId,
      jobs.map((j) => j.job_id),
      Date.now(),
      request.owner,
    );
    this.metrics.imagesSubmitted.inc({ endpoint: 'batch-upload' }, jobs.length);
    return { batch_id: batchId, accepted: jobs.length, rejected, jobs };
  }

  /**
   * Refuses before anything is stored when `count` more jobs would not finish within the latency
   * target at the workers' drain rate, or would pass MAX_QUEUE_SIZE. Both are `queue_full` to
   * clients; `details.limit` says which.
   */
  private async admit(count: number): Promise<Admission> {
    const decision = await this.admission.admit(count);
    if (decision.admit) return decision;
    throw this.queueFull(decision, count);
  }

  /**
   * Refuses an upload before its body is read when even one more job would not be admitted, so a
   * client retrying into a full queue costs the api no parsing and no buffering. A request with an
   * Idempotency-Key is let through: it may be the replay of an upload already accepted.
   */
  async refuseEarlyIfFull(hasIdempotencyKey: boolean): Promise<void> {
    if (hasIdempotencyKey) return;
    const decision = await this.admission.check(1);
    if (!decision.admit) throw this.queueFull(decision, 1);
  }

  private queueFull(decision: Extract<AdmissionDecision, { admit: false }>, count: number): ApiError {
    const wait = decision.predictedWaitS.toFixed(1);
    const message =
      decision.reason === 'max_queue_size'
        ? `the queue is full (MAX_QUEUE_SIZE ${this.config.maxQueueSize} waiting jobs); retry after ${decision.retryAfterS} s`
        : `the queue is full: ${count === 1 ? 'this upload' : `these ${count} uploads`} would be done in about ${wait} s, ` +
          `over the latency target of ${this.config.latencyTargetS} s; retry after ${decision.retryAfterS} s`;
    this.metrics.uploadsRejected.inc({ reason: 'queue_full' });
    return new ApiError(
      HttpStatus.TOO_MANY_REQUESTS,
      'queue_full',
      message,
      {
        limit: decision.reason,
        predicted_wait_seconds: Number(wait),
        latency_target_seconds: this.config.latencyTargetS,
      },
      decision.retryAfterS,
    );
  }

  /** Type from magic bytes, size from the header, completeness from the container: no decode happens in the api. */
  private async check(file: UploadedImage): Promise<CheckedImage> {
    const filename = sanitizeFilename(file.originalname);
    if (file.size === 0) throw this.reject('empty_file', HttpStatus.BAD_REQUEST, `${filename} is empty`);
    const format = sniffImageFormat(file.buffer.subarray(0, 16));
    if (!format) {
      throw this.reject(
        'unsupported_media_type',
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        `${filename} is not a JPEG, PNG or WebP image`,
      );
    }
    let width: number | undefined;
    let height: number | undefined;
    try {
      ({ width, height } = await sharp(file.buffer).metadata());
    } catch (err) {
      throw this.reject(
        'invalid_image',
        HttpStatus.UNPROCESSABLE_ENTITY,
        `${filename} cannot be read as ${format}: ${(err as Error).message}`,
      );
    }
    if (!width || !height)
      throw this.reject('invalid_image', HttpStatus.UNPROCESSABLE_ENTITY, `${filename} has no dimensions`);
    if (width * height > this.config.maxImagePixels) {
      throw this.reject(
        'image_too_large',
        HttpStatus.UNPROCESSABLE_ENTITY,
        `${filename} is ${width}x${height}, over the limit of ${this.config.maxImagePixels} pixels`,
      );
    }
    const defect = findStructuralDefect(file.buffer, format);
    if (defect) throw this.reject('invalid_image', HttpStatus.UNPROCESSABLE_ENTITY, `${filename}: ${defect}`);
    return { file, filename, format };
  }

  /**
   * The optional form field `policy`: JSON overriding the worker's default blur policy for these
   * images, refused when malformed or when it would weaken privacy beyond the operator's limits.
   */
  private parsePolicy(field: string | undefined): BlurPolicyOverride | undefined {
    if (field === undefined || field.trim() === '') return undefined;
    let policy: BlurPolicyOverride;
    try {
      policy = validatePolicyOverride(JSON.parse(field));
    } catch (err) {
      const problems = err instanceof PolicyValidationError ? err.problems : [`not JSON: ${(err as Error).message}`];
      this.metrics.uploadsRejected.inc({ reason: 'invalid_policy' });
      throw new ApiError(HttpStatus.BAD_REQUEST, 'invalid_policy', `policy: ${problems.join('; ')}`, { problems });
    }
    const problems = checkPolicyLimits(policy, this.config.policyLimits).map((v) => v.message);
    if (problems.length > 0) {
      this.metrics.uploadsRejected.inc({ reason: 'policy_not_allowed' });
      throw new ApiError(HttpStatus.BAD_REQUEST, 'policy_not_allowed', `policy: ${problems.join('; ')}`, { problems });
    }
    return policy;
  }

  private async submit(
    image: CheckedImage,
    policy: BlurPolicyOverride | undefined,
    request: UploadRequest,
    batchId?: string,
  ): Promise<UploadAccepted> {
    const { owner } = request;
    const jobId = randomUUID();
    const originalKey = storageKeys.original(jobId, image.format);
    const submittedAt = Date.now();
    await this.storage.put(originalKey, image.file.buffer, {
      contentType: IMAGE_CONTENT_TYPES[image.format],
      contentLength: image.file.size,
    });
    const payload: ProcessImagePayload = {
      job_id: jobId,
      original_key: originalKey,
      format: image.format,
      filename: image.filename,
      file_size: image.file.size,
      submitted_at: submittedAt,
      ...(batchId ? { batch_id: batchId } : {}),
      ...(policy ? { policy } : {}),
    };
    try {
      await this.statuses.create({
        job_id: jobId,
        filename: image.filename,
        file_size: image.file.size,
        format: image.format,
        created_at: submittedAt,
        batch_id: batchId,
        owner,
      });
      await this.queue.enqueue(payload);
    } catch (err) {
      // The client is told the upload failed and gets no job id: leave nothing behind.
      await Promise.allSettled([this.statuses.discard(jobId), this.storage.delete(originalKey)]);
      throw err;
    }
    await this.stats
      .recordSubmitted()
      .catch((err) => this.logger.warn({ message: 'could not count submission', job_id: jobId, error: err.message }));
    this.metrics.uploadBytes.observe(image.file.size);
    this.audit.record('upload', request.actor, { job_id: jobId, ...(batchId ? { batch_id: batchId } : {}) });
    this.logger.log({
      message: 'job submitted',
      job_id: jobId,
      format: image.format,
      bytes: image.file.size,
      batch_id: batchId,
    });
    return {
      job_id: jobId,
      filename: image.filename,
      file_size: image.file.size,
      status: 'submitted',
      message: 'Image accepted for processing',
    };
  }

  private reject(code: string, status: HttpStatus, message: string, retryAfterS?: number): ApiError {
    this.metrics.uploadsRejected.inc({ reason: code });
    return new ApiError(status, code, message, undefined, retryAfterS);
  }
}

/** The request's content as far as idempotency is concerned: each file's name and bytes, and the policy. */
function fingerprintOf(files: UploadedImage[], policyField: string | undefined): string {
  const hash = createHash('sha256')
    .update(policyField ?? '')
    .update('\0');
  for (const file of files) hash.update(file.originalname).update('\0').update(file.buffer).update('\0');
  return hash.digest('hex');
}

/** The jobs an upload's response names: its own, or each of a batch's. */
function jobIdsOf(response: unknown): string[] {
  const { job_id, jobs } = response as Partial<UploadAccepted & BatchAccepted>;
  return job_id ? [job_id] : (jobs ?? []).map((job) => job.job_id);
}
