#!/usr/bin/env node
// `npm start`: builds the api and worker apps and runs the whole local stack in the
// foreground: a private Redis (unless REDIS_URL or REDIS_SENTINELS says where one is), the API and NUM_WORKERS
// worker apps, with every child's output prefixed by its name. Ctrl-C or SIGTERM stops the
// apps first (workers finish in-flight jobs, which needs Redis), then Redis.
//
// Each worker app runs as production does: a supervisor with one process per core
// (WORKER_PROCESSES, the cores shared out among NUM_WORKERS apps), one job and one onnxruntime
// thread each. The supervisor restarts a process that dies, and the job it held is taken over
// once its lock expires (JOB_LOCK_MS, shortened here so that takes seconds, not a minute).
// The launcher stops everything only on its own signal or when the api, Redis or a supervisor
// itself exits: a supervisor exits when a process fails to start, which every restart would
// repeat (a model that does not verify), so the stack stops with that error instead.
//
// Settings are read the way the apps read them (libs/config): an empty variable counts as
// unset, and PIPELINE_CONFIG's num_workers / redis_url apply when the variable is unset.
// WORKER_PROCESSES, WORKER_CONCURRENCY, ONNX_THREADS and JOB_LOCK_MS, when set, are passed on
// as they are.

import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeExit, spawnChild } from '../testing/processes.mjs';
import { startRedis } from '../testing/services.mjs';
import { ensureModels } from '../models/fetch-models.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const APPS = { api: 'dist/apps/api/main.js', worker: 'dist/apps/worker/main.js' };
const APP_STOP_TIMEOUT_MS = 30_000;
const HEALTH_TIMEOUT_MS = 60_000;
const DEFAULT_REDIS_PORT = 6379;
// A killed process's job is taken over between JOB_LOCK_MS * 3/4 and JOB_LOCK_MS * 3/2 after it
// died (the lock's last renewal, then the next stalled-job check). onnxruntime holds a process's
// event loop for well under a second at a time, so 15 s still renews every lock on time.
const LOCAL_JOB_LOCK_MS = 15_000;

const say = (message) => process.stderr.write(`[start] ${message}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const setting = (name) => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};

function integer(name, raw, min, max) {
  const text = String(raw).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

function readPipelineConfig() {
  const path = setting('PIPELINE_CONFIG');
  if (!path) return {};
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`PIPELINE_CONFIG: cannot read ${path}: ${err.message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`PIPELINE_CONFIG: ${path} must hold a JSON object`);
  }
  return parsed;
}

function readSettings() {
  const file = readPipelineConfig();
  const port = integer('PORT', setting('PORT') ?? 8000, 1, 65535);
  const workerPort = integer('WORKER_PORT', setting('WORKER_PORT') ?? 9100, 1, 65535);
  const numWorkersRaw = setting('NUM_WORKERS') ?? file.num_workers ?? 1;
  const numWorkers = integer(
    setting('NUM_WORKERS') ? 'NUM_WORKERS' : 'PIPELINE_CONFIG num_workers',
    numWorkersRaw,
    1,
    64,
  );
  if (workerPort + numWorkers - 1 > 65535)
    throw new Error(`WORKER_PORT ${workerPort} leaves no room for ${numWorkers} workers`);
  const workerId = setting('WORKER_ID');
  const workers = Array.from({ length: numWorkers }, (_, i) => ({
    name: `worker-${i}`,
    port: workerPort + i,
    // A fixed WORKER_ID shared by several workers would merge their metrics and job ownership.
    id: workerId ? (numWorkers === 1 ? workerId : `${workerId}-${i}`) : `local-${i}`,
  }));
  const redisUrl =
    setting('REDIS_URL') ?? (typeof file.redis_url === 'string' && file.redis_url ? file.redis_url : undefined);
  const layout = {
    WORKER_PROCESSES:
      setting('WORKER_PROCESSES') ?? String(Math.max(1, Math.floor(availableParallelism() / numWorkers))),
    WORKER_CONCURRENCY: setting('WORKER_CONCURRENCY') ?? '1',
    ONNX_THREADS: setting('ONNX_THREADS') ?? '1',
    JOB_LOCK_MS: setting('JOB_LOCK_MS') ?? String(LOCAL_JOB_LOCK_MS),
  };
  const redisSentinels = setting('REDIS_SENTINELS');
  return { port, workers, layout, redisUrl, redisSentinels, host: setting('HOST') ?? '0.0.0.0' };
}

