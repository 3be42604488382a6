import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import sharp from 'sharp';
import {
  BatchAccepted,
  BatchStatusView,
  Box,
  JOB_METADATA_SCHEMA,
  JobMetadata,
  JobStatusView,
  UploadAccepted,
  storageKeys,
} from '@imgpipe/contracts';
import { Stack, photos, sleep } from './support/stack';

/** Upright size of a photo, as the worker must store it. */
async function uprightSize(path: string): Promise<{ width: number; height: number }> {
  const { width, height, orientation = 1 } = await sharp(path).metadata();
  return orientation >= 5
    ? { width: height as number, height: width as number }
    : { width: width as number, height: height as number };
}

/** Variance of the grey levels' 3x3 Laplacian inside a box of an encoded image: high when sharp. */
async function detail(encoded: Buffer, [x1, y1, x2, y2]: Box): Promise<number> {
  const { data, info } = await sharp(encoded).greyscale().raw().toBuffer({ resolveWithObject: true });
  const values: number[] = [];
  for (let y = Math.max(1, Math.ceil(y1)); y < Math.min(info.height - 1, Math.floor(y2)); y++) {
    for (let x = Math.max(1, Math.ceil(x1)); x < Math.min(info.width - 1, Math.floor(x2)); x++) {
      const i = y * info.width + x;
      values.push(data[i - 1] + data[i + 1] + data[i - info.width] + data[i + info.width] - 4 * data[i]);
    }
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
}

describe.each([
  ['s3', 1],
  ['local', 2],
] as const)('the job path with %s storage', (storage, redisDb) => {
  let stack: Stack;

  beforeAll(async () => {
    // The per-upload policy below turns head_fallback off, which only the operator can allow.
    stack = await Stack.start({ storage, redisDb, env: { POLICY_ALLOW_HEAD_FALLBACK_OFF: 'true' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('takes a real photo over HTTP to a completed job with a valid processed image', async () => {
    const photo = photos()[0];
    const res = await stack.upload(photo);
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as UploadAccepted;
    expect(accepted).toEqual({
      job_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      filename: 'sample1.jpg',
      file_size: 144516,
      status: 'submitted',
      message: expect.any(String),
    });

    const done = await stack.waitFor(accepted.job_id);
    expect(done.status).toBe('completed');
    expect(done.attempts).toBe(1);
    expect(done.updated_at).toBeGreaterThanOrEqual(done.created_at);
    const results = done.results!;
    const scheme = storage === 's3' ? `s3://${process.env['E2E_S3_BUCKET']}/` : 'file:///';
    expect(results.original_image_path).toContain(scheme);
    expect(results.processed_image_path).toMatch(new RegExp(`processed/${accepted.job_id}\\.jpg$`));
    expect(results.metadata_path).toMatch(new RegExp(`metadata/${accepted.job_id}\\.json$`));
    expect(results.processing_time).toBeGreaterThan(0);
    // A group portrait: faces found and blurred, people detected, the blurred image checked again.
    const faces = results.blur_metadata.regions.filter((r) => r.kind === 'face');
    expect(faces.length).toBeGreaterThanOrEqual(3);
    expect(results.blur_metadata.verification.rechecked).toBe(true);
    expect(results.detection_metadata.objects.some((o) => o.label === 'person')).toBe(true);
    expect(results.blur_metadata.models.map((m) => m.name)).toEqual(expect.arrayContaining(['blazeface-back-256']));

    // Read back through the storage driver, not the api.
    const processed = await stack.storage.getBuffer(storageKeys.processed(accepted.job_id, 'jpeg'));
    const meta = await sharp(processed).metadata();
    expect(meta.format).toBe('jpeg');
    expect({ width: meta.width, height: meta.height }).toEqual(await uprightSize(photo));
    expect(meta.exif).toBeUndefined();

    const original = await stack.storage.getBuffer(storageKeys.original(accepted.job_id, 'jpeg'));
    expect(original.length).toBe(144516);

    const metadata = JSON.parse(
      (await stack.storage.getBuffer(storageKeys.metadata(accepted.job_id))).toString(),
    ) as JobMetadata;
    expect(metadata.job_id).toBe(accepted.job_id);
    expect(metadata.image).toMatchObject({
      width: meta.width,
      height: meta.height,
      format: 'jpeg',
      bytes_processed: processed.length,
    });
    expect(metadata.image.sha256_original).toMatch(/^[0-9a-f]{64}$/);
    expect(metadata.timings_ms['decode']).toBeGreaterThan(0);
    expect(metadata.blur_metadata).toEqual(results.blur_metadata);
    const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(JOB_METADATA_SCHEMA);
    expect({ valid: validate(metadata), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });

    // Every face lost at least 65 % of its detail (variance of the Laplacian).
    for (const face of faces) {
      expect(await detail(processed, face.box)).toBeLessThan((await detail(original, face.box)) * 0.35);
    }
  });

  it('streams original, processed and metadata through /results', async () => {
    const res = await stack.upload(photos()[1]);
    const { job_id } = (await res.json()) as UploadAccepted;
    await stack.waitFor(job_id);
    const processed = await stack.get(`/results/${job_id}/processed`);
    expect(processed.status).toBe(200);
    expect(processed.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await processed.arrayBuffer())).metadata()).format).toBe('jpeg');
    const original = await stack.get(`/results/${job_id}/original`);
    expect(Buffer.from(await original.arrayBuffer()).length).toBe(181758);
    const metadata = await stack.get(`/results/${job_id}/metadata`);
    expect(metadata.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await metadata.json()) as JobMetadata).job_id).toBe(job_id);
  });

  it('applies a per-upload policy and records it', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(readFileSync(photos()[3]))]), 'group.jpg');
    form.append('policy', JSON.stringify({ method: 'solid', head_fallback: false, thresholds: { face: 0.7 } }));
    const res = await fetch(`${stack.baseUrl}/upload`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const done = await stack.waitFor(((await res.json()) as UploadAccepted).job_id);
    expect(done.results?.blur_metadata.method).toBe('solid');
    expect(done.results?.blur_metadata.policy).toMatchObject({
      method: 'solid',
      head_fallback: false,
      thresholds: { face: 0.7 },
    });
    expect(done.results?.blur_metadata.regions.some((r) => r.source === 'person-head-fallback')).toBe(false);
  });

  it('processes a batch of 20 and reports it by status', async () => {
    const form = new FormData();
    const all = photos();
    for (let i = 0; i < 20; i++) {
      form.append('files', new Blob([new Uint8Array(readFileSync(all[i % all.length]))]), `photo-${i}.jpg`);
    }
    const res = await fetch(`${stack.baseUrl}/batch-upload`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const batch = (await res.json()) as BatchAccepted;
    expect(batch.accepted).toBe(20);
    expect(batch.rejected).toEqual([]);
    expect(new Set(batch.jobs.map((j) => j.job_id)).size).toBe(20);

    let view: BatchStatusView | undefined;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      view = (await stack.getJson(`/batch/${batch.batch_id}`)) as BatchStatusView;
      if (view.counts.completed === 20) break;
      await sleep(250);
    }
    expect(view).toMatchObject({
      batch_id: batch.batch_id,
      total: 20,
      counts: { completed: 20, failed: 0, submitted: 0, processing: 0 },
    });
    expect(view!.job_ids.sort()).toEqual(batch.jobs.map((j) => j.job_id).sort());
    for (const job of batch.jobs) {
      expect(await stack.storage.exists(storageKeys.processed(job.job_id, 'jpeg'))).toBe(true);
    }

    const stats = await stack.getJson('/stats');
    expect(stats).toMatchObject({ submitted: 23, completed: 23, failed: 0, success_rate: 1 });
    expect(stats.throughput.last_1m).toBeGreaterThan(0);
    expect(stats.end_to_end_latency_seconds.samples).toBe(23);
    expect(stats.end_to_end_latency_seconds.p95).toBeGreaterThanOrEqual(stats.end_to_end_latency_seconds.p50);
  });

  it('reports queue state and health from Redis', async () => {
    const queue = await stack.getJson('/queue-status');
    expect(queue).toMatchObject({ queue: 'image-processing', waiting: 0, active: 0, workers: 1, max_queue_size: 1000 });
    const health = await stack.get('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', dependencies: { redis: 'up', storage: 'up' } });
  });
});

