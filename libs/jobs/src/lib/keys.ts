/** Redis keys of everything this lib stores beside Bull's own. */
export function redisKeys(prefix: string) {
  return {
    job: (jobId: string) => `${prefix}:job:${jobId}`,
    batch: (batchId: string) => `${prefix}:batch:${batchId}`,
    counter: (name: 'submitted' | 'completed' | 'failed') => `${prefix}:stats:${name}`,
    completions: `${prefix}:stats:completions`,
    processingMs: `${prefix}:stats:processing_ms`,
    endToEndMs: `${prefix}:stats:e2e_ms`,
    /** `client` and `key` are hashed by the caller: never raw client input in a key name. */
    idempotency: (hash: string) => `${prefix}:idempotency:${hash}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
