#!/usr/bin/env node
// `npm run bench`: end-to-end throughput of the whole local stack against what this machine can
// do. In one run it (1) processes the N images in-process with the CLI, one process per core:
// the limit; (2) starts Redis, the api and the workers, uploads the same N images over HTTP as
// fast as the service accepts them (a 429 waits for Retry-After), and waits for every job.
// It prints a table and one line: e2e_ips=<x> limit_ips=<y> ratio=<x/y> p95_latency_s=<z>.
//
// Options: --images <dir> (default: the test photos), --count N (default 500, the burst the p95 target is set for), --workers W
// (worker processes, default: cores), --concurrency C (jobs per worker, default 1: onnxruntime
// runs on each process's main thread, so a second job mostly waits for it),
// --onnx-threads T (onnxruntime intra-op threads per process, default 1),
// --clients K (parallel uploaders, default 8), --s3 (s3rver instead of local storage),
// --profile <dir> (a V8 CPU profile of every api, worker and CLI process, for Chrome DevTools).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePhotos, PHOTOS_DIR } from '../assets/fetch-photos.mjs';
import { ensureModels } from '../models/fetch-models.mjs';
import { findFreePort, startRedis, startS3rver } from '../testing/services.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function options(argv) {
  const get = (name, fallback) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const int = (name, fallback) => {
    const n = Number(get(name, fallback));
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const cores = availableParallelism();
  return {
    images: get('images', undefined),
    count: int('count', 500),
    workers: int('workers', cores),
    concurrency: int('concurrency', 1),
    clients: int('clients', 8),
    onnxThreads: int('onnx-threads', 1),
    s3: argv.includes('--s3'),
    profile: get('profile', undefined),
    cores,
  };
}

function run(cmd, args, env = {}) {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('exit', (code) =>
      code === 0 ? done(output) : fail(new Error(`${cmd} ${args.join(' ')} failed:\n${output}`)),
    );
  });
}

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Node flags of every measured process: a CPU profile each when --profile is given. */
let nodeFlags = [];

function startApp(name, main, env) {
  const child = spawn(process.execPath, [...nodeFlags, main], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (c) => (errors = (errors + c).slice(-4000)));
  return { name, child, errors: () => errors };
}

async function waitHealthy(url) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${url} never became healthy`);
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function limitRun(files, o, scratch) {
  // The CLI path on every core: one process per core, each with its share of the images.
  const shares = Array.from({ length: o.cores }, (_, i) => files.filter((_, j) => j % o.cores === i));
  // Timed by each process from after its models are loaded (its summary line), as the workers
  // are timed from after start-up: the limit is processing, not start-up.
  const outputs = await Promise.all(
    shares.map((share, i) =>
      run(
        process.execPath,
        [
          ...nodeFlags,
          join(ROOT, 'dist/apps/cli/main.js'),
          'process',
          '--input',
          ...share,
          '--output',
          join(scratch, `limit-${i}`),
          '--concurrency',
          String(o.concurrency),
        ],
        { ONNX_THREADS: String(o.onnxThreads) },
      ),
    ),
  );
  const seconds = outputs.map((out) => {
    const match = /images\/s \(([\d.]+) s\)/.exec(out);
    if (!match) throw new Error(`the CLI printed no summary:\n${out}`);
    return Number(match[1]);
  });
  return files.length / Math.max(...seconds);
}

async function e2eRun(files, o, scratch) {
  const redis = await startRedis();
  const s3 = o.s3 ? await startS3rver({ bucket: 'bench' }) : null;
  const storageEnv = s3
    ? {
        S3_BUCKET: s3.bucket,
        S3_ENDPOINT: s3.endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
      }
    : { DATA_DIR: join(scratch, 'data') };
  const port = await findFreePort();
  const env = {
    ...storageEnv,
    REDIS_URL: redis.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    WORKER_CONCURRENCY: String(o.concurrency),
    ONNX_THREADS: String(o.onnxThreads),
    MAX_QUEUE_SIZE: String(Math.max(1000, o.count)),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const apps = [startApp('api', join(ROOT, 'dist/apps/api/main.js'), env)];
  for (let i = 0; i < o.workers; i++) {
    const workerPort = await findFreePort();
    apps.push(
      startApp(`worker-${i}`, join(ROOT, 'dist/apps/worker/main.js'), {
        ...env,
        WORKER_PORT: String(workerPort),
        WORKER_ID: `bench-${i}`,
      }),
    );
    await waitHealthy(`http://127.0.0.1:${workerPort}/health`);
  }
  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(`${base}/health`);
  const cpuBefore = new Map(apps.map((a) => [a.name, cpuSeconds(a.child.pid)]));
  const redisCpuBefore = cpuSeconds(redis.pid);

  const bodies = files.map((f) => ({ name: basename(f), bytes: readFileSync(f) }));
  const jobs = [];
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: o.clients }, async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        for (;;) {
          const form = new FormData();
          form.append('file', new Blob([bodies[i].bytes]), bodies[i].name);
          const res = await fetch(`${base}/upload`, { method: 'POST', body: form });
          if (res.status === 202) {
            jobs.push((await res.json()).job_id);
            break;
          }
          if (res.status !== 429 && res.status !== 503)
            throw new Error(`upload answered ${res.status}: ${await res.text()}`);
          await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
        }
      }
    }),
  );
  const uploaded = Date.now();
  // Polled slowly, so the bench's own requests cost the service little; the finishing time is read
  // from the jobs' records, not from when the poll noticed.
  for (;;) {
    const stats = await (await fetch(`${base}/stats`)).json();
    if (stats.completed + stats.failed >= jobs.length) break;
    await sleep(500);
  }
  let finished = 0;
  const latencies = [];
  let failed = 0;
  for (const id of jobs) {
    const status = await (await fetch(`${base}/status/${id}`)).json();
    if (status.status !== 'completed') failed += 1;
    latencies.push(status.updated_at - status.created_at);
    finished = Math.max(finished, status.updated_at * 1000);
  }
  const cpu = apps.map((a) => ({ name: a.name, cpu: cpuSeconds(a.child.pid) - cpuBefore.get(a.name) }));
  cpu.push({ name: 'redis', cpu: cpuSeconds(redis.pid) - redisCpuBefore });
  for (const a of apps) a.child.kill('SIGTERM');
  await Promise.all(apps.map((a) => new Promise((r) => (a.child.exitCode !== null ? r() : a.child.once('exit', r)))));
  await s3?.stop();
  await redis.stop();
  return {
    ips: jobs.length / ((finished - started) / 1000),
    uploadSeconds: (uploaded - started) / 1000,
    wallSeconds: (finished - started) / 1000,
    failed,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    max: Math.max(...latencies),
    cpu,
  };
}