describe('a rejected or failing job', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ storage: 'local', redisDb: 3 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 400 for malformed ids and 404 for unknown ones', async () => {
    const unknown = '2f1c7a4e-9b8d-4c3e-8f6a-1d2e3f4a5b6c';
    const cases: [string, number, string][] = [
      ['/status/not-a-uuid', 400, 'invalid_job_id'],
      [`/status/${unknown}`, 404, 'job_not_found'],
      [`/results/${unknown}/processed`, 404, 'job_not_found'],
      [`/results/not-a-uuid/processed`, 400, 'invalid_job_id'],
      [`/results/${unknown}/thumbnail`, 400, 'invalid_result_kind'],
      ['/batch/nope', 400, 'invalid_batch_id'],
      [`/batch/${unknown}`, 404, 'batch_not_found'],
      ['/no-such-route', 404, 'not_found'],
    ];
    for (const [path, status, code] of cases) {
      const res = await stack.get(path);
      expect({ path, status: res.status, body: await res.json() }).toEqual({
        path,
        status,
        body: { statusCode: status, code, message: expect.any(String) },
      });
    }
  });

  it('refuses non-images, empty files and missing fields with a clear 4xx, storing nothing', async () => {
    const expectations: [Response, number, string][] = [
      [await stack.uploadBytes(Buffer.from('hello, not an image'), 'notes.jpg'), 415, 'unsupported_media_type'],
      [await stack.uploadBytes(Buffer.alloc(0), 'empty.jpg'), 400, 'empty_file'],
      [await stack.uploadBytes(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'truncated.jpg'), 422, 'invalid_image'],
      [await stack.uploadBytes(await sharp(photos()[0]).toBuffer(), 'x.jpg', 'image'), 400, 'bad_request'],
      [await fetch(`${stack.baseUrl}/upload`, { method: 'POST' }), 400, 'file_missing'],
    ];
    for (const [res, status, code] of expectations) {
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ statusCode: status, code });
    }
    expect(await stack.getJson('/stats')).toMatchObject({ submitted: 0 });
  });

  it('refuses an invalid policy with every problem listed, storing nothing', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(readFileSync(photos()[0]))]), 'a.jpg');
    form.append('policy', JSON.stringify({ method: 'swirl', strength: 99 }));
    const res = await fetch(`${stack.baseUrl}/upload`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      statusCode: 400,
      code: 'invalid_policy',
      details: {
        problems: ['method must be one of gaussian, pixelate, solid', 'strength must be a number from 0.25 to 10'],
      },
    });
    const notJson = new FormData();
    notJson.append('file', new Blob([new Uint8Array(readFileSync(photos()[0]))]), 'a.jpg');
    notJson.append('policy', '{method:');
    const second = await fetch(`${stack.baseUrl}/upload`, { method: 'POST', body: notJson });
    expect(second.status).toBe(400);
    expect(await stack.getJson('/stats')).toMatchObject({ submitted: 0 });
  });

  it('accepts the good files of a batch and lists the bad ones', async () => {
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(readFileSync(photos()[2]))]), 'good.jpg');
    form.append('files', new Blob([new Uint8Array(Buffer.from('%PDF-1.4'))]), 'bad.pdf');
    const res = await fetch(`${stack.baseUrl}/batch-upload`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const batch = (await res.json()) as BatchAccepted;
    expect(batch.accepted).toBe(1);
    expect(batch.rejected).toEqual([
      { filename: 'bad.pdf', error: expect.stringMatching(/^unsupported_media_type: /) },
    ]);
    const done = await stack.waitFor(batch.jobs[0].job_id);
    expect(done.status).toBe('completed');
  });

  it('refuses a truncated image at upload', async () => {
    const photo = readFileSync(photos()[2]);
    const res = await stack.uploadBytes(photo.subarray(0, photo.length >> 1), 'truncated.jpg');
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: 'invalid_image', message: 'truncated.jpg: the file is truncated' });
  });

  it('fails a job whose image cannot be decoded, with the reason, without retrying', async () => {
    // A PNG whose chunks are all there but whose compressed pixels are garbage: header and structure
    // pass the api's checks, and only the full decode in the worker finds the damage.
    const png = await sharp(photos()[2]).resize(200).png().toBuffer();
    const idat = png.indexOf('IDAT');
    png.fill(0x55, idat + 4, idat + 40);
    const res = await stack.uploadBytes(png, 'corrupt.png');
    expect(res.status).toBe(202);
    const { job_id } = (await res.json()) as UploadAccepted;
    const done: JobStatusView = await stack.waitFor(job_id);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(done.error).toMatch(/cannot decode image: .*libpng read error/i);
    expect(done.results).toBeUndefined();
    expect(await stack.storage.exists(storageKeys.processed(job_id, 'png'))).toBe(false);
    expect(await stack.storage.exists(storageKeys.metadata(job_id))).toBe(false);
    expect(await stack.storage.exists(storageKeys.original(job_id, 'png'))).toBe(true);
    expect(await stack.getJson('/stats')).toMatchObject({ failed: 1 });
  });
});
