/** A request the api answered with an error status, or one that never reached it (status 0). */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** Seconds from the `Retry-After` header, when the api sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(describeRefusal(status, code, detail, retryAfterSeconds));
    this.name = 'ApiRefusal';
  }
}

export const UNREACHABLE = 0;

/**
 * Builds the refusal from an error answer. The api's body is `{statusCode, code, message}`; a
 * proxy in front of it may answer with HTML or nothing, so the body is read defensively.
 */
export function refusalFrom(status: number, bodyText: string, retryAfter: string | null): ApiRefusal {
  let code = `http_${status}`;
  let detail = '';
  try {
    const body: unknown = JSON.parse(bodyText);
    if (body && typeof body === 'object') {
      const { code: bodyCode, message } = body as { code?: unknown; message?: unknown };
      if (typeof bodyCode === 'string' && bodyCode) code = bodyCode;
      if (typeof message === 'string') detail = message;
    }
  } catch {
    // not JSON: keep the status alone
  }
  return new ApiRefusal(status, code, detail, parseRetryAfter(retryAfter));
}

export function unreachable(reason: string): ApiRefusal {
  return new ApiRefusal(UNREACHABLE, 'network_error', reason);
}

/** `Retry-After` in seconds; the api sends seconds, but an HTTP date is valid too. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

const EXPLANATIONS: Record<number, string> = {
  400: 'The api rejected the request as malformed',
  401: 'The api requires a valid access token: paste one into the Token field',
  403: 'The access token is not allowed to do this',
  404: 'Not found (or expired)',
  413: 'The file is larger than the api accepts',
  415: 'Not a JPEG, PNG or WebP image',
  422: 'The image header cannot be read, or the image has too many pixels',
  429: 'The api is busy: its queue is full',
  503: 'The api cannot reach its storage or Redis right now',
};

/** One sentence a person can act on: what happened, the api's own words, and when to retry. */
export function describeRefusal(status: number, code: string, detail: string, retryAfterSeconds?: number): string {
  if (status === UNREACHABLE) return `The api cannot be reached${detail ? ` (${detail})` : ''}.`;
  const explanation = EXPLANATIONS[status] ?? (status >= 500 ? 'The api failed' : 'The api refused the request');
  const words = detail ? `: ${detail.replace(/\.$/, '')}` : '';
  const retry = retryAfterSeconds !== undefined ? ` Retry in ${retryAfterSeconds} s.` : '';
  return `${explanation} (${status} ${code})${words}.${retry}`;
}

/**
 * Whether the file itself was refused. Sending it again cannot help; after any other refusal
 * (no token, queue full, api down) the same upload can succeed later.
 */
export function isFileProblem(refusal: ApiRefusal): boolean {
  return [400, 413, 415, 422].includes(refusal.status);
}

/** Anything a request threw, as a refusal the page can show. */
export function asRefusal(err: unknown): ApiRefusal {
  return err instanceof ApiRefusal ? err : unreachable(err instanceof Error ? err.message : String(err));
}
