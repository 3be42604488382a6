import type { paths } from './generated/openapi';
import type {
  BatchAccepted,
  BatchStatusView,
  BlurPolicyOverride,
  HealthView,
  JobMetadata,
  JobStatus,
  JobStatusView,
  Method,
  Operation,
  PathParams,
  QueueStatusView,
  ResultKind,
  StatsView,
  SuccessJson,
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

interface RequestInit {
  body?: FormData;
  headers?: Record<string, string>;
  /** Non-2xx statuses whose response the caller reads itself. */
  accept?: readonly number[];
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Typed client of the image pipeline's REST API. Every method's argument and result types come
 * from the api's OpenAPI document; every refusal is a {@link PipelineApiError}.
 */
export class PipelineClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: PipelineClientOptions) {
    if (!/^https?:\/\/\S+$/.test(options.baseUrl ?? '')) {
      throw new TypeError(`baseUrl must be an http(s) URL (got "${options.baseUrl}")`);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /** Uploads one image (202): the job is queued; follow it with {@link waitFor} or {@link status}. */
  async upload(file: UploadSource, options: UploadOptions = {}): Promise<UploadAccepted> {
    const part = await toUploadPart(file, options.filename);
    const form = new FormData();
    form.append('file', part.blob, part.filename);
    if (options.policy) form.append('policy', JSON.stringify(options.policy));
    return this.json('post', '/upload', {}, { body: form, headers: idempotency(options) });
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
    return this.json('post', '/batch-upload', {}, { body: form, headers: idempotency(options) });
  }

  status(jobId: string): Promise<JobStatusView> {
    return this.json('get', '/status/{job_id}', { job_id: jobId });
  }

  batch(batchId: string): Promise<BatchStatusView> {
    return this.json('get', '/batch/{batch_id}', { batch_id: batchId });
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
    const res = await this.request('get', '/results/{job_id}/{kind}', { job_id: jobId, kind: 'metadata' });
    return (await res.json()) as JobMetadata;
  }

  stats(): Promise<StatsView> {
    return this.json('get', '/stats', {});
  }

  queueStatus(): Promise<QueueStatusView> {
    return this.json('get', '/queue-status', {});
  }

  /** Whether Redis and storage answer; a 503 is returned as `status: 'unavailable'`, not thrown. */
  async health(): Promise<HealthView> {
    const res = await this.request('get', '/health', {}, { accept: [503] });
    const body = (await res.json().catch(() => undefined)) as HealthView | undefined;
    if (res.status === 503 && typeof body?.dependencies !== 'object') {
      throw new PipelineApiError(503, 'service_unavailable', 'health check answered 503 without a health report');
    }
    return body as HealthView;
  }

  private async download(jobId: string, kind: Exclude<ResultKind, 'metadata'>): Promise<Buffer> {
    const res = await this.request('get', '/results/{job_id}/{kind}', { job_id: jobId, kind });
    return Buffer.from(await res.arrayBuffer());
  }

  private async json<P extends keyof paths, M extends Method>(
    method: M,
    path: P,
    params: PathParams<Operation<P, M>>,
    init: RequestInit = {},
  ): Promise<SuccessJson<Operation<P, M>>> {
    const res = await this.request(method, path, params, {
      ...init,
      headers: { accept: 'application/json', ...init.headers },
    });
    return (await res.json()) as SuccessJson<Operation<P, M>>;
  }

  /** One HTTP exchange on a documented route; any status but 2xx (and `accept`) becomes a PipelineApiError. */
  private async request<P extends keyof paths, M extends Method>(
    method: M,
    path: P,
    params: PathParams<Operation<P, M>>,
    init: RequestInit = {},
  ): Promise<Response> {
    const url =
      this.baseUrl +
      String(path).replace(/\{(\w+)\}/g, (_, name: string) =>
        encodeURIComponent(String((params as Record<string, unknown>)[name])),
      );
    const headers: Record<string, string> = { ...this.options.headers, ...init.headers };
    const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    if (token) headers['authorization'] = `Bearer ${token}`;
    const res = await this.fetchImpl(url, {
      method: method.toUpperCase(),
      headers,
      body: init.body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    if (res.ok || init.accept?.includes(res.status)) return res;
    throw await PipelineApiError.fromResponse(res);
  }
}

function idempotency(options: UploadOptions): Record<string, string> {
  return options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
}

function isBatchEntry(entry: BatchFile): entry is { file: UploadSource; filename?: string } {
  return typeof entry === 'object' && entry !== null && 'file' in entry && !(entry instanceof Uint8Array);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
