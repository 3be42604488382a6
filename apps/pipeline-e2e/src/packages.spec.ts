import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Bull from 'bull';
import {
  IMAGE_CONTENT_TYPES,
  JobMetadata,
  JobName,
  QUEUE_NAME,
  createProcessImagePayload,
  processImageJobOptions,
  sniffImageFormat,
  storageKeys,
} from '@imgpipe/contracts';
import { Stack, photos } from './support/stack';

const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);

/** The environment without what an enclosing `npm test` exports, so npm and node in the temp project see only it. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(npm_|NODE_PATH$|INIT_CWD$)/i.test(name)),
  );
  return { ...env, ...extra };
}

// What another team writes: CommonJS, using each package the way its README says.
const CONSUMER_CJS = `
const { createProcessImagePayload, validateProcessImagePayload, PayloadValidationError } = require('@imgpipe/contracts');
const { createStorageDriver } = require('@imgpipe/storage');
const { PipelineClient, PipelineApiError } = require('@imgpipe/client');

async function main() {
  const out = { resolved: ['@imgpipe/contracts', '@imgpipe/storage', '@imgpipe/client'].map((p) => require.resolve(p)) };

  const payload = createProcessImagePayload({ job_id: process.env.JOB_ID, format: 'jpeg', filename: 'van.jpg', file_size: 10 });
  out.payload = validateProcessImagePayload(JSON.parse(JSON.stringify(payload)));
  try {
    validateProcessImagePayload({ job_id: 'x', format: 'gif' });
  } catch (err) {
    out.invalid = { isPayloadError: err instanceof PayloadValidationError, problems: err.problems };
  }

  const storage = createStorageDriver({ driver: 'local', dataDir: process.env.DATA_DIR });
  await storage.put(payload.original_key, Buffer.from('stored bytes'), { contentType: 'image/jpeg' });
  out.storage = {
    read: (await storage.getBuffer(payload.original_key)).toString(),
    exists: await storage.exists(payload.original_key),
    location: storage.location(payload.original_key),
  };

  const client = new PipelineClient({ baseUrl: process.env.PIPELINE_URL });
  const { job_id } = await client.upload(process.env.PHOTO);
  const job = await client.waitFor(job_id, { timeoutMs: 90000 });
  out.client = { status: job.status, processedBytes: (await client.downloadProcessed(job_id)).length };
  try {
    await client.upload(Buffer.from('not an image'));
  } catch (err) {
    out.client.refusal = { isApiError: err instanceof PipelineApiError, status: err.status, code: err.code };
  }
  process.stdout.write(JSON.stringify(out));
}
main().catch((err) => {
  process.stderr.write(String(err.stack || err));
  process.exit(1);
});
`;

// The same packages from ES modules (named exports of the CommonJS builds).
const CONSUMER_ESM = `
import { PipelineClient, PipelineApiError, JobWaitTimeoutError } from '@imgpipe/client';
import { storageKeys, QUEUE_NAME } from '@imgpipe/contracts';
import { LocalStorageDriver, S3StorageDriver } from '@imgpipe/storage';
process.stdout.write(JSON.stringify([PipelineClient, PipelineApiError, JobWaitTimeoutError, LocalStorageDriver, S3StorageDriver].map((f) => typeof f).concat(storageKeys.metadata('x'), QUEUE_NAME)));
`;

// Types ship too: this compiles only if the declarations are complete and precise (the
// expected error proves the policy is typed from the api's enum, not \`any\`).
const CONSUMER_TS = `
import { writeFile } from 'node:fs/promises';
import { PipelineApiError, PipelineClient, type JobStatusView } from '@imgpipe/client';
import { createProcessImagePayload, type ProcessImagePayload } from '@imgpipe/contracts';
import { createStorageDriver, type StorageDriver } from '@imgpipe/storage';

export async function main(): Promise<void> {
  const client = new PipelineClient({ baseUrl: 'http://localhost:8000', token: () => 'token' });
  const { job_id } = await client.upload('car.jpg', { policy: { method: 'pixelate', thresholds: { face: 0.5 } } });
  const job: JobStatusView = await client.waitFor(job_id, { timeoutMs: 60_000 });
  const status: 'submitted' | 'processing' | 'completed' | 'failed' = job.status;
  const regions: number = job.results?.blur_metadata.regions.length ?? 0;
  if (status === 'completed') await writeFile('car-blurred.jpg', await client.downloadProcessed(job_id));
  // @ts-expect-error the blur method is one of the api's enum values
  await client.upload('car.jpg', { policy: { method: 'smudge' } });
  const payload: ProcessImagePayload = createProcessImagePayload({ job_id, format: 'jpeg', filename: 'a.jpg', file_size: regions + 1 });
  const storage: StorageDriver = createStorageDriver({ driver: 'local', dataDir: './data' });
  await storage.put(payload.original_key, Buffer.from('x'), { contentType: 'image/jpeg' });
  try {
    await client.status(job_id);
  } catch (err) {
    if (err instanceof PipelineApiError) console.log(err.status, err.code, err.retryAfterS);
  }
}
`;

describe('the published packages', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ storage: 'local', redisDb: 9 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('pack into tarballs that install into an empty project outside the workspace and work there', async () => {
    const project = mkdtempSync(join(tmpdir(), 'imgpipe-consumer-'));
    try {
      const tarballs: string[] = [];
      for (const lib of ['contracts', 'storage', 'client']) {
        const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', project], {
          cwd: join(ROOT, 'dist/libs', lib),
          env: cleanEnv(),
        });
        tarballs.push(`./${(JSON.parse(stdout) as { filename: string }[])[0].filename}`);
      }
      expect(tarballs).toEqual([
        expect.stringMatching(/^\.\/imgpipe-contracts-\d+\.\d+\.\d+\.tgz$/),
        expect.stringMatching(/^\.\/imgpipe-storage-\d+\.\d+\.\d+\.tgz$/),
        expect.stringMatching(/^\.\/imgpipe-client-\d+\.\d+\.\d+\.tgz$/),
      ]);
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
      );
      // Their dependencies come from the registry, through the local cache when it has them.
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], {
        cwd: project,
        env: cleanEnv(),
        timeout: 120_000,
      });
      const installed = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
      expect(Object.keys(installed.dependencies).sort()).toEqual([
        '@imgpipe/client',
        '@imgpipe/contracts',
        '@imgpipe/storage',
      ]);

      const jobId = randomUUID();
      writeFileSync(join(project, 'consumer.cjs'), CONSUMER_CJS);
      const { stdout } = await run(process.execPath, ['consumer.cjs'], {
        cwd: project,
        env: cleanEnv({
          JOB_ID: jobId,
          DATA_DIR: join(project, 'data'),
          PIPELINE_URL: stack.baseUrl,
          PHOTO: photos()[0],
        }),
      });
      const out = JSON.parse(stdout);
      for (const path of out.resolved) expect(path.startsWith(join(project, 'node_modules'))).toBe(true);
      expect(out.payload).toMatchObject({ job_id: jobId, original_key: `original/${jobId}.jpg`, format: 'jpeg' });
      expect(out.invalid).toEqual({
        isPayloadError: true,
        problems: expect.arrayContaining(['job_id must be a UUID', 'format must be one of jpeg, png, webp']),
      });
      expect(out.storage).toEqual({
        read: 'stored bytes',
        exists: true,
        location: `file://${join(project, 'data', 'original', `${jobId}.jpg`)}`,
      });
      expect(out.client).toEqual({
        status: 'completed',
        processedBytes: expect.any(Number),
        refusal: { isApiError: true, status: 415, code: 'unsupported_media_type' },
      });
      expect(out.client.processedBytes).toBeGreaterThan(10_000);

      writeFileSync(join(project, 'consumer.mjs'), CONSUMER_ESM);
      const esm = await run(process.execPath, ['consumer.mjs'], { cwd: project, env: cleanEnv() });
      expect(JSON.parse(esm.stdout)).toEqual([...Array(5).fill('function'), 'metadata/x.json', 'image-processing']);

      writeFileSync(join(project, 'consumer.ts'), CONSUMER_TS);
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            noEmit: true,
            types: ['node'],
            typeRoots: [join(ROOT, 'node_modules/@types')],
          },
          files: ['consumer.ts'],
        }),
      );
      const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], {
        cwd: project,
        env: cleanEnv(),
      }).catch((err) => ({ stdout: String(err.stdout), stderr: String(err.stderr) }));
      expect(tsc).toEqual({ stdout: '', stderr: '' });
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('let another service enqueue directly on the queue with the contracts, and the worker processes the job', async () => {
    const photo = photos()[1];
    const bytes = readFileSync(photo);
    const format = sniffImageFormat(bytes);
    if (!format) throw new Error(`${photo} is not an image the pipeline takes`);
    const payload = createProcessImagePayload({
      job_id: randomUUID(),
      format,
      filename: basename(photo),
      file_size: bytes.length,
    });
    const queue = new Bull(QUEUE_NAME, stack.env['REDIS_URL'], { prefix: 'bull' });
    try {
      // The original first, then the job: a worker never sees a job whose original is missing.
      await stack.storage.put(payload.original_key, bytes, { contentType: IMAGE_CONTENT_TYPES[format] });
      const job = await queue.add(JobName.ProcessImage, payload, processImageJobOptions(payload));
      // Adding the same job again creates no twin: its id is the job_id.
      const again = await queue.add(JobName.ProcessImage, payload, processImageJobOptions(payload));
      expect({ first: job.id, again: again.id }).toEqual({ first: payload.job_id, again: payload.job_id });

      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        job.finished() as Promise<{ processing_time: number }>,
        new Promise<never>((_, fail) => {
          timer = setTimeout(() => fail(new Error(`job ${payload.job_id} did not finish in 90 s`)), 90_000);
        }),
      ]).finally(() => clearTimeout(timer));
      expect(result.processing_time).toBeGreaterThan(0);
      const metadata = JSON.parse(
        (await stack.storage.getBuffer(storageKeys.metadata(payload.job_id))).toString(),
      ) as JobMetadata;
      expect(metadata).toMatchObject({ job_id: payload.job_id, filename: basename(photo), image: { format } });
      expect(await stack.storage.exists(storageKeys.processed(payload.job_id, format))).toBe(true);
      // The worker writes the record the api would have: status and results read as for an upload.
      const status = await stack.getJson(`/status/${payload.job_id}`);
      expect(status).toMatchObject({
        job_id: payload.job_id,
        status: 'completed',
        created_at: Math.round(payload.submitted_at / 10) / 100,
      });
      expect((await stack.get(`/results/${payload.job_id}/processed`)).status).toBe(200);
      const jobs = await queue.getJobs(['completed', 'waiting', 'active', 'delayed', 'failed']);
      const ours = jobs.filter((j) => j.id === payload.job_id);
      expect(await Promise.all(ours.map((j) => j.getState()))).toEqual(['completed']);
    } finally {
      await queue.close();
    }
  });
});
