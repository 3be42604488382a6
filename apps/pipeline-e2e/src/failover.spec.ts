import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import sharp from 'sharp';
import { UploadAccepted } from '@imgpipe/contracts';
import { Stack, freePort, sleep, waitUntil } from './support/stack';

// Redis with Sentinel on loopback: 1 primary, 2 replicas, 3 sentinels; the api and 2 workers
// reach it through the sentinels. Uploads arrive at 20/s for 30 s and the primary is killed at
// second 10. Every upload answered 202 must end completed exactly once; every other answer must
// be a quick 503.

const MASTER = 'mymaster';
const RATE_PER_S = 20;
const UPLOAD_S = 30;
const KILL_AT_S = 10;

interface Node {
  port: number;
  proc: ChildProcess;
}

describe('Redis failover under load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-e2e-sentinel-'));
  const nodes: Node[] = [];
  const sentinels: Node[] = [];
  let stack: Stack;
  let image: Buffer;

  const startNode = async (port: number, primaryPort?: number): Promise<Node> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--dir', dir, '--dbfilename', `dump-${port}.rdb`);
    // A primary without a replica in sync refuses writes: what the Kubernetes component sets too.
    args.push('--min-replicas-to-write', '1', '--min-replicas-max-lag', '10');
    args.push('--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0');
    if (primaryPort) args.push('--replicaof', '127.0.0.1', String(primaryPort));
    const node = { port, proc: spawn('redis-server', args, { stdio: 'ignore' }) };
    await waitUntil(() => ping(port), 10_000, `redis-server on ${port}`);
    return node;
  };

  const startSentinel = async (port: number, primaryPort: number): Promise<Node> => {
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${MASTER} 1000`,
        `sentinel failover-timeout ${MASTER} 4000`,
        `sentinel parallel-syncs ${MASTER} 2`,
        '',
      ].join('\n'),
    );
    const node = { port, proc: spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }) };
    await waitUntil(() => ping(port), 10_000, `sentinel on ${port}`);
    return node;
  };

  beforeAll(async () => {
    // A small plain image: the models still run on every job, but find nothing to search further,
    // so 600 uploads finish in seconds, not minutes, on a small machine.
    image = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#8a9' } })
      .jpeg()
      .toBuffer();
    const ports = await distinctFreePorts(6);
    nodes.push(await startNode(ports[0]));
    nodes.push(await startNode(ports[1], ports[0]), await startNode(ports[2], ports[0]));
    await waitUntil(async () => (await info(ports[0], 'replication')).includes('connected_slaves:2'), 15_000);
    for (const port of ports.slice(3)) sentinels.push(await startSentinel(port, ports[0]));
    // Each sentinel has found the other two and both replicas: a failover can be agreed on.
    await waitUntil(
      async () => {
        const seen = await Promise.all(sentinels.map((s) => sentinelSays(s.port, ['SENTINEL', 'MASTER', MASTER])));
        return seen.every(
          (fields) => field(fields, 'num-other-sentinels') === '2' && field(fields, 'num-slaves') === '2',
        );
      },
      20_000,
      'sentinels discovering each other',
    );
    stack = await Stack.start({
      storage: 'local',
      redisDb: 0,
      redisUrl: null,
      workers: 2,
      env: {
        REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
        REDIS_SENTINEL_NAME: MASTER,
        // The test is about failover, not admission: accept all 600 uploads.
        MAX_QUEUE_SIZE: '10000',
        LATENCY_TARGET_S: '3600',
        WORKER_CONCURRENCY: '2',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    for (const node of [...sentinels, ...nodes]) node.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every accepted upload through the loss of the primary, and refuses the rest quickly', async () => {
    const [oldPrimary] = nodes;
    const accepted: string[] = [];
    const refused: { status: number; ms: number; body: string }[] = [];
    const hung: string[] = [];
    const health: { at: number; status: string; body: string }[] = [];
    const started = Date.now();
    let killedAt = 0;

    const upload = async () => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(image)]), 'small.jpg');
      const sent = Date.now();
      try {
        const res = await fetch(`${stack.baseUrl}/upload`, {
          method: 'POST',
          body: form,
          signal: AbortSignal.timeout(10_000),
        });
        const body = await res.text();
        if (res.status === 202) accepted.push((JSON.parse(body) as UploadAccepted).job_id);
        else refused.push({ status: res.status, ms: Date.now() - sent, body });
      } catch (err) {
        hung.push((err as Error).message);
      }
    };
    let watching = true;
    const watchHealth = (async () => {
      while (watching) {
        const res = await fetch(`${stack.baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
        const body = await res.text();
        health.push({ at: Date.now(), status: (JSON.parse(body) as { status: string }).status, body });
        await sleep(200);
      }
    })();

    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < RATE_PER_S * UPLOAD_S; i++) {
      const due = started + (i * 1000) / RATE_PER_S;
      await sleep(Math.max(0, due - Date.now()));
      if (!killedAt && Date.now() - started >= KILL_AT_S * 1000) {
        oldPrimary.proc.kill('SIGKILL');
        killedAt = Date.now();
      }
      inFlight.push(upload());
    }
    await Promise.all(inFlight);
    watching = false;
    await watchHealth;

    // Refusals are quick 503s, nothing else, and no request hung.
    expect(hung).toEqual([]);
    const apiLog = (body: string) => {
      const errorId = /error id ([0-9a-f-]+)/.exec(body)?.[1];
      return errorId ? stack.api.output.filter((line) => line.includes(errorId)) : [];
    };
    expect(refused.filter((r) => r.status !== 503).map((r) => ({ ...r, log: apiLog(r.body) }))).toEqual([]);
    expect(refused.filter((r) => r.ms >= 3000)).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(RATE_PER_S * UPLOAD_S * 0.5);

    // /health said degraded during the failover, naming no host, and is ok again.
    const degraded = health.filter((h) => h.status === 'degraded');
    expect(degraded.length).toBeGreaterThan(0);
    for (const h of degraded) expect(h.body).not.toMatch(/127\.0\.0\.1|:\d{4,5}/);
    await waitUntil(async () => (await stack.getJson('/health')).status === 'ok', 20_000, '/health ok again');

    // The api and the workers follow the new primary without a restart.
    const [host, port] = await sentinelSays(sentinels[0].port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER]);
    const newPrimary = `${host}:${port}`;
    expect(newPrimary).not.toBe(`127.0.0.1:${oldPrimary.port}`);
    expect((await stack.getJson('/queue-status')).redis_primary).toBe(newPrimary);
    for (const app of [stack.api, ...stack.workers]) expect(app.proc.exitCode).toBeNull();

    // Every 202 ends completed, once: one processed image, one metadata file, counted once.
    await waitUntil(
      async () => (await stack.getJson('/stats')).completed >= accepted.length,
      180_000,
      'every accepted job completed',
    ).catch(async (err: Error) => {
      const [stats, queue] = [await stack.getJson('/stats'), await stack.getJson('/queue-status')];
      throw new Error(
        `${err.message}: ${accepted.length} accepted, /stats ${JSON.stringify(stats)}, /queue-status ${JSON.stringify(queue)}`,
      );
    });
    for (const id of accepted) expect((await stack.getJson(`/status/${id}`)).status).toBe('completed');
    const dataDir = stack.env['DATA_DIR'];
    expect(readdirSync(join(dataDir, 'processed')).sort()).toEqual(accepted.map((id) => `${id}.jpg`).sort());
    expect(readdirSync(join(dataDir, 'metadata')).sort()).toEqual(accepted.map((id) => `${id}.json`).sort());
    const stats = await stack.getJson('/stats');
    expect(stats.completed).toBe(accepted.length);

    // Failover time and reconnects in metrics and logs, for the api and each worker.
    const failover: Record<string, number> = {};
    for (const app of [stack.api, ...stack.workers]) {
      const base = app === stack.api ? stack.baseUrl : `http://127.0.0.1:${app.port}`;
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metricValue(metrics, 'pipeline_redis_primary_changes_total', 'queue')).toBeGreaterThanOrEqual(1);
      expect(metricValue(metrics, 'pipeline_redis_reconnects_total', 'queue')).toBeGreaterThanOrEqual(1);
      const outage = metricValue(metrics, 'pipeline_redis_outage_seconds_sum', 'queue');
      expect(outage).toBeGreaterThan(0);
      failover[app.name] = outage;
      expect(app.output.join('\n')).toMatch(/redis primary changed/);
    }
    process.stdout.write(
      `failover: ${accepted.length} accepted, ${refused.length} refused (503, slowest ${Math.max(...refused.map((r) => r.ms))} ms); ` +
        `processing p50 ${stats.processing_time_seconds.p50} s; ` +
        `503 reasons ${JSON.stringify(refusalReasons(stack.api.output))}; ` +
        `jobs completed twice (counted once) ${stack.workers.flatMap((w) => w.output).filter((l) => /completed again/.test(l)).length}; ` +
        `outage seen by ${Object.entries(failover)
          .map(([name, s]) => `${name} ${s.toFixed(2)} s`)
          .join(', ')}; primary ${oldPrimary.port} -> ${newPrimary}\n`,
    );

    // The old primary comes back as a replica of the new one, and nothing runs twice.
    const completedBefore = await finishedCounts(stack);
    nodes[0] = await startNode(oldPrimary.port);
    await waitUntil(
      async () => {
        const replication = await info(oldPrimary.port, 'replication');
        return replication.includes('role:slave') && replication.includes('master_link_status:up');
      },
      30_000,
      'the old primary rejoining as a replica',
    );
    expect(await info(oldPrimary.port, 'replication')).toContain(`master_port:${port}`);
    await sleep(2000);
    expect(await finishedCounts(stack)).toEqual(completedBefore);
    expect((await stack.getJson('/stats')).completed).toBe(accepted.length);
    expect(await stack.getJson('/queue-status')).toMatchObject({ waiting: 0, active: 0, redis_primary: newPrimary });
  }, 300_000);
});

