import { RedisConfig } from './pipeline-config';

export const DEFAULT_SENTINEL_NAME = 'mymaster';

/**
 * Where Redis is: one URL (REDIS_URL, or redis_url in PIPELINE_CONFIG), or the sentinels that name
 * the current primary (REDIS_SENTINELS, REDIS_SENTINEL_NAME). Setting both is a problem: a
 * deployment that half-moved to sentinels would otherwise write to whichever one won.
 */
export function readRedis(
  str: (name: string, fallback?: string) => string | undefined,
  fileUrl: string | undefined,
  problems: string[],
): RedisConfig {
  const password = str('REDIS_PASSWORD');
  const sentinelText = str('REDIS_SENTINELS');
  if (sentinelText === undefined) {
    for (const name of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD'])
      if (str(name) !== undefined) problems.push(`${name} needs REDIS_SENTINELS`);
    const url = str('REDIS_URL', fileUrl ?? 'redis://localhost:6379') as string;
    if (!/^rediss?:\/\/[^\s]+$/.test(url))
      problems.push(`REDIS_URL must be a redis:// or rediss:// URL (got "${withoutPassword(url)}")`);
    else if (password && /^rediss?:\/\/[^@/]*:[^@/]*@/.test(url))
      problems.push('REDIS_PASSWORD and a password in REDIS_URL: set the password in one place');
    return { mode: 'url', url, ...(password ? { password } : {}) };
  }
  if (str('REDIS_URL') !== undefined || fileUrl)
    problems.push('REDIS_URL (or redis_url in PIPELINE_CONFIG) and REDIS_SENTINELS are both set: set one');
  const sentinels: { host: string; port: number }[] = [];
  for (const item of sentinelText.split(',').map((s) => s.trim())) {
    const address = parseAddress(item);
    if (address) sentinels.push(address);
    else problems.push(`REDIS_SENTINELS must list host:port addresses, port 1-65535 (got "${item}")`);
  }
  const name = str('REDIS_SENTINEL_NAME', DEFAULT_SENTINEL_NAME) as string;
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    problems.push(`REDIS_SENTINEL_NAME must be a sentinel master name such as mymaster (got "${name}")`);
  const sentinelPassword = str('REDIS_SENTINEL_PASSWORD');
  return {
    mode: 'sentinel',
    sentinels,
    name,
    ...(password ? { password } : {}),
    ...(sentinelPassword ? { sentinelPassword } : {}),
  };
}

/** `host:port`, or `[v6-address]:port`; null for anything else. */
function parseAddress(item: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(item);
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  return { host: match[1] ?? match[2], port };
}

/** A URL as it may be printed: a password in it (redis://:secret@host, or user:secret@) becomes `***`. */
export function withoutPassword(url: string): string {
  return url.replace(/^([^@/]*\/\/)?([^:@/]*):[^@/]*@/, (_, scheme = '', user) => `${scheme}${user}:***@`);
}