async function main() {
  const o = options(process.argv.slice(2));
  if (o.profile) nodeFlags = ['--cpu-prof', `--cpu-prof-dir=${resolve(o.profile)}`];
  await ensureModels();
  if (!o.images) await ensurePhotos();
  const dir = resolve(o.images ?? PHOTOS_DIR);
  const distinct = readdirSync(dir)
    .filter((n) => ['.jpg', '.jpeg', '.png', '.webp'].includes(extname(n).toLowerCase()))
    .sort()
    .map((n) => join(dir, n));
  if (distinct.length === 0) throw new Error(`no images in ${dir}`);
  const files = Array.from({ length: o.count }, (_, i) => distinct[i % distinct.length]);
  process.stderr.write('building api, worker and cli...\n');
  await run('npx', ['--no', 'nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', 'cli', '--output-style=static'], {
    NX_DAEMON: 'false',
  });

  const scratch = mkdtempSync(join(tmpdir(), 'imgpipe-bench-'));
  try {
    process.stderr.write(`limit: ${o.count} images through the CLI on ${o.cores} cores...\n`);
    const limitIps = await limitRun(files, o, scratch);
    process.stderr.write(
      `end to end: ${o.count} uploads, ${o.workers} worker(s) x ${o.concurrency} jobs, ${o.clients} clients${o.s3 ? ', s3rver' : ''}...\n`,
    );
    const e2e = await e2eRun(files, o, scratch);
    const ratio = e2e.ips / limitIps;
    console.log(`images: ${o.count} (${distinct.length} distinct from ${dir}), cores: ${o.cores}`);
    console.log(`limit (CLI, ${o.cores} processes)      ${limitIps.toFixed(2)} images/s`);
    console.log(
      `end to end (HTTP, ${o.workers} workers)     ${e2e.ips.toFixed(2)} images/s  (uploads took ${e2e.uploadSeconds.toFixed(1)} s, all done at ${e2e.wallSeconds.toFixed(1)} s, failed ${e2e.failed})`,
    );
    console.log(`latency s: p50 ${e2e.p50.toFixed(2)}  p95 ${e2e.p95.toFixed(2)}  max ${e2e.max.toFixed(2)}`);
    console.log(`cpu s: ${e2e.cpu.map((c) => `${c.name} ${c.cpu.toFixed(1)}`).join(', ')}`);
    console.log(
      `e2e_ips=${e2e.ips.toFixed(2)} limit_ips=${limitIps.toFixed(2)} ratio=${ratio.toFixed(3)} p95_latency_s=${e2e.p95.toFixed(2)}`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
