import type { ErrorBody, JobStatusView } from './api-types';

/**
 * The api refused a request. `code` is the api's stable machine-readable code
 * (`unsupported_media_type`, `queue_full`, `job_not_found`, ...); `retryAfterS` is set when the
 * api said when to try again (429 and 503).
 */
export class PipelineApiError extends Error {
  override readonly name = 'PipelineApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterS?: number,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /**
   * An error response from its body as openapi-fetch read it (parsed JSON, or the text when it
   * was not JSON): the api's `{statusCode, code, message}`, or whatever a proxy in between sent.
   */
  static fromBody(res: Response, parsed: unknown): PipelineApiError {
    const retryAfterS = parseRetryAfter(res.headers.get('retry-after'));
    const body = asErrorBody(parsed);
    if (body) return new PipelineApiError(res.status, body.code, body.message, retryAfterS, body.details);
    const text = typeof parsed === 'string' ? parsed : parsed === undefined ? '' : JSON.stringify(parsed);
    const excerpt = text.trim().slice(0, 200);
    const message = `${res.status} ${res.statusText}${excerpt ? `: ${excerpt}` : ''}`;
    return new PipelineApiError(res.status, `http_${res.status}`, message, retryAfterS);
  }
}

/** `waitFor` ran out of time; `last` is the last status the api reported, if any. */
export class JobWaitTimeoutError extends Error {
  override readonly name = 'JobWaitTimeoutError';

  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
    readonly last?: JobStatusView,
  ) {
    super(`job ${jobId} did not finish within ${timeoutMs} ms${last ? ` (last status: ${last.status})` : ''}`);
  }
}

function asErrorBody(parsed: unknown): ErrorBody | undefined {
  const body = parsed as Partial<ErrorBody> | undefined;
  return typeof body === 'object' && typeof body?.code === 'string' && typeof body.message === 'string'
    ? (body as ErrorBody)
    : undefined;
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