function isPortFree(port, host) {
  return new Promise((resolvePromise) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolvePromise(true)));
  });
}

// Checked before the build so a busy port fails in a second, not after a minute of compiling.
async function checkPorts({ port, workers, host }) {
  if (!(await isPortFree(port, host))) throw new Error(`port ${port} (api) is already in use; set PORT to a free port`);
  for (const w of workers) {
    if (!(await isPortFree(w.port, host))) {
      throw new Error(`port ${w.port} (${w.name} metrics) is already in use; set WORKER_PORT to a free base port`);
    }
  }
}

let stopping = false;
let buildChild = null;
let redis = null;
const apps = [];

async function shutdown(code, reason) {
  if (stopping) return;
  stopping = true;
  if (reason) say(reason);

  if (buildChild?.running) await buildChild.stop({ timeoutMs: 10_000 });

  const alive = apps.filter((a) => a.proc.running);
  if (alive.length > 0) say(`stopping ${alive.map((a) => a.name).join(', ')} (up to ${APP_STOP_TIMEOUT_MS / 1000} s)`);
  // A worker supervisor alone gets the signal: it passes it on to each of its processes, and a
  // second SIGTERM from the group would kill a process that is still finishing its job.
  const results = await Promise.all(
    alive.map(async (a) => ({
      name: a.name,
      ...(await a.proc.stop({ timeoutMs: APP_STOP_TIMEOUT_MS, group: !a.supervisor })),
    })),
  );
  for (const r of results) {
    if (r.forced) say(`${r.name} did not stop within ${APP_STOP_TIMEOUT_MS / 1000} s; killed it`);
    else if (r.code !== 0) say(`${r.name} stopped with ${describeExit(r)}`);
  }
  // Let the last log lines through before exiting.
  await Promise.race([Promise.all(apps.map((a) => a.proc.closed)), sleep(1000)]);

  if (redis) {
    await redis.stop();
    say('stopped Redis');
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  // npm forwards the signal it got from the terminal, so one Ctrl-C can arrive twice: later ones are ignored.
  process.on(signal, () => {
    if (!stopping) shutdown(0, `${signal} received; stopping`);
  });
}

function prefixed(name) {
  return (line, stream) => (stream === 'stderr' ? process.stderr : process.stdout).write(`[${name}] ${line}\n`);
}

// The build runs in its own process group like the apps: npx does not pass SIGTERM on to
// nx, so stopping the group is the only way to be sure no nx or webpack process outlives us.
async function build() {
  say('building api and worker');
  buildChild = spawnChild('npx', ['--no', 'nx', 'run-many', '-t', 'build', '-p', 'api', 'worker'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NX_DAEMON: 'false',
      // Its stdin is not a terminal any more, so the interactive UI has nothing to drive it.
      NX_TUI: 'false',
      ...(process.stdout.isTTY && process.env.NO_COLOR === undefined
        ? { FORCE_COLOR: process.env.FORCE_COLOR ?? '1' }
        : {}),
    },
    onLine: prefixed('build'),
    orphanGraceMs: 10_000,
  });
  const info = await buildChild.exited;
  await Promise.race([buildChild.closed, sleep(1000)]);
  return info.code === 0 ? { ok: true } : { ok: false, detail: describeExit(info) };
}

function startApp(name, script, env, { supervisor = false } = {}) {
  const proc = spawnChild(process.execPath, [join(ROOT, script)], {
    cwd: ROOT,
    env,
    onLine: prefixed(name),
    orphanGraceMs: APP_STOP_TIMEOUT_MS,
  });
  apps.push({ name, proc, supervisor });
  proc.exited.then((info) => {
    if (!stopping) shutdown(1, `${name} exited unexpectedly (${describeExit(info)}); stopping the rest`);
  });
}

