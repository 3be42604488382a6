import { register } from 'prom-client';
import { loadConfig } from '@imgpipe/config';
import { ProcessImagePayload } from '@imgpipe/contracts';
import { ImageJobConsumer, PermanentJobError } from '@imgpipe/jobs';
import { OriginalsRetention } from './originals-retention';
import { ImagePipeline, InvalidImageError, PipelineOutput, decodeImage, encodeImage } from '@imgpipe/inference';
import { PipelineMetrics } from '@imgpipe/metrics';
import { LocalStorageDriver, ObjectNotFoundError, StorageDriver } from '@imgpipe/storage';
import sharp from 'sharp';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageJobProcessor } from './image-job.processor';

const JOB = '0b7c3e2a-5d4f-4a1b-9c8d-7e6f5a4b3c2d';
const payload: ProcessImagePayload = {
  job_id: JOB,
  original_key: `original/${JOB}.png`,
  format: 'png',
  filename: 'car.png',
  file_size: 10,
  submitted_at: Date.now(),
};

const config = loadConfig({ WORKER_ID: 'test-worker' });

/** A pipeline double: re-encodes the image and reports one face, or fails like the real one. */
const fakePipeline = {
  async process(input: Buffer): Promise<PipelineOutput> {
    const image = await decodeImage(input, config.maxImagePixels).catch((err) => {
      throw new InvalidImageError(err.message);
    });
    return {
      processed: await encodeImage(image, 'png', { jpegQuality: 80 }),
      width: image.width,
      height: image.height,
      orientation: image.orientation,
      blur_metadata: {
        regions: [{ kind: 'face', box: [1, 1, 5, 5], score: 0.9, source: 'fake' }],
        method: 'gaussian',
        policy: config.policy,
        verification: { rechecked: true, residual: 0, residual_faces: 0, residual_plates: 0 },
        models: [],
        timings_ms: {},
      },
      detection_metadata: {
        objects: [],
        model: { name: 'fake', version: '0', sha256: '0'.repeat(64) },
        timings_ms: {},
      },
      timings_ms: { decode: 1, encode: 1 },
    };
  },
} as unknown as ImagePipeline;

const keepOriginals = { enabled: false, dueAt: () => null } as unknown as OriginalsRetention;

function processorWith(storage: StorageDriver, pipeline = fakePipeline, retention = keepOriginals): ImageJobProcessor {
  return new ImageJobProcessor({} as ImageJobConsumer, pipeline, storage, config, new PipelineMetrics(), retention);
}

