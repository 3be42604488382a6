import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import {
  BatchStatusView,
  IMAGE_CONTENT_TYPES,
  JobStatusView,
  ResultKind,
  StatsView,
  storageKeys,
} from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { BatchStore, JobStatsStore, JobStatusStore } from '@imgpipe/jobs';
import { AuditLog } from '@imgpipe/metrics';
import { ObjectNotFoundError, STORAGE_DRIVER, StorageDriver } from '@imgpipe/storage';
import { ClientRequest, SCOPES, auditActor, mayRead } from './access/access.guard';
import { isLoopbackClient } from './access/loopback';
import { ApiError } from './errors/api-error';

/** A stored object of a job, ready to stream back. */
export interface JobResult {
  stream: Readable;
  contentType: string;
  contentLength?: number;
}

/** What a client may read of jobs, batches and their results, and the job statistics. */
@Injectable()
export class JobsService {
  constructor(
    private readonly statuses: JobStatusStore,
    private readonly batches: BatchStore,
    private readonly stats: JobStatsStore,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    @Inject(PIPELINE_CONFIG) private readonly config: PipelineConfig,
    private readonly audit: AuditLog,
  ) {}

  async status(jobId: string, req: ClientRequest): Promise<JobStatusView> {
    // Another client's job is as invisible as one that does not exist.
    const access = await this.statuses.access(jobId);
    const view = access && mayRead(req, access.owner) ? await this.statuses.get(jobId) : null;
    if (!view) throw new ApiError(HttpStatus.NOT_FOUND, 'job_not_found', `no job ${jobId}`);
    return view;
  }

  async batch(batchId: string, req: ClientRequest): Promise<BatchStatusView> {
    const batch = await this.batches.get(batchId);
    if (!batch || !mayRead(req, batch.owner))
      throw new ApiError(HttpStatus.NOT_FOUND, 'batch_not_found', `no batch ${batchId}`);
    return batch.view;
  }

  async result(jobId: string, kind: ResultKind, req: ClientRequest): Promise<JobResult> {
    if (kind === 'original') this.assertMayReadOriginals(req);
    const access = await this.statuses.access(jobId);
    if (!access || !mayRead(req, access.owner))
      throw new ApiError(HttpStatus.NOT_FOUND, 'job_not_found', `no job ${jobId}`);
    const { format } = access;
    if (kind === 'original' && access.originalDeletedAt !== undefined) {
      const deletedAt = new Date(access.originalDeletedAt).toISOString();
      throw new ApiError(
        HttpStatus.GONE,
        'original_deleted',
        `the original of job ${jobId} was deleted at ${deletedAt} (ORIGINALS_RETENTION_HOURS)`,
        { deleted_at: deletedAt },
      );
    }
    const key = kind === 'metadata' ? storageKeys.metadata(jobId) : storageKeys[kind](jobId, format);
    try {
      const object = await this.storage.getStream(key);
      if (kind === 'original') this.audit.record('original_read', auditActor(req), { job_id: jobId });
      return {
        stream: object.stream,
        contentType: kind === 'metadata' ? 'application/json' : IMAGE_CONTENT_TYPES[format],
        ...(object.contentLength !== undefined ? { contentLength: object.contentLength } : {}),
      };
    } catch (err) {
      if (err instanceof ObjectNotFoundError) {
        throw new ApiError(HttpStatus.NOT_FOUND, 'result_not_found', `job ${jobId} has no ${kind} object (yet)`);
      }
      throw err;
    }
  }

  statistics(): Promise<StatsView> {
    return this.stats.read();
  }

  private assertMayReadOriginals(req: ClientRequest): void {
    if (!this.config.serveOriginals) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'originals_not_served',
        'this deployment does not serve unblurred originals',
      );
    }
    // Without auth nobody proves who they are: only someone on the api's host gets faces unblurred.
    if (
      !this.config.auth &&
      this.config.originalsWithoutAuth === 'loopback' &&
      !isLoopbackClient(req, this.config.trustProxyHops)
    ) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'originals_loopback_only',
        "with authentication off, unblurred originals are served only to clients on the api's own host; " +
          'the operator can turn authentication on (AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY or AUTH_JWKS_URL) ' +
          'or set ORIGINALS_WITHOUT_AUTH=anyone',
      );
    }
    if (req.principal && !req.principal.scopes.has(SCOPES.originals)) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'insufficient_scope',
        `reading originals needs the scope "${SCOPES.originals}"`,
      );
    }
  }
}
