import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import Redis from 'ioredis';
import { JobStatus, JobStatusView } from '@imgpipe/contracts';
import { StorageDriver, StorageOptions, createStorageDriver } from '@imgpipe/storage';

const ROOT = resolve(__dirname, '../../../..');
export const API_MAIN = join(ROOT, 'dist/apps/api/main.js');
export const WORKER_MAIN = join(ROOT, 'dist/apps/worker/main.js');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const photos = (): string[] => (process.env['E2E_PHOTOS'] ?? '').split(',').filter(Boolean);

export interface StackOptions {
  storage: 'local' | 's3';
  /** Redis database of this suite, so suites never share jobs. */
  redisDb: number;
  workers?: number;
  /**
   * Overrides the private Redis (e.g. a Redis the suite kills); null: `env` says where Redis is
   * (REDIS_SENTINELS).
   */
  redisUrl?: string | null;
  /** Overrides the shared s3rver (e.g. one the suite stops), and its S3RVER credentials. */
  s3?: { bucket: string; endpoint: string; accessKeyId?: string; secretAccessKey?: string };
  env?: Record<string, string>;
}

export interface AppProcess {
  name: string;
  proc: ChildProcess;
  port: number;
  output: string[];
  exited: Promise<number | null>;
}

/** The built api and workers as real processes against the suite's own Redis database and storage. */
export class Stack {
  readonly workers: AppProcess[] = [];
  /** Sent with every request of the helpers below (e.g. an Authorization header); per-call headers win. */
  defaultHeaders: Record<string, string> = {};
  private constructor(
    readonly api: AppProcess,
    readonly env: Record<string, string>,
    readonly storage: StorageDriver,
    readonly storageOptions: StorageOptions,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.api.port}`;
  }

  static async start(options: StackOptions): Promise<Stack> {
    const redisUrl =
      options.redisUrl === null
        ? null
        : (options.redisUrl ?? `redis://127.0.0.1:${process.env['E2E_REDIS_PORT']}/${options.redisDb}`);
    if (redisUrl && !options.redisUrl) await flushRedis(redisUrl);
    const storageOptions = storageFor(options.storage, options.s3);
    const env: Record<string, string> = {
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      LOG_LEVEL: 'info',
      JOB_BACKOFF_MS: '200',
      MODELS_DIR: process.env['E2E_MODELS_DIR'] as string,
      ...storageEnv(storageOptions),
      ...options.env,
    };
    const api = await launch('api', API_MAIN, 'PORT', env);
    const stack = new Stack(api, env, createStorageDriver(storageOptions), storageOptions);
    for (let i = 0; i < (options.workers ?? 1); i++) await stack.startWorker();
    return stack;
  }

  async startWorker(extraEnv: Record<string, string> = {}): Promise<AppProcess> {
    const worker = await launch(`worker-${this.workers.length}`, WORKER_MAIN, 'WORKER_PORT', {
      ...this.env,
      ...extraEnv,
    });
    this.workers.push(worker);
    return worker;
  }

  async upload(path: string, filename = basename(path), headers: Record<string, string> = {}): Promise<Response> {
    return this.uploadBytes(readFileSync(path), filename, 'file', headers);
  }

  async uploadBytes(
    bytes: Buffer,
    filename: string,
    field = 'file',
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const form = new FormData();
    form.append(field, new Blob([new Uint8Array(bytes)]), filename);
    return fetch(`${this.baseUrl}/upload`, {
      method: 'POST',
      body: form,
      headers: { ...this.defaultHeaders, ...headers },
    });
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, { headers: { ...this.defaultHeaders, ...headers } });
  }

  /** GET and parse; tests assert on the shape, so the body is loosely typed. */
  async getJson<T = Json>(path: string): Promise<T> {
    return (await this.get(path)).json() as Promise<T>;
  }

  /** Polls `/status/{id}` until the job reaches one of `statuses`. */
  async waitFor(
    jobId: string,
    statuses: JobStatus[] = ['completed', 'failed'],
    timeoutMs = 60_000,
  ): Promise<JobStatusView> {
    const deadline = Date.now() + timeoutMs;
    let last: JobStatusView | undefined;
    while (Date.now() < deadline) {
      const res = await this.get(`/status/${jobId}`);
      if (res.status === 200) {
        last = (await res.json()) as JobStatusView;
        if (statuses.includes(last.status)) return last;
      }
      await sleep(100);
    }
    throw new Error(
      `job ${jobId} did not reach ${statuses.join('|')} within ${timeoutMs} ms (last: ${JSON.stringify(last)})`,
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.workers, this.api].map((app) => terminate(app)));
    await this.storage.close?.();
  }
}

/** Sends `signal` and resolves with the exit code (null when killed by a signal). */
export async function terminate(
  app: AppProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 30_000,
): Promise<number | null> {
  if (app.proc.exitCode !== null || app.proc.signalCode !== null) return app.exited;
  app.proc.kill(signal);
  const timer = setTimeout(() => app.proc.kill('SIGKILL'), timeoutMs);
  try {
    return await app.exited;
  } finally {
    clearTimeout(timer);
  }
}

async function launch(name: string, main: string, portVar: string, env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: { ...process.env, ...env, [portVar]: String(port), HOST: '127.0.0.1', WORKER_ID: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean));
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  const app: AppProcess = { name, proc, port, output, exited };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${name} exited during start-up:\n${output.join('\n')}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200 || res.status === 503) return app;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  proc.kill('SIGKILL');
  throw new Error(`${name} did not answer /health within 30 s:\n${output.join('\n')}`);
}

function storageFor(kind: 'local' | 's3', s3?: StackOptions['s3']): StorageOptions {
  if (kind === 'local') return { driver: 'local', dataDir: mkdtempSync(join(tmpdir(), 'pipeline-e2e-data-')) };
  return {
    driver: 's3',
    bucket: s3?.bucket ?? (process.env['E2E_S3_BUCKET'] as string),
    region: 'us-east-1',
    endpoint: s3?.endpoint ?? process.env['E2E_S3_ENDPOINT'],
    forcePathStyle: true,
    accessKeyId: s3?.accessKeyId ?? 'S3RVER',
    secretAccessKey: s3?.secretAccessKey ?? 'S3RVER',
  };
}

function storageEnv(options: StorageOptions): Record<string, string> {
  if (options.driver === 'local') return { DATA_DIR: options.dataDir };
  return {
    S3_BUCKET: options.bucket,
    S3_ENDPOINT: options.endpoint as string,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: options.accessKeyId as string,
    AWS_SECRET_ACCESS_KEY: options.secretAccessKey as string,
    AWS_REGION: options.region,
  };
}

async function flushRedis(url: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => done(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A process's resident memory now (VmRSS) or at its peak so far (VmHWM), in bytes, from /proc. */
export function memoryBytes(app: AppProcess, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${app.proc.pid}/status`, 'utf8');
  const kib = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1];
  if (kib === undefined) throw new Error(`no ${field} in /proc/${app.proc.pid}/status`);
  return Number(kib) * 1024;
}

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`${what} not met within ${timeoutMs} ms`);
}
