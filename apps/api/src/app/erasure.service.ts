import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { IMAGE_FORMATS, ImageFormat, storageKeys } from '@imgpipe/contracts';
import { BatchStore, ImageQueue, JobStatusStore, OriginalsDueStore } from '@imgpipe/jobs';
import { AuditActor, AuditLog } from '@imgpipe/metrics';
import { STORAGE_DRIVER, StorageDriver } from '@imgpipe/storage';
import { ClientRequest, auditActor, mayRead } from './access/access.guard';
import { ApiError } from './errors/api-error';
import { IdempotencyStore } from './idempotency.store';

/**
 * Erasure on request: a job's original, processed image, metadata and records (the
 * response an Idempotency-Key recorded for it too), gone. Who may
 * erase a job is who may read it; another client's job is as unknown here as it is to reads.
 */
@Injectable()
export class ErasureService {
  private readonly logger = new Logger(ErasureService.name);

  constructor(
    private readonly statuses: JobStatusStore,
    private readonly batches: BatchStore,
    private readonly queue: ImageQueue,
    private readonly originalsDue: OriginalsDueStore,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly audit: AuditLog,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async eraseJob(jobId: string, req: ClientRequest): Promise<void> {
    const access = await this.statuses.access(jobId);
    if (!access || !mayRead(req, access.owner))
      throw new ApiError(HttpStatus.NOT_FOUND, 'job_not_found', `no job ${jobId}`);
    await this.erase(jobId, access.format, auditActor(req));
  }

  /** Erases every job of the batch, then the batch. Its jobs' records may have expired; their objects are erased all the same. */
  async eraseBatch(batchId: string, req: ClientRequest): Promise<void> {
    const batch = await this.batches.get(batchId);
    if (!batch || !mayRead(req, batch.owner))
      throw new ApiError(HttpStatus.NOT_FOUND, 'batch_not_found', `no batch ${batchId}`);
    for (const jobId of batch.view.job_ids) {
      const access = await this.statuses.access(jobId);
      await this.erase(jobId, access?.format, auditActor(req), batchId);
    }
    await this.batches.forget(batchId);
  }

  /**
   * The tombstone comes first, so a worker that holds the job from here on writes nothing; the
   * record goes last, so an erasure cut short by an outage can be asked for again and finds the job.
   */
  private async erase(
    jobId: string,
    format: ImageFormat | undefined,
    actor: AuditActor,
    batchId?: string,
  ): Promise<void> {
    await this.statuses.markErased(jobId);
    await this.queue.cancel(jobId);
    const formats = format ? [format] : IMAGE_FORMATS;
    const keys = [
      ...formats.flatMap((f) => [storageKeys.original(jobId, f), storageKeys.processed(jobId, f)]),
      storageKeys.metadata(jobId),
    ];
    await Promise.all(keys.map((key) => this.storage.delete(key)));
    await this.originalsDue.forget(jobId);
    await this.idempotency.forgetJob(jobId);
    await this.statuses.discard(jobId);
    this.logger.log({ message: 'job erased', job_id: jobId });
    this.audit.record('erasure', actor, { job_id: jobId, ...(batchId ? { batch_id: batchId } : {}) });
  }
}
