import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Redis from 'ioredis';
import { SignJWT } from 'jose';
import { BatchAccepted, IMAGE_FORMATS, UploadAccepted, storageKeys } from '@imgpipe/contracts';
import { PipelineConfig } from '@imgpipe/config';
import { OriginalsDueStore } from '@imgpipe/jobs';
import { AppProcess, Json, Stack, photos, sleep, waitUntil } from './support/stack';

const SECRET = 'data-protection-secret-data-protection-0123456789';

async function bearer(scope: string, sub = 'owner'): Promise<Record<string, string>> {
  const token = await new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
    .sign(new TextEncoder().encode(SECRET));
  return { authorization: `Bearer ${token}` };
}

const photo = (name: string) => photos().find((p) => basename(p) === name) as string;

/** Every object a job can have in storage, whatever its format. */
async function storedObjects(stack: Stack, jobId: string): Promise<string[]> {
  const keys = [
    ...IMAGE_FORMATS.flatMap((f) => [storageKeys.original(jobId, f), storageKeys.processed(jobId, f)]),
    storageKeys.metadata(jobId),
  ];
  const present = await Promise.all(keys.map((key) => stack.storage.exists(key)));
  return keys.filter((_, i) => present[i]);
}

/** Redis keys that name the job: its record and Bull's job hash. */
async function redisKeysOf(redis: Redis, jobId: string): Promise<string[]> {
  const [record, bull] = await Promise.all([redis.keys(`imgpipe:job:${jobId}`), redis.keys(`bull:*:${jobId}`)]);
  return [...record, ...bull];
}

/** The audit lines an app printed, parsed; optionally those of one job. */
function auditLines(app: AppProcess, jobId?: string): Json[] {
  return app.output
    .filter((line) => line.startsWith('{"audit":'))
    .map((line) => JSON.parse(line))
    .filter((line) => jobId === undefined || line.job_id === jobId);
}