async function waitForHealth(port) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (!stopping && Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      // 503 with a body is a live API reporting a dependency problem: up, but worth showing.
      if (res.status === 200 || (res.status === 503 && body.trim())) return { status: res.status, body: body.trim() };
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  return null;
}

function banner(settings, health) {
  const { port, workers, layout } = settings;
  const rows = [
    ['API', `http://localhost:${port}`],
    ['API docs', `http://localhost:${port}/docs`],
    ['API metrics', `http://localhost:${port}/metrics`],
    ...workers.map((w) => [
      `${w.name} metrics`,
      `http://localhost:${w.port}/metrics (${layout.WORKER_PROCESSES} processes x ${layout.WORKER_CONCURRENCY} jobs)`,
    ]),
    [
      'Redis',
      redis
        ? `${redis.url} (private; stops with this process)`
        : (settings.redisUrl ?? `through the sentinels ${settings.redisSentinels}`),
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const lines = [
    '',
    health.status === 200
      ? 'Local stack is up.'
      : `Local stack is up, but /health answers 503: ${health.body.slice(0, 300)}`,
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}${value}`),
    '',
    'Try:',
    `  curl -X POST "http://localhost:${port}/upload" -H "accept: application/json" -H "Content-Type: multipart/form-data" -F "file=@test-image.jpg"`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

async function main() {
  const settings = readSettings();
  await checkPorts(settings);

  const built = await build();
  if (stopping) return;
  if (!built.ok) return shutdown(1, `build failed (${built.detail})`);
  for (const [name, script] of Object.entries(APPS)) {
    if (!existsSync(join(ROOT, script))) return shutdown(1, `build finished but ${script} (${name}) is missing`);
  }
  // Workers refuse to start without verified models; fetch (and convert) them first when missing.
  try {
    const modelsDir = setting('MODELS_DIR') ? resolve(setting('MODELS_DIR')) : undefined;
    const models = await ensureModels({ modelsDir });
    say(`models ready: ${Object.keys(models).join(', ')}`);
  } catch (err) {
    return shutdown(1, `cannot prepare the models: ${err.message}`);
  }
  if (stopping) return;

  let redisUrl = settings.redisUrl;
  if (settings.redisSentinels) {
    // The apps validate the pair themselves (REDIS_URL and REDIS_SENTINELS together is a problem).
    say(`using Redis through the sentinels at ${settings.redisSentinels}`);
  } else if (redisUrl) {
    say(`using Redis at ${redisUrl}`);
  } else {
    const port = (await isPortFree(DEFAULT_REDIS_PORT, '127.0.0.1')) ? DEFAULT_REDIS_PORT : undefined;
    redis = await startRedis({ port, onLine: (line) => process.stdout.write(`[redis] ${line}\n`) });
    if (stopping) return;
    redisUrl = redis.url;
    say(`started a private Redis at ${redisUrl}`);
    redis.exited.then((info) => {
      if (!stopping) shutdown(1, `redis-server exited unexpectedly (${describeExit(info)}); stopping the rest`);
    });
  }

  const baseEnv = {
    ...process.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
    PORT: String(settings.port),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
  startApp('api', APPS.api, baseEnv);
  for (const w of settings.workers) {
    startApp(
      w.name,
      APPS.worker,
      { ...baseEnv, ...settings.layout, WORKER_PORT: String(w.port), WORKER_ID: w.id },
      { supervisor: Number(settings.layout.WORKER_PROCESSES) > 1 },
    );
  }

  const health = await waitForHealth(settings.port);
  if (stopping) return;
  if (!health) return shutdown(1, `api did not answer GET /health within ${HEALTH_TIMEOUT_MS / 1000} s; stopping`);
  banner(settings, health);
}

main().catch((err) => shutdown(1, err.message));