/** What the api logged as the reason of each 503, by its first word (NOREPLICAS, connection, ...). */
function refusalReasons(log: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of log) {
    const reason = /redis unavailable: ([A-Za-z]+)/.exec(line)?.[1];
    if (reason && line.includes('dependency unavailable')) counts[reason] = (counts[reason] ?? 0) + 1;
  }
  return counts;
}

/** Each worker's count of jobs it finished as completed (the metric), to see that none ran again. */
async function finishedCounts(stack: Stack): Promise<number[]> {
  return Promise.all(
    stack.workers.map(async (w) => {
      const text = await (await fetch(`http://127.0.0.1:${w.port}/metrics`)).text();
      return metricValue(text, 'pipeline_jobs_finished_total', 'completed');
    }),
  );
}

function metricValue(text: string, name: string, label: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`"${label}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function withClient<T>(port: number, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

const ping = (port: number) => withClient(port, async (r) => (await r.ping()) === 'PONG').catch(() => false);
const info = (port: number, section: string) => withClient(port, (r) => r.info(section)).catch(() => '');
const sentinelSays = (port: number, args: string[]) =>
  withClient(port, (r) => r.call(args[0], ...args.slice(1)) as Promise<string[]>).catch(() => [] as string[]);

function field(fields: string[], name: string): string | undefined {
  const i = fields.indexOf(name);
  return i >= 0 ? fields[i + 1] : undefined;
}