describe('ImageJobProcessor', () => {
  afterEach(() => register.resetMetrics());

  it('says in the metadata when the original is deleted, or null while originals are kept', async () => {
    const storage = new LocalStorageDriver({ dataDir: mkdtempSync(join(tmpdir(), 'worker-')) });
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await storage.put(payload.original_key, png, { contentType: 'image/png' });
    const metadata = async () => JSON.parse((await storage.getBuffer(`metadata/${JOB}.json`)).toString());

    await processorWith(storage).process(payload);
    expect((await metadata()).original_delete_at).toBeNull();

    const dayLater = { enabled: true, dueAt: (at: number) => at + 86_400_000 } as unknown as OriginalsRetention;
    await processorWith(storage, fakePipeline, dayLater).process(payload);
    const { completed_at, original_delete_at } = await metadata();
    expect(Date.parse(original_delete_at) - Date.parse(completed_at)).toBe(86_400_000);
  });

  it('writes the processed image and metadata and reports where they are', async () => {
    const storage = new LocalStorageDriver({ dataDir: mkdtempSync(join(tmpdir(), 'worker-')) });
    const png = await sharp({ create: { width: 30, height: 10, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    await storage.put(payload.original_key, png, { contentType: 'image/png' });

    const results = await processorWith(storage).process(payload);

    expect(results.processed_image_path).toBe(storage.location(`processed/${JOB}.png`));
    expect(results.metadata_path).toBe(storage.location(`metadata/${JOB}.json`));
    const metadata = JSON.parse((await storage.getBuffer(`metadata/${JOB}.json`)).toString());
    expect(metadata).toMatchObject({
      job_id: JOB,
      filename: 'car.png',
      image: { width: 30, height: 10, format: 'png', bytes_original: png.length },
      pipeline: { worker_id: 'test-worker' },
      blur_metadata: { regions: [{ kind: 'face', source: 'fake' }] },
    });
    expect((await sharp(await storage.getBuffer(`processed/${JOB}.png`)).metadata()).width).toBe(30);
  });

  it('fails permanently when the original is missing or cannot be decoded, writing nothing', async () => {
    const storage = new LocalStorageDriver({ dataDir: mkdtempSync(join(tmpdir(), 'worker-')) });
    const processor = processorWith(storage);
    await expect(processor.process(payload)).rejects.toMatchObject({
      name: 'PermanentJobError',
      code: 'original_missing',
    });

    await storage.put(payload.original_key, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), {
      contentType: 'image/png',
    });
    const error = await processor.process(payload).catch((err) => err);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error.code).toBe('invalid_image');
    expect(await storage.exists(`processed/${JOB}.png`)).toBe(false);
    expect(await storage.exists(`metadata/${JOB}.json`)).toBe(false);
  });

  it('fails permanently, before reading the original, a job whose policy is weaker than the operator allows', async () => {
    const unread = {
      getBuffer: () => Promise.reject(new Error('the original was read')),
    } as unknown as StorageDriver;
    const weaker = { ...payload, policy: { thresholds: { face: 0.95 }, head_fallback: false } };
    const error = await processorWith(unread)
      .process(weaker)
      .catch((err) => err);
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error.code).toBe('policy_not_allowed');
    expect(error.message).toBe(
      "policy: thresholds.face 0.95 is above the operator's limit 0.75 (POLICY_MAX_FACE_THRESHOLD); " +
        'head_fallback false is not allowed: the operator keeps it on (POLICY_ALLOW_HEAD_FALLBACK_OFF)',
    );

    // Stricter than the defaults is always allowed; a limit the operator raised allows the rest.
    const storage = new LocalStorageDriver({ dataDir: mkdtempSync(join(tmpdir(), 'worker-')) });
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await storage.put(payload.original_key, png, { contentType: 'image/png' });
    await expect(
      processorWith(storage).process({ ...payload, policy: { thresholds: { face: 0.5 }, strength: 2 } }),
    ).resolves.toMatchObject({ processed_image_path: storage.location(`processed/${JOB}.png`) });
    const raised = loadConfig({ POLICY_MAX_FACE_THRESHOLD: '0.95', POLICY_ALLOW_HEAD_FALLBACK_OFF: 'true' });
    const lenient = new ImageJobProcessor(
      {} as ImageJobConsumer,
      fakePipeline,
      storage,
      raised,
      new PipelineMetrics(),
      keepOriginals,
    );
    await expect(lenient.process(weaker)).resolves.toBeDefined();
  });

  it('fails closed: a privacy stage that throws leaves no processed image behind', async () => {
    const storage = new LocalStorageDriver({ dataDir: mkdtempSync(join(tmpdir(), 'worker-')) });
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await storage.put(payload.original_key, png, { contentType: 'image/png' });
    const broken = { process: () => Promise.reject(new Error('face detector failed')) } as unknown as ImagePipeline;
    await expect(processorWith(storage, broken).process(payload)).rejects.toThrow('face detector failed');
    expect(await storage.exists(`processed/${JOB}.png`)).toBe(false);
    expect(await storage.exists(`metadata/${JOB}.json`)).toBe(false);
  });

  it('lets storage outages through as retryable errors', async () => {
    const down = { getBuffer: () => Promise.reject(new Error('connect ECONNREFUSED')) } as unknown as StorageDriver;
    const error = await processorWith(down)
      .process(payload)
      .catch((err) => err);
    expect(error).not.toBeInstanceOf(PermanentJobError);
    expect(error).not.toBeInstanceOf(ObjectNotFoundError);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
