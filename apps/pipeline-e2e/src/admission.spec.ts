import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import sharp from 'sharp';
import { UploadAccepted } from '@imgpipe/contracts';
import { Json, Stack, photos, sleep, waitUntil } from './support/stack';

function originals(stack: Stack): string[] {
  if (stack.storageOptions.driver !== 'local') throw new Error('local storage expected');
  try {
    return readdirSync(`${stack.storageOptions.dataDir}/original`);
  } catch {
    return [];
  }
}

/** Sends an upload's headers, declaring 20 MB, and 1 kB of its body; the api's answer within 3 s, if any. */
function answerToHeadersOnly(stack: Stack, headers: Record<string, string>): Promise<Json> {
  return new Promise((done, fail) => {
    const req = request(`${stack.baseUrl}/upload`, {
      method: 'POST',
      headers: {
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(20 * 1024 * 1024),
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      done({ status: 'no answer' });
    }, 3000);
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        done({ status: res.statusCode, ...(JSON.parse(body) as Json) });
      });
    });
    req.on('error', (err) => (req.destroyed ? undefined : fail(err)));
    req.write(`--x\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n\r\n${'.'.repeat(1024)}`);
  });
}

function batchForm(images: Buffer[]): FormData {
  const form = new FormData();
  images.forEach((bytes, i) => form.append('files', new Blob([new Uint8Array(bytes)]), `batch-${i}.jpg`));
  return form;
}

describe('admission by predicted latency, before any completion is measured', () => {
  let stack: Stack;
  let images: Buffer[];
  beforeAll(async () => {
    // No worker: nothing drains, and the rate is the one assumed for one worker (0.5 jobs/s).
    stack = await Stack.start({ storage: 'local', redisDb: 3, workers: 0, env: { LATENCY_TARGET_S: '3' } });
    images = await Promise.all(photos().map((p) => sharp(p).resize(480, 480, { fit: 'inside' }).jpeg().toBuffer()));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses what would finish past LATENCY_TARGET_S with 429 and Retry-After, and a batch whole', async () => {
    const first = await stack.uploadBytes(images[0], 'first.jpg');
    expect(first.status).toBe(202);
    const { job_id } = (await first.json()) as UploadAccepted;

    // One job ahead, plus this one, at 0.5 jobs/s: 4 s, over the 3 s target. One job must drain: 2 s.
    const refused = await stack.uploadBytes(images[1], 'second.jpg');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toEqual({
      statusCode: 429,
      code: 'queue_full',
      message: expect.stringMatching(/about 4\.0 s, over the latency target of 3 s; retry after 2 s/),
      details: { limit: 'latency_target', predicted_wait_seconds: 4, latency_target_seconds: 3 },
    });

    const batch = await fetch(`${stack.baseUrl}/batch-upload`, { method: 'POST', body: batchForm(images.slice(0, 3)) });
    expect(batch.status).toBe(429);
    expect(Number(batch.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    // Refused before its body is read: a client that has sent only the headers and a first chunk
    // of a 20 MB upload gets its 429 at once. An Idempotency-Key (a possible replay) waits for the body.
    expect(await answerToHeadersOnly(stack, {})).toMatchObject({ status: 429, code: 'queue_full' });
    expect(await answerToHeadersOnly(stack, { 'idempotency-key': 'replay-1' })).toEqual({ status: 'no answer' });

    // Nothing of the refused uploads was stored or counted.
    expect(originals(stack)).toEqual([`${job_id}.jpg`]);
    expect(await stack.getJson('/stats')).toMatchObject({ submitted: 1 });
    expect(await stack.getJson('/queue-status')).toMatchObject({
      waiting: 1,
      predicted_wait_seconds: 2,
      drain_rate_per_second: 0.5,
      drain_rate_source: 'assumed',
      latency_target_seconds: 3,
    });
    const metrics = await (await stack.get('/metrics')).text();
    expect(metrics).toMatch(/^pipeline_queue_predicted_wait_seconds\{app="api"\} 2$/m);

    // Once the queue has drained, the batch goes in whole, though 3 jobs at the assumed rate take 6 s:
    // an empty queue takes any batch rather than never.
    await stack.startWorker();
    expect((await stack.waitFor(job_id)).status).toBe('completed');
    await waitUntil(async () => {
      const { waiting, active } = await stack.getJson('/queue-status');
      return waiting + active === 0;
    });
    const accepted = await fetch(`${stack.baseUrl}/batch-upload`, {
      method: 'POST',
      body: batchForm(images.slice(0, 3)),
    });
    expect(accepted.status).toBe(202);
    const { jobs } = (await accepted.json()) as Json;
    expect(jobs).toHaveLength(3);
    for (const job of jobs) expect((await stack.waitFor(job.job_id)).status).toBe('completed');
  });
});

describe('admission under a burst', () => {
  let stack: Stack;
  let images: Buffer[];
  beforeAll(async () => {
    stack = await Stack.start({
      storage: 'local',
      redisDb: 6,
      workers: 1,
      env: { LATENCY_TARGET_S: '10', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' },
    });
    images = await Promise.all(photos().map((p) => sharp(p).resize(480, 480, { fit: 'inside' }).jpeg().toBuffer()));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers a burst 202 or 429 with Retry-After; clients that wait for it all get in, and every job completes', async () => {
    const COUNT = 40;
    const statuses = new Map<number, number>();
    const retryAfters: number[] = [];
    const accepted: string[] = [];
    const deadline = Date.now() + 120_000;
    // Every upload leaves at once; a refused one comes back after its Retry-After, as a client should.
    await Promise.all(
      Array.from({ length: COUNT }, async (_, i) => {
        for (;;) {
          const res = await stack.uploadBytes(images[i % images.length], `burst-${i}.jpg`, 'file', {
            'idempotency-key': `burst-${i}`,
          });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const body = (await res.json()) as Json;
          if (res.status === 202) {
            accepted.push(body.job_id);
            return;
          }
          expect(res.status).toBe(429);
          expect(body).toMatchObject({ code: 'queue_full', details: { limit: 'latency_target' } });
          const retryAfter = Number(res.headers.get('retry-after'));
          expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
          retryAfters.push(retryAfter);
          if (Date.now() > deadline) throw new Error(`burst-${i} was never admitted`);
          await sleep(retryAfter * 1000);
        }
      }),
    );

    expect([...statuses.keys()].sort()).toEqual([202, 429]);
    expect(accepted).toHaveLength(COUNT);
    expect(new Set(accepted).size).toBe(COUNT);
    for (const id of accepted) expect((await stack.waitFor(id)).status).toBe('completed');
    expect(await stack.getJson('/stats')).toMatchObject({ submitted: COUNT, completed: COUNT, failed: 0 });
    expect(originals(stack)).toHaveLength(COUNT);

    const queue = await stack.getJson('/queue-status');
    expect(queue).toMatchObject({ waiting: 0, active: 0, drain_rate_source: 'measured', latency_target_seconds: 10 });
    expect(queue.drain_rate_per_second).toBeGreaterThan(0);
    console.log(
      `admission burst: ${COUNT} uploads, answers ${JSON.stringify(Object.fromEntries(statuses))}, ` +
        `Retry-After ${Math.min(...retryAfters)}-${Math.max(...retryAfters)} s, ` +
        `measured drain ${queue.drain_rate_per_second} jobs/s`,
    );
  }, 180_000);
});
