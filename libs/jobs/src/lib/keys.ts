/** Redis keys of everything this lib stores beside Bull's own. */
export function redisKeys(prefix: string) {
  return {
    job: (jobId: string) => `${prefix}:job:${jobId}`,
    batch: (batchId: string) => `${prefix}:batch:${batchId}`,
    /** Tombstone of an erased job: while it exists, nothing of the job may be written again. */
    erased: (jobId: string) => `${prefix}:erased:${jobId}`,
    /** Originals due for deletion (ORIGINALS_RETENTION_HOURS): members `{format}:{job_id}`, scored by due time (ms). */
    originalsDue: `${prefix}:originals:due`,
    counter: (name: 'submitted' | 'completed' | 'failed') => `${prefix}:stats:${name}`,
    completions: `${prefix}:stats:completions`,
    processingMs: `${prefix}:stats:processing_ms`,
    endToEndMs: `${prefix}:stats:e2e_ms`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
