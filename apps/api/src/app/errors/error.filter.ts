import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorBody } from '@imgpipe/contracts';
import { RedisUnavailableError } from '@imgpipe/jobs';
import { StorageUnavailableError } from '@imgpipe/storage';
import { ApiError } from './api-error';

const CODES_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

/** Every error leaves as `{statusCode, code, message}`; a 500 logs an error id and never leaks a stack. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception, res);
    if (!res.headersSent) res.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, res: Response): ErrorBody {
    if (exception instanceof ApiError) {
      if (exception.retryAfterS !== undefined) res.setHeader('Retry-After', String(exception.retryAfterS));
      const body: ErrorBody = { statusCode: exception.getStatus(), code: exception.code, message: exception.message };
      if (exception.details !== undefined) body.details = exception.details;
      return body;
    }
    if (exception instanceof RedisUnavailableError || exception instanceof StorageUnavailableError) {
      res.setHeader('Retry-After', '5');
      const dependency = exception instanceof RedisUnavailableError ? 'redis' : 'storage';
      this.logger.warn({ message: 'dependency unavailable', dependency, error: exception.message });
      return {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        code: 'dependency_unavailable',
        message: `${dependency} is unavailable, try again shortly`,
        details: { dependency },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? [(response as { message: unknown }).message].flat().join('; ')
          : exception.message;
      return { statusCode: status, code: CODES_BY_STATUS[status] ?? `http_${status}`, message };
    }
    const errorId = randomUUID();
    this.logger.error({
      message: 'unhandled error',
      error_id: errorId,
      error: (exception as Error)?.stack ?? String(exception),
    });
    return { statusCode: 500, code: 'internal_error', message: `internal error (error id ${errorId})` };
  }
}
