import { HttpStatus, ParseEnumPipe, ParseUUIDPipe } from '@nestjs/common';
import { RESULT_KINDS, ResultKind } from '@imgpipe/contracts';
import { ApiError } from './errors/api-error';

/**
 * Path parameter pipes. A malformed id is a 400 with its own code, not an unknown one (404); the
 * errors keep the api's `{statusCode, code, message}` body.
 */
export const JOB_ID = uuidPipe('job_id', 'invalid_job_id');
export const BATCH_ID = uuidPipe('batch_id', 'invalid_batch_id');

const RESULT_KIND_ENUM = Object.fromEntries(RESULT_KINDS.map((kind) => [kind, kind])) as Record<ResultKind, ResultKind>;

export const RESULT_KIND = new ParseEnumPipe(RESULT_KIND_ENUM, {
  exceptionFactory: () =>
    new ApiError(HttpStatus.BAD_REQUEST, 'invalid_result_kind', `kind must be one of ${RESULT_KINDS.join(', ')}`),
});

function uuidPipe(name: string, code: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => new ApiError(HttpStatus.BAD_REQUEST, code, `${name} must be a UUID`),
  });
}
