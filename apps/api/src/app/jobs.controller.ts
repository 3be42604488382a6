import { Controller, Get, HttpStatus, Inject, Param, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { IMAGE_CONTENT_TYPES, JobStatusView, RESULT_KINDS, ResultKind, storageKeys } from '@imgpipe/contracts';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { JobStatusStore } from '@imgpipe/jobs';
import { ObjectNotFoundError, STORAGE_DRIVER, StorageDriver } from '@imgpipe/storage';
import { ApiErrors, MALFORMED_ID, UNAVAILABLE } from './api-docs';
import { JobStatusDto } from './dto/views.dto';
import { ApiError } from './errors/api-error';
import { ClientRequest, Protected, SCOPES, mayRead } from './access/access.guard';
import { isLoopbackClient } from './access/loopback';
import { JOB_ID, RESULT_KIND } from './params';

@ApiTags('jobs')
@Controller()
export class JobsController {
  constructor(
    private readonly statuses: JobStatusStore,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    @Inject(PIPELINE_CONFIG) private readonly config: PipelineConfig,
  ) {}

  @Get('status/:job_id')
  @Protected(SCOPES.read)
  @ApiOperation({ summary: 'Status of a job', description: 'Readable for JOB_RETENTION_HOURS after the job ends.' })
  @ApiParam({ name: 'job_id', format: 'uuid' })
  @ApiOkResponse({ type: JobStatusDto })
  @ApiErrors(MALFORMED_ID, [404, 'No such job (or it has expired)'], UNAVAILABLE)
  async status(@Param('job_id', JOB_ID) jobId: string, @Req() req: ClientRequest): Promise<JobStatusView> {
    // Another client's job is as invisible as one that does not exist.
    const access = await this.statuses.access(jobId);
    const view = access && mayRead(req, access.owner) ? await this.statuses.get(jobId) : null;
    if (!view) throw new ApiError(HttpStatus.NOT_FOUND, 'job_not_found', `no job ${jobId}`);
    return view;
  }

  @Get('results/:job_id/:kind')
  @Protected(SCOPES.read)
  @ApiOperation({
    summary: 'Download a stored object of a job',
    description:
      '`original` is the upload as received, unblurred: it needs the scope `originals:read` as well when auth is ' +
      "on; with auth off it is served only to clients on the api's own host (loopback, after TRUST_PROXY_HOPS) " +
      'unless the operator sets ORIGINALS_WITHOUT_AUTH=anyone; it is refused with 403 when SERVE_ORIGINALS=false. ' +
      '`processed` and `metadata` exist once the job is completed.',
  })
  @ApiParam({ name: 'job_id', format: 'uuid' })
  @ApiParam({ name: 'kind', enum: RESULT_KINDS })
  @ApiOkResponse({
    description: 'The stored object: the image for `original` and `processed`, the JobMetadata document for `metadata`',
    content: {
      'image/jpeg': { schema: { type: 'string', format: 'binary' } },
      'image/png': { schema: { type: 'string', format: 'binary' } },
      'image/webp': { schema: { type: 'string', format: 'binary' } },
      'application/json': { schema: { $ref: '#/components/schemas/JobMetadata' } },
    },
  })
  @ApiErrors(
    [400, 'The id is not a UUID, or kind is not original, processed or metadata'],
    [
      403,
      'Originals are not served here (SERVE_ORIGINALS=false), the token lacks `originals:read`, or auth is off and ' +
        "the client is not on the api's host (ORIGINALS_WITHOUT_AUTH=loopback)",
    ],
    [404, 'No such job, or the object does not exist (yet)'],
    UNAVAILABLE,
  )
  async result(
    @Param('job_id', JOB_ID) jobId: string,
    @Param('kind', RESULT_KIND) kind: ResultKind,
    @Req() req: ClientRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    if (kind === 'original') this.assertMayReadOriginals(req);
    const access = await this.statuses.access(jobId);
    if (!access || !mayRead(req, access.owner))
      throw new ApiError(HttpStatus.NOT_FOUND, 'job_not_found', `no job ${jobId}`);
    const { format } = access;
    const key = kind === 'metadata' ? storageKeys.metadata(jobId) : storageKeys[kind](jobId, format);
    try {
      const object = await this.storage.getStream(key);
      res.setHeader('Content-Type', kind === 'metadata' ? 'application/json' : IMAGE_CONTENT_TYPES[format]);
      if (object.contentLength !== undefined) res.setHeader('Content-Length', String(object.contentLength));
      return new StreamableFile(object.stream);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) {
        throw new ApiError(HttpStatus.NOT_FOUND, 'result_not_found', `job ${jobId} has no ${kind} object (yet)`);
      }
      throw err;
    }
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
