// One private Redis and one s3rver for the whole integration run; each suite takes its own
// Redis database and bucket prefix, so suites never see each other's jobs.
import { ensurePhotos } from '../../../../tools/assets/fetch-photos.mjs';
import { startRedis, startS3rver } from '../../../../tools/testing/services.mjs';

export default async function globalSetup() {
  const photos = await ensurePhotos();
  const redis = await startRedis();
  const s3 = await startS3rver({ bucket: 'pipeline-e2e' });
  globalThis.__PIPELINE_E2E_SERVICES__ = { redis, s3 };
  process.env.E2E_REDIS_PORT = String(redis.port);
  process.env.E2E_S3_ENDPOINT = s3.endpoint;
  process.env.E2E_S3_BUCKET = s3.bucket;
  process.env.E2E_PHOTOS = photos.join(',');
}
