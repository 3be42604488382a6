import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/openapi';
import type {
  BatchAccepted,
  BatchStatusView,
  BlurPolicyOverride,
  HealthView,
  JobMetadata,
  JobStatus,
  JobStatusView,
  QueueStatusView,
  ResultKind,
  StatsView,
  UploadAccepted,
} from './api-types';
import { JobWaitTimeoutError, PipelineApiError } from './errors';
import { UploadSource, toUploadPart } from './upload-source';

export interface PipelineClientOptions {
  /** Where the api listens, e.g. `http://localhost:8000` (a path prefix is kept). */
  baseUrl: string;
  /** Bearer token, or a function returning a fresh one before each request. */
  token?: string | (() => string | Promise<string>);
  /** Sent with every request (e.g. `X-Request-Id`). */
  headers?: Record<string, string>;
  /** Abort a request that has not answered in this many milliseconds (default 60 000). */
  timeoutMs?: number;
  /** A fetch implementation other than the global one (a proxy agent, a test double). */
  fetch?: typeof fetch;
}

export interface UploadOptions {
  /** Name the api records for the image; defaults to the file's base name. */
  filename?: string;
  /** Overrides of the default blur policy for this upload (or batch). */
  policy?: BlurPolicyOverride;
  /** Sent as `Idempotency-Key`: a retried request with the same key creates no second job. */
  idempotencyKey?: string;
}

export type BatchFile = UploadSource | { file: UploadSource; filename?: string };

export interface WaitOptions {
  /** Give up after this long (default 120 000 ms) with a {@link JobWaitTimeoutError}. */
  timeoutMs?: number;
  /** Time between polls (default 500 ms); a 429 or 503 from the api waits its Retry-After instead. */
  intervalMs?: number;
  /** Statuses that end the wait (default `completed` and `failed`). */
  until?: readonly JobStatus[];
}

/** What openapi-fetch answers: the parsed body of a 2xx (`data`) or of any other status (`error`). */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Typed client of the image pipeline's REST API, on openapi-fetch over the paths openapi-typescript
 * generates from the api's OpenAPI document: every route, parameter and result type comes from it.
 * Every refusal is a {@link PipelineApiError}.
 */
export class PipelineClient {
  private readonly api: Client<paths>;

  constructor(private readonly options: PipelineClientOptions) {
    if (!/^https?:\/\/\S+$/.test(options.baseUrl ?? '')) {
      throw new TypeError(`baseUrl must be an http(s) URL (got "${options.baseUrl}")`);
    }
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.api = createClient<paths>({
      baseUrl: options.baseUrl,
      headers: options.headers,
      fetch: (request) => fetchImpl(request),
    });
    // A token function is asked before each request, so a refreshed token is used at once.
    this.api.use({
      onRequest: async ({ request }) => {
        const token = typeof options.token === 'function' ? await options.token() : options.token;
        if (token) request.headers.set('authorization', `Bearer ${token}`);
        return request;
      },
    });
  }

  /** Uploads one image (202): the job is queued; follow it with {@link waitFor} or {@link status}. */
  async upload(file: UploadSource, options: UploadOptions = {}): Promise<UploadAccepted> {
    const part = await toUploadPart(file, options.filename);
    const form = new FormData();
    form.append('file', part.blob, part.filename);
    if (options.policy) form.append('policy', JSON.stringify(options.policy));
    return this.ok(
      await this.api.POST('/upload', { body: multipart(form), headers: idempotency(options), ...this.init() }),
    );
  }

  /** Uploads many images in one request; files the api refuses are listed in `rejected`. */
  async batchUpload(
    files: readonly BatchFile[],
    options: Omit<UploadOptions, 'filename'> = {},
  ): Promise<BatchAccepted> {
    const form = new FormData();
    for (const entry of files) {
      const { file, filename } = isBatchEntry(entry) ? entry : { file: entry, filename: undefined };
      const part = await toUploadPart(file, filename);
      form.append('files', part.blob, part.filename);
    }
    if (options.policy) form.append('policy', JSON.stringify(options.policy));
    return this.ok(
      await this.api.POST('/batch-upload', { body: multipart(form), headers: idempotency(options), ...this.init() }),
    );
  }

  async status(jobId: string): Promise<JobStatusView> {
    return this.ok(await this.api.GET('/status/{job_id}', { params: { path: { job_id: jobId } }, ...this.init() }));
  }

