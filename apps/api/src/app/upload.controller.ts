import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Req,
  UploadedFile,
  UploadedFiles,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor, FilesInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { BatchAccepted, BatchStatusView, UploadAccepted } from '@imgpipe/contracts';
import { ApiErrors, MALFORMED_ID, UNAVAILABLE } from './api-docs';
import { BatchAcceptedDto, BatchStatusDto, UploadAcceptedDto } from './dto/views.dto';
import { ClientRequest, Protected, SCOPES, auditActor } from './access/access.guard';
import { JobsService } from './jobs.service';
import { UploadService, UploadedImage } from './upload.service';
import { EarlyAdmissionInterceptor } from './early-admission.interceptor';
import { UploadBudgetInterceptor } from './upload-budget';
import { BATCH_ID } from './params';

interface PolicyForm {
  policy?: string;
}

const POLICY_FIELD = {
  type: 'string',
  description:
    'Optional JSON overriding the default blur policy for these images, e.g. {"method":"pixelate","thresholds":{"face":0.5}}. ' +
    'Keys: method (gaussian|pixelate|solid), strength, box_expansion, min_box_size, thresholds {face, plate}, head_fallback. ' +
    'It may make privacy stronger, but not weaker than the operator allows (by default, than the default policy): ' +
    'thresholds up to POLICY_MAX_FACE_THRESHOLD and POLICY_MAX_PLATE_THRESHOLD, min_box_size up to ' +
    'POLICY_MAX_MIN_BOX_SIZE, strength from POLICY_MIN_STRENGTH, box_expansion from POLICY_MIN_BOX_EXPANSION, ' +
    'head_fallback false only with POLICY_ALLOW_HEAD_FALLBACK_OFF.',
};

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description:
    'Any unique string (a UUID, say). Retrying with the same key and the same files and policy returns the first ' +
    'response and creates no second job; the same key with other content gets 409. Kept for JOB_RETENTION_HOURS.',
};

const UPLOAD_ERRORS: [number, string][] = [
  [
    400,
    'No file, an empty file, an invalid policy (invalid_policy), a policy weaker than the operator allows ' +
      '(policy_not_allowed), or a malformed multipart request',
  ],
  [409, 'The Idempotency-Key was used for a different request, or its first request is still running'],
  [
    413,
    'The file is larger than MAX_UPLOAD_BYTES (`payload_too_large`), or the request is larger than the api receives at once, ' +
      'MAX_UPLOAD_BYTES_IN_FLIGHT (`request_too_large`)',
  ],
  [415, 'The file is not a JPEG, PNG or WebP image (judged by its bytes)'],
  [422, 'The image header cannot be read, the file is truncated, or the image has more than MAX_IMAGE_PIXELS pixels'],
  [
    429,
    'Nothing was stored; retry after Retry-After seconds. `queue_full`: the jobs ahead and this upload (a batch counts whole) ' +
      'would not finish within LATENCY_TARGET_S at the rate the workers complete jobs (`details.limit` ' +
      '"latency_target"), or MAX_QUEUE_SIZE jobs are waiting ("max_queue_size"); Retry-After is the time the queue ' +
      'takes, at that rate, to make room. `rate_limited`: the client sent too many requests',
  ],
  [
    503,
    'Redis or storage is unavailable (`dependency_unavailable`), or the api is already receiving ' +
      'MAX_UPLOAD_BYTES_IN_FLIGHT bytes of uploads (`uploads_in_flight`, refused before the body is read): ' +
      'nothing was stored; retry after Retry-After seconds',
  ],
];

@ApiTags('upload')
@Controller()
export class UploadController {
  constructor(
    private readonly uploads: UploadService,
    private readonly jobs: JobsService,
  ) {}

  @Post('upload')
  @Protected(SCOPES.write)
  @HttpCode(HttpStatus.ACCEPTED)
  @UseInterceptors(EarlyAdmissionInterceptor, UploadBudgetInterceptor, FileInterceptor('file'))
  @ApiOperation({
    summary: 'Upload one image',
    description: 'Stores the original, then enqueues the job. Poll GET /status/{job_id}.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary', description: 'JPEG, PNG or WebP' },
        policy: POLICY_FIELD,
      },
    },
  })
  @ApiAcceptedResponse({ type: UploadAcceptedDto })
  @ApiErrors(...UPLOAD_ERRORS)
  upload(
    @UploadedFile() file: UploadedImage | undefined,
    @Body() body: PolicyForm,
    @Req() req: ClientRequest,
  ): Promise<UploadAccepted> {
    return this.uploads.upload(file, body?.policy, uploadRequest(req));
  }

  @Post('batch-upload')
  @Protected(SCOPES.write)
  @HttpCode(HttpStatus.ACCEPTED)
  @UseInterceptors(EarlyAdmissionInterceptor, UploadBudgetInterceptor, FilesInterceptor('files'))
  @ApiOperation({
    summary: 'Upload many images',
    description:
      'Each file is checked on its own: bad ones are listed in `rejected`, the rest are accepted. At most MAX_BATCH_FILES files.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiBody({
    schema: {
      type: 'object',
      required: ['files'],
      properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } }, policy: POLICY_FIELD },
    },
  })
  @ApiAcceptedResponse({ type: BatchAcceptedDto })
  @ApiErrors(...UPLOAD_ERRORS)
  batchUpload(
    @UploadedFiles() files: UploadedImage[] | undefined,
    @Body() body: PolicyForm,
    @Req() req: ClientRequest,
  ): Promise<BatchAccepted> {
    return this.uploads.batchUpload(files, body?.policy, uploadRequest(req));
  }

  @Get('batch/:batch_id')
  @Protected(SCOPES.read)
  @ApiOperation({ summary: 'Progress of a batch', description: 'Counts of its jobs by status, and their ids.' })
  @ApiParam({ name: 'batch_id', format: 'uuid' })
  @ApiOkResponse({ type: BatchStatusDto })
  @ApiErrors(MALFORMED_ID, [404, 'No such batch (or it has expired)'], UNAVAILABLE)
  batch(@Param('batch_id', BATCH_ID) batchId: string, @Req() req: ClientRequest): Promise<BatchStatusView> {
    return this.jobs.batch(batchId, req);
  }
}

// Read from the request, not with @Headers(): that would add a second, required `idempotency-key`
// parameter to the OpenAPI document beside the optional Idempotency-Key that @ApiHeader documents.
function uploadRequest(req: ClientRequest) {
  return {
    clientId: req.clientId as string,
    owner: req.principal?.subject,
    actor: auditActor(req),
    idempotencyKey: req.get('Idempotency-Key'),
  };
}
