import type { HealthView } from '@imgpipe/contracts';

/**
 * The supervisor's /health from its processes' answers: `ok` when every process is ready and each
 * finds Redis and storage answering; `degraded` when every process answered and those not ok are
 * degraded (a Sentinel failover under way), as a single worker says; else `unavailable`.
 */
export function combineHealth(answers: unknown[], processes: { ready: number; total: number }): HealthView {
  const views = (answers as Partial<HealthView>[]).filter((a): a is HealthView => a?.status !== undefined);
  const down = (dependency: 'redis' | 'storage') =>
    views.length === 0 || views.some((v) => v.dependencies[dependency] !== 'up');
  const errors: Record<string, string> = Object.assign({}, ...views.map((v) => v.errors ?? {}));
  if (processes.ready < processes.total)
    errors['processes'] = `${processes.ready} of ${processes.total} worker processes ready`;
  if (views.length < answers.length)
    errors['processes'] = `${answers.length - views.length} worker processes did not answer`;
  const ok = Object.keys(errors).length === 0 && views.every((v) => v.status === 'ok');
  const degraded =
    !ok &&
    errors['processes'] === undefined &&
    views.length > 0 &&
    views.every((v) => v.status === 'ok' || v.status === 'degraded');
  return {
    status: ok ? 'ok' : degraded ? 'degraded' : 'unavailable',
    dependencies: { redis: down('redis') ? 'down' : 'up', storage: down('storage') ? 'down' : 'up' },
    ...(ok ? {} : { errors }),
  };
}
