import { CallHandler, ExecutionContext, HttpStatus, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { StorageEngine } from 'multer';
import { Observable, catchError, throwError } from 'rxjs';
import { PipelineMetrics } from '@imgpipe/metrics';
import { ApiError } from './errors/api-error';

const MIB = 1024 * 1024;
/** Uploads in flight on a local network finish within a second or two; a client should not wait longer. */
const RETRY_AFTER_S = 2;

/** A request's share: what it holds of the budget, and the file bytes it has sent. */
interface Claim {
  held: number;
  received: number;
}

/**
 * The upload bytes one api process holds at once, across concurrent requests. Files are buffered
 * whole (the api sniffs, measures and hashes them before storing), so without a bound a burst of
 * large uploads holds their sum in memory. A request claims its Content-Length before a byte of
 * its body is read, and claims more as file bytes arrive beyond it (no Content-Length, or a false
 * one); it holds its claim until its response has gone.
 */
export class UploadBytesBudget {
  private inFlight = 0;
  private readonly claims = new WeakMap<Request, Claim>();

  constructor(readonly limit: number) {}

  get bytesInFlight(): number {
    return this.inFlight;
  }

  /** Claims the declared Content-Length, or throws 413 or 503 before the body is read. */
  open(req: Request, res: Response): void {
    const declared = Number(req.headers['content-length']);
    const claim: Claim = { held: 0, received: 0 };
    this.claims.set(req, claim);
    res.once('close', () => {
      this.inFlight -= claim.held;
      claim.held = 0;
    });
    if (Number.isSafeInteger(declared) && declared > 0) this.grow(claim, declared);
  }

  /** Bytes the request has claimed but not yet sent as file content: room to receive a file into. */
  unreceived(req: Request): number {
    const claim = this.claims.get(req);
    return claim ? Math.max(0, claim.held - claim.received) : 0;
  }

  /** Counts file bytes as they stream in; throws 413 or 503 once they pass what the budget allows. */
  receive(req: Request, bytes: number): void {
    const claim = this.claims.get(req);
    if (!claim) throw new Error('an upload was received without a claim on the upload budget');
    claim.received += bytes;
    if (claim.received > claim.held) this.grow(claim, claim.received - claim.held);
  }

  private grow(claim: Claim, bytes: number): void {
    if (claim.held + bytes > this.limit) {
      throw new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'request_too_large',
        `this request's body is larger than the api receives at once (MAX_UPLOAD_BYTES_IN_FLIGHT, ` +
          `${mib(this.limit)} MiB); send fewer files per request`,
      );
    }
    if (this.inFlight + bytes > this.limit) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'uploads_in_flight',
        `the api is receiving ${mib(this.inFlight)} MiB of uploads already and this one needs ${mib(bytes)} MiB more, ` +
          `over its limit of ${mib(this.limit)} MiB (MAX_UPLOAD_BYTES_IN_FLIGHT); retry after ${RETRY_AFTER_S} s`,
        undefined,
        RETRY_AFTER_S,
      );
    }
    this.inFlight += bytes;
    claim.held += bytes;
  }
}

const mib = (bytes: number) => (bytes / MIB).toFixed(1);

/**
 * multer's memory storage, with every chunk counted against the budget before it is kept. A file
 * is received into one buffer the size of what its request declared (at most `maxFileBytes`), not
 * into chunks joined at the end: joining holds every file twice at the moment it completes.
 */
export function budgetedMemoryStorage(budget: UploadBytesBudget, maxFileBytes: number): StorageEngine {
  return {
    _handleFile(req, file, done) {
      const room = Math.min(budget.unreceived(req), maxFileBytes);
      let slab: Buffer | undefined = room > 0 ? Buffer.allocUnsafe(room) : undefined;
      const chunks: Buffer[] = [];
      let length = 0;
      let refused = false;
      file.stream.on('data', (chunk: Buffer) => {
        if (refused) return;
        try {
          budget.receive(req, chunk.length);
        } catch (err) {
          // multer drains the rest of the body, then answers with this error.
          refused = true;
          slab = undefined;
          chunks.length = 0;
          return done(err);
        }
        if (slab && length + chunk.length <= slab.length) chunk.copy(slab, length);
        else {
          // No Content-Length, or a file beyond what was declared: keep the chunks, join them at the end.
          if (slab) chunks.push(slab.subarray(0, length));
          slab = undefined;
          chunks.push(chunk);
        }
        length += chunk.length;
      });
      file.stream.on('end', () => {
        if (refused) return;
        let buffer = slab ? slab.subarray(0, length) : Buffer.concat(chunks, length);
        // The first files of a batch get room for the whole request: keep only what they hold.
        if (slab && slab.length - length > slab.length / 4) buffer = Buffer.from(buffer);
        slab = undefined;
        chunks.length = 0;
        done(null, { buffer, size: length });
      });
    },
    _removeFile(_req, file, done) {
      delete (file as { buffer?: Buffer }).buffer;
      done(null);
    },
  };
}

/**
 * Bound before the multipart interceptor: opens the request's claim once it is authenticated and
 * within its rate limit, so refused callers never hold any of the budget.
 */
@Injectable()
export class UploadBudgetInterceptor implements NestInterceptor {
  constructor(
    @Inject(UploadBytesBudget) private readonly budget: UploadBytesBudget,
    private readonly metrics: PipelineMetrics,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    try {
      this.budget.open(req, res);
    } catch (err) {
      this.refused(err);
      // Answered before the body is read; Node discards the rest as it arrives, buffering none of it
      // (closing the connection instead makes clients still sending see EPIPE, not the answer).
      throw err;
    }
    return next.handle().pipe(
      catchError((err) => {
        this.refused(err);
        return throwError(() => err);
      }),
    );
  }

  private refused(err: unknown): void {
    if (err instanceof ApiError && (err.code === 'uploads_in_flight' || err.code === 'request_too_large'))
      this.metrics.uploadsRejected.inc({ reason: err.code });
  }
}
