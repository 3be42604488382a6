import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { UploadAccepted, storageKeys } from '@imgpipe/contracts';
import { Stack, freePort, photos, sleep, terminate, waitUntil } from './support/stack';

describe('backpressure', () => {
  let stack: Stack;
  beforeAll(async () => {
    // No worker: jobs stay waiting, so the queue fills.
    stack = await Stack.start({ storage: 'local', redisDb: 4, workers: 0, env: { MAX_QUEUE_SIZE: '2' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 429 with Retry-After when the queue is full, and stores nothing', async () => {
    const accepted: UploadAccepted[] = [];
    for (const photo of photos().slice(0, 2)) {
      const res = await stack.upload(photo);
      expect(res.status).toBe(202);
      accepted.push((await res.json()) as UploadAccepted);
    }
    const refused = await stack.upload(photos()[2]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ statusCode: 429, code: 'queue_full' });

    const queue = await stack.getJson('/queue-status');
    expect(queue).toMatchObject({ waiting: 2, workers: 0, max_queue_size: 2 });
    expect(queue.oldest_waiting_age_seconds).toBeGreaterThanOrEqual(0);
    const dataDir = stack.storageOptions.driver === 'local' ? stack.storageOptions.dataDir : '';
    expect(readdirSync(`${dataDir}/original`).sort()).toEqual(accepted.map((a) => `${a.job_id}.jpg`).sort());
    expect(await stack.getJson('/stats')).toMatchObject({ submitted: 2 });

    // A worker joining drains the queue, and uploads are accepted again.
    await stack.startWorker();
    for (const job of accepted) expect((await stack.waitFor(job.job_id)).status).toBe('completed');
    expect((await stack.upload(photos()[2])).status).toBe(202);
  });
});

describe('graceful shutdown', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ storage: 'local', redisDb: 5, workers: 1 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('finishes the jobs in flight on SIGTERM and exits 0; the rest wait for the next worker', async () => {
    const jobs: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await stack.upload(photos()[i % 6]);
      jobs.push(((await res.json()) as UploadAccepted).job_id);
    }
    const worker = stack.workers[0];
    await waitUntil(async () => (await stack.getJson('/queue-status')).active > 0);
    expect(await terminate(worker)).toBe(0);
    expect(worker.output.join('\n')).toMatch(/drained/);

    // Nothing was left half-done: every job is either completed or still queued.
    const statuses = await Promise.all(jobs.map(async (id) => (await stack.getJson(`/status/${id}`)).status));
    expect(statuses.every((s) => s === 'completed' || s === 'submitted')).toBe(true);
    expect((await stack.getJson('/queue-status')).active).toBe(0);

    await stack.startWorker();
    for (const id of jobs) expect((await stack.waitFor(id)).status).toBe('completed');
    for (const id of jobs) expect(await stack.storage.exists(storageKeys.processed(id, 'jpeg'))).toBe(true);
  });
});

describe('privacy stage unavailable', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ storage: 'local', redisDb: 7, workers: 0 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a worker with a tampered model refuses to start; the job waits and is blurred by a sound worker', async () => {
    const { job_id } = (await (await stack.upload(photos()[0])).json()) as UploadAccepted;
    const tampered = mkdtempSync(join(tmpdir(), 'models-'));
    const modelsDir = process.env['E2E_MODELS_DIR'] as string;
    for (const file of readdirSync(modelsDir).filter((f) => f.endsWith('.onnx'))) {
      copyFileSync(join(modelsDir, file), join(tampered, file));
    }
    appendFileSync(join(tampered, 'blazeface-back-256.onnx'), Buffer.from([0]));

    await expect(stack.startWorker({ MODELS_DIR: tampered })).rejects.toThrow(/blazeface-back-256.*sha256/s);
    expect((await stack.getJson(`/status/${job_id}`)).status).toBe('submitted');
    expect(await stack.storage.exists(storageKeys.processed(job_id, 'jpeg'))).toBe(false);

    await stack.startWorker();
    const done = await stack.waitFor(job_id);
    expect(done.status).toBe('completed');
    expect(done.results?.blur_metadata.regions.length).toBeGreaterThan(0);
  });
});

describe('Redis down', () => {
  let stack: Stack;
  let redis: ChildProcess;
  let redisPort: number;

  const startOwnRedis = async () => {
    redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await sleep(300);
  };

  beforeAll(async () => {
    redisPort = await freePort();
    await startOwnRedis();
    stack = await Stack.start({ storage: 'local', redisDb: 0, redisUrl: `redis://127.0.0.1:${redisPort}`, workers: 1 });
  });
  afterAll(async () => {
    await stack?.stop();
    redis?.kill('SIGKILL');
  });

  it('answers /health 503 and uploads 503 quickly, then recovers on its own', async () => {
    const before = await stack.upload(photos()[0]);
    const { job_id } = (await before.json()) as UploadAccepted;
    expect((await stack.waitFor(job_id)).status).toBe('completed');

    redis.kill('SIGKILL');
    await sleep(300);

    let started = Date.now();
    const health = await stack.get('/health');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      status: 'unavailable',
      dependencies: { redis: 'down', storage: 'up' },
    });
    // Out of rotation, not restarted: liveness checks no dependency, on the api and the worker.
    expect(await (await stack.get('/health/live')).json()).toEqual({ status: 'ok' });
    const workerLive = await fetch(`http://127.0.0.1:${stack.workers[0].port}/health/live`);
    expect({ status: workerLive.status, body: await workerLive.json() }).toEqual({
      status: 200,
      body: { status: 'ok' },
    });

    started = Date.now();
    const upload = await stack.upload(photos()[1]);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(upload.status).toBe(503);
    expect(upload.headers.get('retry-after')).toBeTruthy();
    expect(await upload.json()).toMatchObject({ statusCode: 503, code: 'dependency_unavailable' });

    started = Date.now();
    expect((await stack.get(`/status/${job_id}`)).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3000);

    await startOwnRedis();
    await waitUntil(async () => (await stack.get('/health')).status === 200, 20_000);
    const after = await stack.upload(photos()[1]);
    expect(after.status).toBe(202);
    const next = (await after.json()) as UploadAccepted;
    expect((await stack.waitFor(next.job_id)).status).toBe('completed');
    expect(stack.workers[0].proc.exitCode).toBeNull();
  });
});

describe('storage hung', () => {
  let stack: Stack;
  // Accepts connections and never answers: a store that hangs rather than refuses.
  const hung = createServer(() => undefined);
  beforeAll(async () => {
    const port = await freePort();
    await new Promise<void>((listening) => hung.listen(port, '127.0.0.1', listening));
    stack = await Stack.start({
      storage: 's3',
      redisDb: 5,
      workers: 0,
      s3: { bucket: 'resilience-hung', endpoint: `http://127.0.0.1:${port}` },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    hung.closeAllConnections();
    hung.close();
  });

  it('answers /health 503 naming the store, not Redis, within the check timeout', async () => {
    const started = Date.now();
    const health = await stack.get('/health');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({
      status: 'unavailable',
      dependencies: { redis: 'up', storage: 'down' },
      errors: { storage: 'storage check timed out after 2000 ms' },
    });
  });
});
