import { Controller, Get, Param, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { JobStatusView, RESULT_KINDS, ResultKind } from '@imgpipe/contracts';
import { ApiErrors, MALFORMED_ID, UNAVAILABLE } from './api-docs';
import { JobStatusDto } from './dto/views.dto';
import { ClientRequest, Protected, SCOPES } from './access/access.guard';
import { JobsService } from './jobs.service';
import { JOB_ID, RESULT_KIND } from './params';

@ApiTags('jobs')
@Controller()
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get('status/:job_id')
  @Protected(SCOPES.read)
  @ApiOperation({ summary: 'Status of a job', description: 'Readable for JOB_RETENTION_HOURS after the job ends.' })
  @ApiParam({ name: 'job_id', format: 'uuid' })
  @ApiOkResponse({ type: JobStatusDto })
  @ApiErrors(MALFORMED_ID, [404, 'No such job (or it has expired)'], UNAVAILABLE)
  status(@Param('job_id', JOB_ID) jobId: string, @Req() req: ClientRequest): Promise<JobStatusView> {
    return this.jobs.status(jobId, req);
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
    [410, 'The original was deleted after ORIGINALS_RETENTION_HOURS; `details.deleted_at` says when'],
    UNAVAILABLE,
  )
  async result(
    @Param('job_id', JOB_ID) jobId: string,
    @Param('kind', RESULT_KIND) kind: ResultKind,
    @Req() req: ClientRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const object = await this.jobs.result(jobId, kind, req);
    res.setHeader('Content-Type', object.contentType);
    if (object.contentLength !== undefined) res.setHeader('Content-Length', String(object.contentLength));
    return new StreamableFile(object.stream);
  }
}
