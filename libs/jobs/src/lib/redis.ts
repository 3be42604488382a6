import Redis, { RedisOptions } from 'ioredis';

/** How long any one Redis operation may take before the caller is told Redis is unavailable. */
export const REDIS_TIMEOUT_MS = 2000;

/** Injection token of the ioredis client used for job status, batches and statistics. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Thrown when Redis does not answer: the api turns it into a 503 instead of hanging. */
export class RedisUnavailableError extends Error {
  constructor(reason: string) {
    super(`redis unavailable: ${reason}`);
    this.name = 'RedisUnavailableError';
  }
}

/**
 * A client that fails fast while Redis is down (no offline queue, one retry per command),
 * so requests get a quick 503, and reconnects on its own once Redis is back.
 */
export function createStatusRedis(url: string, extra: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
  // Errors surface per command; an unhandled 'error' event would only spam the log while reconnecting.
  client.on('error', () => undefined);
  return client;
}

/** Rejects with {@link RedisUnavailableError} when `work` takes longer than `ms`. */
export async function withRedisTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // Timers run before I/O in each turn of the event loop: when the process was starved of CPU
    // past the deadline, Redis's answer may already be waiting. Giving up one turn later lets it be
    // read first, so a busy api does not report a healthy Redis as down.
    timer = setTimeout(
      () => setImmediate(() => reject(new RedisUnavailableError(`${what} timed out after ${ms} ms`))),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (err) {
    if (err instanceof RedisUnavailableError) throw err;
    if (isConnectionError(err)) throw new RedisUnavailableError((err as Error).message);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function isConnectionError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|enableOfflineQueue|Connection is closed|Stream isn't writeable|max retries|connect/i.test(
    message,
  );
}
