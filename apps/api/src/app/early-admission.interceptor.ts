import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { UploadService } from './upload.service';

/**
 * Bound before the upload budget and the multipart interceptor: when the queue would refuse even
 * one more job, the upload is answered `429` before a byte of its body is parsed. During a spike
 * most uploads are refused and retried; parsing and checking each refused body had cost the api
 * about three times its CPU per accepted upload. Node discards the unread body as it arrives.
 */
@Injectable()
export class EarlyAdmissionInterceptor implements NestInterceptor {
  constructor(private readonly uploads: UploadService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    await this.uploads.refuseEarlyIfFull(req.headers['idempotency-key'] !== undefined);
    return next.handle();
  }
}
