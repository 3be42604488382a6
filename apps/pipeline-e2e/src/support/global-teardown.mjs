export default async function globalTeardown() {
  const services = globalThis.__PIPELINE_E2E_SERVICES__;
  if (!services) return;
  await services.s3.stop();
  await services.redis.stop();
}
