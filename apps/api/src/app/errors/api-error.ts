import { HttpException, HttpStatus } from '@nestjs/common';

/** A refusal with a stable machine-readable code; the filter renders it as `{statusCode, code, message}`. */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly retryAfterS?: number,
  ) {
    super(message, status);
  }
}
