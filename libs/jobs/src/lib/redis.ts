import Redis, { RedisOptions } from 'ioredis';
import { RedisConfig } from '@imgpipe/config';

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
 * Reconnect delay of every client: short and bounded, so a client is back within a second of its
 * primary (Bull's own default grows to 20 s, longer than the whole failover).
 */
export function reconnectDelayMs(times: number): number {
  return Math.min(times * 100, 1000);
}

/**
 * How ioredis reaches the primary: at the URL, or wherever the sentinels say it is now. With
 * sentinels the client subscribes to their +switch-master and moves at once, and a client
 * that finds its server demoted (READONLY on a write) reconnects, asks again and resends.
 */
export function redisConnectionOptions(redis: RedisConfig): RedisOptions {
  const common: RedisOptions = {
    retryStrategy: reconnectDelayMs,
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
    ...(redis.password ? { password: redis.password } : {}),
  };
  if (redis.mode === 'url') return { ...parseRedisUrl(redis.url), ...common };
  return {
    sentinels: redis.sentinels,
    name: redis.name,
    ...(redis.sentinelPassword ? { sentinelPassword: redis.sentinelPassword } : {}),
    failoverDetector: true,
    ...common,
  };
}

/**
 * redis:// and rediss:// URLs as ioredis options. Bull's own URL parsing drops the scheme, so a
 * rediss:// URL handed to it connected without TLS. Query parameters are options, as ioredis
 * reads them (`?family=6` for an IPv6-only host), numbers as numbers.
 */
export function parseRedisUrl(text: string): RedisOptions {
  const url = new URL(text);
  const db = url.pathname.replace(/^\//, '');
  const query = [...url.searchParams].map(([key, value]) => [key, /^\d+$/.test(value) ? Number(value) : value]);
  return {
    ...Object.fromEntries(query),
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 6379,
    ...(db ? { db: Number(db) } : {}),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: { servername: url.hostname } } : {}),
  };
}

/**
 * A client that fails fast while Redis is down (no offline queue, one retry per command),
 * so requests get a quick 503, and reconnects on its own once Redis is back.
 */
export function createStatusRedis(redis: RedisConfig, extra: RedisOptions = {}): Redis {
  const client = new Redis({
    ...redisConnectionOptions(redis),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    ...extra,
  });
  // Errors surface per command; an unhandled 'error' event would only spam the log while reconnecting.
  client.on('error', () => undefined);
  return client;
}

/** host:port of the server a client is connected to (the primary, with sentinels); null when not connected. */
export function connectedAddress(client: Redis): string | null {
  const socket = client.stream;
  if (client.status !== 'ready' || !socket?.remoteAddress) return null;
  const host = socket.remoteAddress.includes(':') ? `[${socket.remoteAddress}]` : socket.remoteAddress;
  return `${host}:${socket.remotePort}`;
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
  return (
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|enableOfflineQueue|Connection is closed|Stream isn't writeable|max retries|connect|sentinels are unreachable/i.test(
      message,
    ) || UNAVAILABLE_REPLIES.test(message)
  );
}

/**
 * Redis's own refusals while it cannot take writes: during a failover a demoted primary answers
 * READONLY, a just-promoted one NOREPLICAS until a replica has attached (min-replicas-to-write),
 * a replica still loading its data LOADING. Each passes in seconds: a 503, not a 500.
 */
const UNAVAILABLE_REPLIES = /^(READONLY|NOREPLICAS|LOADING|MASTERDOWN|TRYAGAIN)\b/;
