import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import sharp from 'sharp';
import { IMAGE_FORMATS, JOB_METADATA_SCHEMA, storageKeys } from '@imgpipe/contracts';
import { PipelineApiError, PipelineClient } from '@imgpipe/client';
import { Stack, photos } from './support/stack';

const ROOT = resolve(__dirname, '../../..');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The rejection a call ends in, so its fields can be asserted (undefined when it resolved). */
async function refusal(call: Promise<unknown>): Promise<PipelineApiError | undefined> {
  try {
    await call;
    return undefined;
  } catch (err) {
    if (err instanceof PipelineApiError) return err;
    throw err;
  }
}

describe('the typed client against the running api', () => {
  let stack: Stack;
  let client: PipelineClient;

  beforeAll(async () => {
    stack = await Stack.start({ storage: 's3', redisDb: 8 });
    client = new PipelineClient({ baseUrl: stack.baseUrl });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('uploads a real photo, waits for it, and downloads the blurred image, its metadata and the original', async () => {
    const photo = photos()[0];
    const accepted = await client.upload(photo, { policy: { method: 'pixelate' } });
    expect(accepted).toMatchObject({ status: 'submitted', filename: basename(photo), file_size: statSync(photo).size });

    const done = await client.waitFor(accepted.job_id, { timeoutMs: 90_000, intervalMs: 100 });
    expect(done.status).toBe('completed');
    expect(done.results?.blur_metadata.method).toBe('pixelate');

    const processed = await client.downloadProcessed(accepted.job_id);
    const image = await sharp(processed).metadata();
    expect(image.format).toBe('jpeg');

    const metadata = await client.downloadMetadata(accepted.job_id);
    const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(JOB_METADATA_SCHEMA);
    expect({ valid: validate(metadata), errors: validate.errors ?? null }).toEqual({ valid: true, errors: null });
    expect(metadata).toMatchObject({
      job_id: accepted.job_id,
      image: { width: image.width, height: image.height, sha256_processed: sha256(processed) },
    });
    expect(metadata.blur_metadata.regions.filter((r) => r.kind === 'face').length).toBeGreaterThanOrEqual(3);

    expect(sha256(await client.downloadOriginal(accepted.job_id))).toBe(sha256(readFileSync(photo)));
  });

  it('refuses a non-image with a typed error carrying the api code', async () => {
    const err = await refusal(client.upload(Buffer.from('just some text\n'), { filename: 'notes.txt' }));
    expect(err).toBeInstanceOf(PipelineApiError);
    expect({ status: err?.status, code: err?.code, message: err?.message }).toEqual({
      status: 415,
      code: 'unsupported_media_type',
      message: 'notes.txt is not a JPEG, PNG or WebP image',
    });
    expect(await refusal(client.status('not-a-uuid'))).toMatchObject({ status: 400, code: 'invalid_job_id' });
    expect(await refusal(client.status('0b7c3e2a-5d4f-4a1b-9c8d-7e6f5a4b3c2d'))).toMatchObject({
      status: 404,
      code: 'job_not_found',
    });
  });

  it('uploads a batch from a buffer and a stream, and follows it to the end', async () => {
    const [first, second] = photos().slice(1, 3);
    const batch = await client.batchUpload([
      { file: readFileSync(first), filename: basename(first) },
      createReadStream(second),
      { file: Buffer.from('%PDF-1.4'), filename: 'scan.pdf' },
    ]);
    expect(batch.accepted).toBe(2);
    expect(batch.jobs.map((j) => j.filename)).toEqual([basename(first), basename(second)]);
    expect(batch.rejected).toEqual([{ filename: 'scan.pdf', error: expect.stringMatching(/^unsupported_media_type/) }]);

    const finished = await Promise.all(batch.jobs.map((j) => client.waitFor(j.job_id, { timeoutMs: 90_000 })));
    expect(finished.map((j) => j.status)).toEqual(['completed', 'completed']);
    expect((await client.batch(batch.batch_id)).counts).toEqual({
      submitted: 0,
      processing: 0,
      completed: 2,
      failed: 0,
    });
  });

  it('erases a job and a batch, leaving nothing of them in the bucket', async () => {
    const job = await client.upload(photos()[4]);
    const batch = await client.batchUpload([photos()[5]]);
    const jobIds = [job.job_id, batch.jobs[0].job_id];
    await Promise.all(jobIds.map((id) => client.waitFor(id, { timeoutMs: 90_000, intervalMs: 100 })));
    const keys = (id: string) => [
      ...IMAGE_FORMATS.flatMap((f) => [storageKeys.original(id, f), storageKeys.processed(id, f)]),
      storageKeys.metadata(id),
    ];
    const stored = async (id: string) =>
      (await Promise.all(keys(id).map((k) => stack.storage.exists(k)))).filter(Boolean).length;
    expect(await Promise.all(jobIds.map(stored))).toEqual([3, 3]);

    await client.erase(job.job_id);
    await client.eraseBatch(batch.batch_id);
    expect(await Promise.all(jobIds.map(stored))).toEqual([0, 0]);
    for (const id of jobIds) expect(await refusal(client.status(id))).toMatchObject({ status: 404 });
    expect(await refusal(client.batch(batch.batch_id))).toMatchObject({ status: 404, code: 'batch_not_found' });
  });

  it('sends the Idempotency-Key, so a retried upload returns the first job', async () => {
    const idempotencyKey = `retry-${Date.now()}`;
    const first = await client.upload(photos()[3], { idempotencyKey });
    const retried = await client.upload(photos()[3], { idempotencyKey });
    expect(retried.job_id).toBe(first.job_id);
    expect((await client.waitFor(first.job_id, { timeoutMs: 90_000 })).status).toBe('completed');
  });

  it('reads statistics, queue status and health', async () => {
    const stats = await client.stats();
    expect(stats.completed).toBeGreaterThanOrEqual(4);
    const queue = await client.queueStatus();
    expect(queue).toMatchObject({ queue: 'image-processing', waiting: 0, workers: 1 });
    expect(await client.health()).toEqual({ status: 'ok', dependencies: { redis: 'up', storage: 'up' } });
  });

  it('was generated from the document this api serves', async () => {
    const document = join(mkdtempSync(join(tmpdir(), 'served-openapi-')), 'openapi.json');
    writeFileSync(document, await (await fetch(`${stack.baseUrl}/docs-json`)).text());
    const check = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'libs/client/scripts/generate.mjs'), '--check', '--document', document],
      { cwd: ROOT },
    ).catch((err) => ({ stdout: '', stderr: String(err.stderr) }));
    expect(check).toEqual({ stdout: expect.stringContaining('matches'), stderr: '' });
  });
});
