import { Controller, Delete, HttpCode, HttpStatus, Param, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, MALFORMED_ID, UNAVAILABLE } from './api-docs';
import { ClientRequest, Protected, SCOPES } from './access/access.guard';
import { ErasureService } from './erasure.service';
import { BATCH_ID, JOB_ID } from './params';

const ERASURE =
  'A job still queued is cancelled; a job being processed is discarded by its worker, which writes none of its ' +
  'results. Only the client that uploaded it may erase it (or a token with `images:read-all`), as for reads. ' +
  'Erasing again answers 404.';

@ApiTags('jobs')
@Controller()
export class ErasureController {
  constructor(private readonly erasure: ErasureService) {}

  @Delete('jobs/:job_id')
  @Protected(SCOPES.delete)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Erase a job',
    description: `Deletes the original, the processed image, the metadata and the job's records; then /status answers 404. ${ERASURE}`,
  })
  @ApiParam({ name: 'job_id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiErrors(MALFORMED_ID, [404, 'No such job (or it has expired)'], UNAVAILABLE)
  async eraseJob(@Param('job_id', JOB_ID) jobId: string, @Req() req: ClientRequest): Promise<void> {
    await this.erasure.eraseJob(jobId, req);
  }

  @Delete('batch/:batch_id')
  @Protected(SCOPES.delete)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Erase a batch',
    description: `Erases every job of the batch as DELETE /jobs/{job_id} does, then the batch itself. ${ERASURE}`,
  })
  @ApiParam({ name: 'batch_id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiErrors(MALFORMED_ID, [404, 'No such batch (or it has expired)'], UNAVAILABLE)
  async eraseBatch(@Param('batch_id', BATCH_ID) batchId: string, @Req() req: ClientRequest): Promise<void> {
    await this.erasure.eraseBatch(batchId, req);
  }
}
