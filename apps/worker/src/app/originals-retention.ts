import { Inject, Injectable, Logger } from '@nestjs/common';
import { ImageFormat, storageKeys } from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { JobStatusStore, OriginalsDueStore } from '@imgpipe/jobs';
import { AuditLog } from '@imgpipe/metrics';
import { STORAGE_DRIVER, StorageDriver } from '@imgpipe/storage';

/** Originals deleted per sweep at most; the rest wait for the next one. */
const SWEEP_BATCH = 100;
/** A deletion that failed (storage down) is tried again this much later. */
const RETRY_DELAY_MS = 60_000;

/**
 * ORIGINALS_RETENTION_HOURS: when a job ends (completed, or failed with no retry left), its
 * unblurred original is deleted at once (0) or scheduled in OriginalsDueStore. Every worker
 * process sweeps the due originals; the store hands each to one sweep, so each is deleted (and
 * audited) once however many workers sweep.
 */
@Injectable()
export class OriginalsRetention {
  private readonly logger = new Logger(OriginalsRetention.name);
  private readonly retentionMs: number | undefined;

  constructor(
    private readonly due: OriginalsDueStore,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
    private readonly statuses: JobStatusStore,
    private readonly audit: AuditLog,
  ) {
    this.retentionMs =
      config.originalsRetentionHours === undefined ? undefined : Math.round(config.originalsRetentionHours * 3_600_000);
  }

  /** Whether originals are deleted at all. */
  get enabled(): boolean {
    return this.retentionMs !== undefined;
  }

  /** When an original of a job ending at `endedAt` is due for deletion; null while originals are kept. */
  dueAt(endedAt: number): number | null {
    return this.retentionMs === undefined ? null : endedAt + this.retentionMs;
  }

  /** How often a worker sweeps: often enough to be on time for short retentions, at most once a second. */
  get sweepIntervalMs(): number {
    return Math.min(60_000, Math.max(1000, Math.floor((this.retentionMs ?? 0) / 4)));
  }

  /** The job ended for good: its original is deleted now or scheduled. Erased jobs are left alone. */
  async jobEnded(jobId: string, format: ImageFormat, endedAt = Date.now()): Promise<void> {
    const dueAt = this.dueAt(endedAt);
    if (dueAt === null || (await this.statuses.isErased(jobId))) return;
    await this.statuses.markOriginalDue(jobId, dueAt);
    if (dueAt <= Date.now()) await this.delete(jobId, format);
    else await this.due.schedule({ jobId, format }, dueAt);
  }

  /** Deletes the originals that are due; returns how many this process deleted. */
  async sweep(now = Date.now()): Promise<number> {
    const claimed = await this.due.claimDue(SWEEP_BATCH, now);
    let deleted = 0;
    for (const { jobId, format } of claimed) {
      try {
        await this.delete(jobId, format);
        deleted += 1;
      } catch (err) {
        this.logger.warn({
          message: 'could not delete an original; trying again later',
          job_id: jobId,
          error: (err as Error).message,
        });
        await this.due.schedule({ jobId, format }, Date.now() + RETRY_DELAY_MS).catch(() => undefined);
      }
    }
    return deleted;
  }

  private async delete(jobId: string, format: ImageFormat): Promise<void> {
    await this.storage.delete(storageKeys.original(jobId, format));
    const deletedAt = Date.now();
    await this.statuses.markOriginalDeleted(jobId, deletedAt);
    this.logger.log({ message: 'original deleted by retention', job_id: jobId });
    this.audit.record('retention_delete', { actor: 'retention' }, { job_id: jobId });
  }
}
