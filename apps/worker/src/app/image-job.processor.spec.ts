import { register } from 'prom-client';
import { loadConfig } from '@imgpipe/config';
import { ProcessImagePayload } from '@imgpipe/contracts';
import { ImageJobConsumer, PermanentJobError } from '@imgpipe/jobs';
import { ImagePipeline } from '@imgpipe/inference';
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

function processorWith(storage: StorageDriver): ImageJobProcessor {
  const config = loadConfig({ WORKER_ID: 'test-worker' });
  const pipeline = new ImagePipeline({ jpegQuality: 80, maxPixels: config.maxImagePixels });
  return new ImageJobProcessor({} as ImageJobConsumer, pipeline, storage, config, new PipelineMetrics());
}

describe('ImageJobProcessor', () => {
  afterEach(() => register.resetMetrics());

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
      blur_metadata: { state: 'not_run', regions: [] },
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