function del(stack: Stack, path: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${stack.baseUrl}${path}`, { method: 'DELETE', headers });
}

describe('erasure, with auth on and local storage', () => {
  let stack: Stack;
  let redis: Redis;
  let owner: Record<string, string>;

  beforeAll(async () => {
    stack = await Stack.start({ storage: 'local', redisDb: 10, env: { AUTH_JWT_SECRET: SECRET } });
    redis = new Redis(stack.env['REDIS_URL']);
    owner = await bearer('images:write images:read images:delete');
    stack.defaultHeaders = owner;
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  async function upload(name = 'sample1.jpg'): Promise<string> {
    const res = await stack.upload(photo(name));
    expect(res.status).toBe(202);
    return ((await res.json()) as UploadAccepted).job_id;
  }

  it('erases a completed job: 204, then nothing of it in storage or Redis, and /status 404', async () => {
    const jobId = await upload();
    await stack.waitFor(jobId, ['completed']);
    expect(await storedObjects(stack, jobId)).toHaveLength(3);

    // Only the owner, and only with images:delete; another client's job does not exist for it.
    expect((await del(stack, `/jobs/${jobId}`, await bearer('images:write images:read'))).status).toBe(403);
    const stranger = await del(stack, `/jobs/${jobId}`, await bearer('images:delete', 'someone-else'));
    expect(stranger.status).toBe(404);
    expect(await storedObjects(stack, jobId)).toHaveLength(3);

    const res = await del(stack, `/jobs/${jobId}`, owner);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(await storedObjects(stack, jobId)).toEqual([]);
    expect(await redisKeysOf(redis, jobId)).toEqual([]);
    expect((await stack.get(`/status/${jobId}`)).status).toBe(404);
    expect((await stack.get(`/results/${jobId}/processed`)).status).toBe(404);
    expect((await del(stack, `/jobs/${jobId}`, owner)).status).toBe(404);

    // Audited by token subject; neither the token nor anything of the image is in a line.
    expect(auditLines(stack.api, jobId)).toEqual([
      { audit: 'upload', subject: 'owner', job_id: jobId, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) },
      { audit: 'erasure', subject: 'owner', job_id: jobId, time: expect.any(String) },
    ]);
    const token = owner['authorization'].slice('Bearer '.length);
    expect(stack.api.output.filter((line) => line.includes(token) || line.includes('sample1'))).toEqual([]);
  });

  it('forgets the response an Idempotency-Key recorded for an erased job', async () => {
    const key = { 'Idempotency-Key': `erase-${randomUUID()}` };
    const first = await stack.upload(photo('sample2.jpg'), 'sample2.jpg', key);
    expect(first.status).toBe(202);
    const jobId = ((await first.json()) as UploadAccepted).job_id;
    const replay = (await (await stack.upload(photo('sample2.jpg'), 'sample2.jpg', key)).json()) as UploadAccepted;
    expect(replay.job_id).toBe(jobId);
    await stack.waitFor(jobId, ['completed']);

    expect((await del(stack, `/jobs/${jobId}`, owner)).status).toBe(204);
    expect(await redis.keys(`imgpipe:idempotency-of:${jobId}`)).toEqual([]);
    // The same request again is processed afresh: nothing answers with the erased job any more.
    const again = await stack.upload(photo('sample2.jpg'), 'sample2.jpg', key);
    expect(again.status).toBe(202);
    const fresh = ((await again.json()) as UploadAccepted).job_id;
    expect(fresh).not.toBe(jobId);
    await stack.waitFor(fresh, ['completed']);
  });

  it('answers 400 with a message for an id that is not a UUID', async () => {
    for (const path of ['/jobs/not-a-uuid', '/batch/not-a-uuid']) {
      const res = await del(stack, path, owner);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ statusCode: 400, message: expect.stringMatching(/UUID/) });
    }
  });

  it('erases a job while its worker is mid-inference: the worker writes nothing after it', async () => {
    const jobId = await upload('sample6.jpg');
    await stack.waitFor(jobId, ['processing'], 30_000);
    const res = await del(stack, `/jobs/${jobId}`, owner);
    expect(res.status).toBe(204);
    // The worker held the job when it was erased, and found out when it went to write its results.
    const worker = stack.workers[0];
    await waitUntil(
      async () => worker.output.some((line) => line.includes(jobId) && line.includes('job erased')),
      30_000,
      'the worker discarding the erased job',
    );
    expect(worker.output.some((line) => line.includes(jobId) && line.includes('job completed'))).toBe(false);
    await sleep(300);
    expect(await storedObjects(stack, jobId)).toEqual([]);
    expect(await redisKeysOf(redis, jobId)).toEqual([]);
    expect((await stack.get(`/status/${jobId}`)).status).toBe(404);
  });

  it('erases a batch, cancelling the jobs still queued', async () => {
    const form = new FormData();
    for (const name of ['sample2.jpg', 'sample3.jpg', 'sample4.jpg']) {
      form.append('files', new Blob([new Uint8Array(readFileSync(photo(name)))]), name);
    }
    const res = await fetch(`${stack.baseUrl}/batch-upload`, { method: 'POST', body: form, headers: owner });
    expect(res.status).toBe(202);
    const batch = (await res.json()) as BatchAccepted;
    const jobIds = batch.jobs.map((j) => j.job_id);

    expect((await del(stack, `/batch/${batch.batch_id}`, await bearer('images:delete', 'someone-else'))).status).toBe(
      404,
    );
    expect((await del(stack, `/batch/${batch.batch_id}`, owner)).status).toBe(204);
    expect((await stack.get(`/batch/${batch.batch_id}`)).status).toBe(404);
    // Whatever a worker held at that moment, it finishes without writing: nothing comes back.
    await waitUntil(async () => (await redis.llen('bull:image-processing:active')) === 0, 30_000, 'no active job');
    await sleep(300);
    for (const jobId of jobIds) {
      expect(await storedObjects(stack, jobId)).toEqual([]);
      expect(await redisKeysOf(redis, jobId)).toEqual([]);
      expect((await stack.get(`/status/${jobId}`)).status).toBe(404);
    }
  });
});

describe('retention of originals', () => {
  describe('ORIGINALS_RETENTION_HOURS=0.001 (3.6 s) on local storage', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await Stack.start({
        storage: 'local',
        redisDb: 11,
        // Two attempts, 1.5 s apart: time enough to see a failed job between them.
        env: { ORIGINALS_RETENTION_HOURS: '0.001', JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '1500' },
      });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('serves the original until it is due, then deletes it on time and answers 410 with when', async () => {
      const res = await stack.upload(photo('sample1.jpg'));
      const { job_id: jobId } = (await res.json()) as UploadAccepted;
      const done = await stack.waitFor(jobId, ['completed']);
      const metadata = await stack.getJson(`/results/${jobId}/metadata`);
      const dueAt = Date.parse(metadata.original_delete_at);
      expect(dueAt - Date.parse(metadata.completed_at)).toBe(3600);
      await waitUntil(async () => (await stack.getJson(`/status/${jobId}`)).original_delete_at !== undefined, 5000);
      const scheduled = await stack.getJson(`/status/${jobId}`);
      expect(Math.abs(scheduled.original_delete_at - done.updated_at - 3.6)).toBeLessThan(0.5);
      expect((await stack.get(`/results/${jobId}/original`)).status).toBe(200);
      expect(auditLines(stack.api, jobId).map((l) => [l.audit, l.client])).toEqual([
        ['upload', '127.0.0.1'],
        ['original_read', '127.0.0.1'],
      ]);

      await waitUntil(async () => (await stack.getJson(`/status/${jobId}`)).original_deleted_at !== undefined, 15_000);
      const deleted = await stack.getJson(`/status/${jobId}`);
      // Due at 3.6 s, swept every 0.9 s: deleted within two sweeps of its time.
      expect(deleted.original_deleted_at * 1000 - dueAt).toBeGreaterThanOrEqual(-10);
      expect(deleted.original_deleted_at * 1000 - dueAt).toBeLessThan(3000);
      expect(await stack.storage.exists(storageKeys.original(jobId, 'jpeg'))).toBe(false);
      const gone = await stack.get(`/results/${jobId}/original`);
      expect(gone.status).toBe(410);
      expect(await gone.json()).toEqual({
        statusCode: 410,
        code: 'original_deleted',
        message: expect.stringContaining(new Date(deleted.original_deleted_at * 1000).toISOString().slice(0, 19)),
        details: { deleted_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
      });
      expect((await stack.get(`/results/${jobId}/processed`)).status).toBe(200);
      // A refused read of a deleted original is not a read.
      expect(auditLines(stack.api, jobId).map((l) => l.audit)).toEqual(['upload', 'original_read']);
      expect(auditLines(stack.workers[0], jobId)).toEqual([
        { audit: 'retention_delete', actor: 'retention', job_id: jobId, time: expect.any(String) },
      ]);
      const metrics = await (await stack.get('/metrics')).text();
      expect(metrics).toMatch(/pipeline_audit_events_total\{action="original_read",app="api"\} 1\b/);
      const workerPort = stack.workers[0].port;
      const workerMetrics = await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text();
      expect(workerMetrics).toMatch(/pipeline_audit_events_total\{action="retention_delete",app="worker"\} 1\b/);
    });

    it('keeps the original of a failing job while a retry may need it, then applies the same rule', async () => {
      if (stack.storageOptions.driver !== 'local') throw new Error('local storage expected');
      // A file where the processed/ folder should be: every attempt fails to store its result.
      const processed = join(stack.storageOptions.dataDir, 'processed');
      mkdirSync(processed, { recursive: true });
      renameSync(processed, `${processed}.kept`);
      writeFileSync(processed, 'not a folder');
      try {
        const { job_id: jobId } = (await (await stack.upload(photo('sample3.jpg'))).json()) as UploadAccepted;
        // Between the attempts: queued again, with the first attempt's error.
        let retrying: Json;
        await waitUntil(
          async () => {
            retrying = await stack.getJson(`/status/${jobId}`);
            return retrying.status === 'submitted' && retrying.attempts === 1;
          },
          30_000,
          'the job waiting for its retry',
        );
        expect(retrying).toMatchObject({ status: 'submitted', attempts: 1, error: expect.any(String) });
        expect(retrying.original_delete_at).toBeUndefined();
        expect(await stack.storage.exists(storageKeys.original(jobId, 'jpeg'))).toBe(true);

        const failed = await stack.waitFor(jobId, ['failed'], 30_000);
        expect(failed.attempts).toBe(2);
        await waitUntil(
          async () => (await stack.getJson(`/status/${jobId}`)).original_deleted_at !== undefined,
          15_000,
        );
        expect(await stack.storage.exists(storageKeys.original(jobId, 'jpeg'))).toBe(false);
      } finally {
        rmSync(processed);
        renameSync(`${processed}.kept`, processed);
      }
    });

    it('hands each due original to one sweeper only, however many sweep at the same time', async () => {
      const config = { keyPrefix: 'imgpipe' } as PipelineConfig;
      // One connection per sweeper, as each worker process has its own.
      const clients = [0, 1, 2].map(() => new Redis(stack.env['REDIS_URL']));
      const stores = clients.map((redis) => new OriginalsDueStore(redis, config));
      const due = Array.from({ length: 30 }, () => randomUUID());
      const later = Array.from({ length: 5 }, () => randomUUID());
      try {
        for (const jobId of due) await stores[0].schedule({ jobId, format: 'jpeg' }, Date.now() - 1000);
        for (const jobId of later) await stores[0].schedule({ jobId, format: 'png' }, Date.now() + 3_600_000);
        const claimed = (await Promise.all(stores.map((store) => store.claimDue(100)))).flat();
        expect(claimed.map((c) => c.jobId).sort()).toEqual([...due].sort());
        expect(claimed.every((c) => c.format === 'jpeg')).toBe(true);
        expect(await clients[0].zcard('imgpipe:originals:due')).toBe(later.length);
        await stores[1].forget(later[0]);
        expect(await clients[0].zcard('imgpipe:originals:due')).toBe(later.length - 1);
      } finally {
        await clients[0].del('imgpipe:originals:due');
        for (const redis of clients) redis.disconnect();
      }
    });
  });

  describe('ORIGINALS_RETENTION_HOURS=0 on S3', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await Stack.start({ storage: 's3', redisDb: 12, env: { ORIGINALS_RETENTION_HOURS: '0' } });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('deletes the original from the bucket as soon as the job completes', async () => {
      const res = await stack.upload(photo('sample2.jpg'));
      const { job_id: jobId } = (await res.json()) as UploadAccepted;
      await stack.waitFor(jobId, ['completed']);
      const metadata = await stack.getJson(`/results/${jobId}/metadata`);
      expect(metadata.original_delete_at).toBe(metadata.completed_at);
      await waitUntil(async () => (await stack.getJson(`/status/${jobId}`)).original_deleted_at !== undefined, 5000);
      expect(await stack.storage.exists(storageKeys.original(jobId, 'jpeg'))).toBe(false);
      expect(await stack.storage.exists(storageKeys.processed(jobId, 'jpeg'))).toBe(true);
      expect((await stack.get(`/results/${jobId}/original`)).status).toBe(410);
    });
  });
});