  async batch(batchId: string): Promise<BatchStatusView> {
    return this.ok(
      await this.api.GET('/batch/{batch_id}', { params: { path: { batch_id: batchId } }, ...this.init() }),
    );
  }

  /**
   * Polls the job's status until it is `completed` or `failed` (or one of `until`) and returns
   * that status; a failed job is returned, not thrown, so its `error` can be read.
   */
  async waitFor(jobId: string, options: WaitOptions = {}): Promise<JobStatusView> {
    const { timeoutMs = 120_000, intervalMs = 500, until = ['completed', 'failed'] } = options;
    const deadline = Date.now() + timeoutMs;
    let last: JobStatusView | undefined;
    for (;;) {
      let delayMs = intervalMs;
      try {
        last = await this.status(jobId);
        if (until.includes(last.status)) return last;
      } catch (err) {
        // Busy or briefly unavailable: the api says when to come back.
        if (!(err instanceof PipelineApiError) || (err.status !== 429 && err.status !== 503)) throw err;
        delayMs = Math.max(intervalMs, (err.retryAfterS ?? 0) * 1000);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new JobWaitTimeoutError(jobId, timeoutMs, last);
      await sleep(Math.min(delayMs, left));
    }
  }

  /** The processed image (faces and plates blurred), in the format of the original. */
  downloadProcessed(jobId: string): Promise<Buffer> {
    return this.download(jobId, 'processed');
  }

  /** The original as uploaded. */
  downloadOriginal(jobId: string): Promise<Buffer> {
    return this.download(jobId, 'original');
  }

  /** The job's metadata document: regions blurred, objects detected, models, timings. */
  async downloadMetadata(jobId: string): Promise<JobMetadata> {
    const path = { job_id: jobId, kind: 'metadata' as const };
    return this.ok(await this.api.GET('/results/{job_id}/{kind}', { params: { path }, ...this.init() })) as JobMetadata;
  }

  /**
   * Erases the job: its original, processed image, metadata and records (scope `images:delete`).
   * A job still queued is cancelled; one being processed writes nothing. Afterwards `status` is a 404.
   */
  async erase(jobId: string): Promise<void> {
    this.ok(await this.api.DELETE('/jobs/{job_id}', { params: { path: { job_id: jobId } }, ...this.init() }));
  }

  /** Erases every job of the batch, as `erase` does, then the batch. */
  async eraseBatch(batchId: string): Promise<void> {
    this.ok(await this.api.DELETE('/batch/{batch_id}', { params: { path: { batch_id: batchId } }, ...this.init() }));
  }

  async stats(): Promise<StatsView> {
    return this.ok(await this.api.GET('/stats', this.init()));
  }

  async queueStatus(): Promise<QueueStatusView> {
    return this.ok(await this.api.GET('/queue-status', this.init()));
  }

  /** Whether Redis and storage answer; a 503 is returned as `status: 'unavailable'` (or `'degraded'` during a Redis failover), not thrown. */
  async health(): Promise<HealthView> {
    const { data, error, response } = await this.api.GET('/health', this.init());
    if (response.ok) return data as HealthView;
    const report = error as HealthView | undefined;
    if (response.status !== 503) throw PipelineApiError.fromBody(response, error);
    if (typeof report?.dependencies !== 'object') {
      throw new PipelineApiError(503, 'service_unavailable', 'health check answered 503 without a health report');
    }
    return report;
  }

  private async download(jobId: string, kind: Exclude<ResultKind, 'metadata'>): Promise<Buffer> {
    const answer = await this.api.GET('/results/{job_id}/{kind}', {
      params: { path: { job_id: jobId, kind } },
      parseAs: 'arrayBuffer',
      ...this.init(),
    });
    return Buffer.from(this.ok(answer));
  }

  /** The 2xx body, or the refusal as a PipelineApiError. */
  private ok<T>({ data, error, response }: Answer<T>): T {
    if (response.ok) return data as T;
    throw PipelineApiError.fromBody(response, error);
  }

  private init() {
    return { signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) };
  }
}

/**
 * The document describes the multipart body's fields; a FormData carries them, and openapi-fetch
 * sends a FormData as it is, letting fetch set the boundary.
 */
function multipart<T>(form: FormData): NonNullable<T> {
  return form as unknown as NonNullable<T>;
}

function idempotency(options: UploadOptions): Record<string, string> {
  return options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
}

function isBatchEntry(entry: BatchFile): entry is { file: UploadSource; filename?: string } {
  return typeof entry === 'object' && entry !== null && 'file' in entry && !(entry instanceof Uint8Array);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
