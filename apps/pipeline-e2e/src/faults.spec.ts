import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobMetadata, JobStatusView, UploadAccepted, storageKeys } from '@imgpipe/contracts';
import { Stack, freePort, photos, sleep, waitUntil } from './support/stack';

// Short locks, so a job whose worker died is taken over in seconds rather than a minute.
const FAST_TAKEOVER = { JOB_LOCK_MS: '2000' };

async function uploadAll(stack: Stack, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await stack.upload(photos()[i % 6]);
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as UploadAccepted).job_id);
  }
  return ids;
}

function localFiles(stack: Stack, dir: string): string[] {
  if (stack.storageOptions.driver !== 'local') throw new Error('local storage expected');
  return readdirSync(join(stack.storageOptions.dataDir, dir)).filter((name) => !name.startsWith('.'));
}

describe('a worker killed mid-job', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ storage: 'local', redisDb: 8, workers: 1, env: FAST_TAKEOVER });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('has its jobs taken over and completed once each by another worker', async () => {
    const jobs = await uploadAll(stack, 6);
    const victim = stack.workers[0];
    let inFlight: string[] = [];
    await waitUntil(
      async () => {
        const statuses = await Promise.all(jobs.map((id) => stack.getJson<JobStatusView>(`/status/${id}`)));
        inFlight = statuses.filter((s) => s.status === 'processing').map((s) => s.job_id);
        return inFlight.length > 0;
      },
      30_000,
      'a job in flight',
    );
    victim.proc.kill('SIGKILL');
    expect(await victim.exited).toBeNull();

    const rescuer = await stack.startWorker(FAST_TAKEOVER);
    for (const id of jobs) expect((await stack.waitFor(id)).status).toBe('completed');

    // One processed image and one metadata document per job, whatever ran twice.
    expect(localFiles(stack, 'processed').sort()).toEqual(jobs.map((id) => `${id}.jpg`).sort());
    expect(localFiles(stack, 'metadata')).toHaveLength(jobs.length);
    expect(await stack.getJson('/stats')).toMatchObject({ submitted: 6, completed: 6, failed: 0 });
    // The jobs that were in flight were finished by the rescuer, recovered as stalled.
    for (const id of inFlight) {
      const metadata = JSON.parse((await stack.storage.getBuffer(storageKeys.metadata(id))).toString()) as JobMetadata;
      expect(metadata.pipeline.worker_id).toBe(rescuer.name);
    }
    const rescued = rescuer.output.filter((line) => line.includes('job lock lost') && line.includes('"stalled"'));
    expect(rescued.length).toBeGreaterThanOrEqual(inFlight.length);
  });
});

describe('Redis restarted under load', () => {
  let stack: Stack;
  let redis: ChildProcess;
  let redisPort: number;
  const redisDir = mkdtempSync(join(tmpdir(), 'faults-redis-'));

  // Append-only file fsynced on every write: what a production Redis for a job queue runs with.
  const startOwnRedis = async () => {
    redis = spawn(
      'redis-server',
      [
        '--port',
        String(redisPort),
        '--bind',
        '127.0.0.1',
        '--dir',
        redisDir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
      ],
      { stdio: 'ignore' },
    );
    await sleep(300);
  };

  beforeAll(async () => {
    redisPort = await freePort();
    await startOwnRedis();
    stack = await Stack.start({
      storage: 'local',
      redisDb: 0,
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      workers: 1,
      env: FAST_TAKEOVER,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    redis?.kill('SIGKILL');
  });

  it('completes every job accepted before a crash; uploads during the outage get a quick 503', async () => {
    const jobs = await uploadAll(stack, 12);
    await waitUntil(async () => (await stack.getJson('/queue-status')).active > 0, 30_000, 'a job in flight');
    redis.kill('SIGKILL');
    await sleep(200);

    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await stack.upload(photos()[i]);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.status).toBe(503);
    }

    await startOwnRedis();
    await waitUntil(async () => (await stack.get('/health')).status === 200, 20_000, 'api healthy again');
    for (const id of jobs) {
      const done = await stack.waitFor(id, ['completed', 'failed'], 90_000);
      expect({ id, status: done.status }).toEqual({ id, status: 'completed' });
    }
    const after = await stack.upload(photos()[0]);
    expect(after.status).toBe(202);
    expect((await stack.waitFor(((await after.json()) as UploadAccepted).job_id)).status).toBe('completed');
    expect(stack.workers[0].proc.exitCode).toBeNull();
    expect(stack.api.proc.exitCode).toBeNull();
  });
});

describe('storage unavailable', () => {
  const bucket = 'faults-storage';
  const dir = mkdtempSync(join(tmpdir(), 'faults-s3rver-'));
  let port: number;
  let s3rver: ChildProcess | undefined;
  let stack: Stack;

  const startS3rver = async () => {
    s3rver = spawn(
      process.execPath,
      [
        '--openssl-legacy-provider',
        require.resolve('s3rver/bin/s3rver.js'),
        '-d',
        dir,
        '-a',
        '127.0.0.1',
        '-p',
        String(port),
        '--silent',
        '--configure-bucket',
        bucket,
      ],
      { stdio: 'ignore' },
    );
    await waitUntil(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/${bucket}`, { method: 'HEAD' }).catch(() => null))?.status === 200,
      15_000,
      's3rver up',
    );
  };
  const stopS3rver = async () => {
    const proc = s3rver as ChildProcess;
    const exited = new Promise((done) => proc.once('exit', done));
    proc.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    port = await freePort();
    await startS3rver();
    stack = await Stack.start({
      storage: 's3',
      redisDb: 9,
      workers: 0,
      s3: { bucket, endpoint: `http://127.0.0.1:${port}` },
      env: { JOB_ATTEMPTS: '3', JOB_BACKOFF_MS: '300' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    s3rver?.kill('SIGKILL');
  });

  it('retries a job with backoff, then fails it with the reason, and never deletes the original', async () => {
    const res = await stack.upload(photos()[0]);
    expect(res.status).toBe(202);
    const { job_id } = (await res.json()) as UploadAccepted;
    await stopS3rver();

    const started = Date.now();
    const refused = await stack.upload(photos()[1]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'dependency_unavailable', details: { dependency: 'storage' } });

    const worker = await stack.startWorker();
    const done = await stack.waitFor(job_id, ['failed'], 60_000);
    expect(done.attempts).toBe(3);
    expect(done.error).toMatch(/S3 bucket "faults-storage" did not answer/);
    // Two retries with exponential backoff (300 ms, then 600 ms) lie between the three attempts.
    const attempts = worker.output.filter((line) => line.includes(job_id) && line.includes('job started'));
    expect(attempts).toHaveLength(3);
    expect(worker.proc.exitCode).toBeNull();

    await startS3rver();
    expect(await stack.storage.exists(storageKeys.original(job_id, 'jpeg'))).toBe(true);
    expect(await stack.storage.exists(storageKeys.processed(job_id, 'jpeg'))).toBe(false);
  });
});
