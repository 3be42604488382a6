/** Redis keys of everything this lib stores beside Bull's own. */
export function redisKeys(prefix: string) {
  return {
    job: (jobId: string) => `${prefix}:job:${jobId}`,
    batch: (batchId: string) => `${prefix}:batch:${batchId}`,
    counter: (name: 'submitted' | 'completed' | 'failed') => `${prefix}:stats:${name}`,
    completions: `${prefix}:stats:completions`,
    processingMs: `${prefix}:stats:processing_ms`,
    endToEndMs: `${prefix}:stats:e2e_ms`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
