// One private Redis and one s3rver for the whole integration run; each suite takes its own
// Redis database, so suites never see each other's jobs. Models and photos are fetched once.
import { dirname } from 'node:path';
import { ensurePhotos } from '../../../../tools/assets/fetch-photos.mjs';
import { ensureModels } from '../../../../tools/models/fetch-models.mjs';
import { startRedis, startS3rver } from '../../../../tools/testing/services.mjs';
import { ensurePromtool } from '../../../../tools/testing/debian-tools.mjs';

export default async function globalSetup() {
  const photos = await ensurePhotos();
  const models = await ensureModels();
  process.env.PROMTOOL = await ensurePromtool();
  const redis = await startRedis();
  const s3 = await startS3rver({ bucket: 'pipeline-e2e' });
  globalThis.__PIPELINE_E2E_SERVICES__ = { redis, s3 };
  process.env.E2E_REDIS_PORT = String(redis.port);
  process.env.E2E_S3_ENDPOINT = s3.endpoint;
  process.env.E2E_S3_BUCKET = s3.bucket;
  process.env.E2E_PHOTOS = photos.join(',');
  process.env.E2E_MODELS_DIR = dirname(Object.values(models)[0]);
}
