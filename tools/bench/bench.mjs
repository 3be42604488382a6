#!/usr/bin/env node
// `npm run bench`: end-to-end throughput of the whole local stack against what this machine can
// do. In one run it (1) processes the N images in-process with the CLI, one process per core,
// every process taking its next image from one shared queue the bench hands out: the limit;
// (2) starts Redis, the api and the workers, uploads the same N images over HTTP as fast as the
// service accepts them (a 429 or 503 waits for Retry-After), and waits for every job.
// Images that fail count in neither rate nor latency: they are printed as
// `limit_failed=<n> e2e_failed=<m>`, then the last line:
// e2e_ips=<x> limit_ips=<y> ratio=<x/y> p95_latency_s=<z>.
//
// The photo set is pinned: by default the 12 photos of BENCH_PHOTOS, each fetched and checked
// against its sha256 (six 1920 px group portraits, six 0.2-1.5 MP street, car and still-life
// photos), repeated in order up to N. --images <dir> must hold at least as many distinct images;
// the bench refuses to run on fewer, whose figures could not be compared.
//
// Options: --images <dir>, --count N (default 500, the burst the p95 target is set for),
// --workers W (worker processes, default: cores), --concurrency C (jobs per worker and per CLI
// process, default 1: onnxruntime runs on each process's main thread, so a second job mostly
// waits for it), --onnx-threads T (onnxruntime intra-op threads per process, default 1),
// --clients K (uploads in flight at once, default 8: K uploaders, each sending its next image as
// soon as the api has answered its previous one), --s3 (s3rver instead of local storage),
// --profile <dir> (a V8 CPU profile of every api, worker and CLI process, for Chrome DevTools).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensurePhotos } from '../assets/fetch-photos.mjs';
import { ensureTestImages } from '../assets/fetch-test-images.mjs';
import { ensureModels } from '../models/fetch-models.mjs';
import { findFreePort, startRedis, startS3rver } from '../testing/services.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLI_MAIN = join(ROOT, 'dist/apps/cli/main.js');
const CONTRACTS_MAIN = join(ROOT, 'dist/libs/contracts/src/index.js');

/** Besides the six portraits of fetch-photos.mjs, by name from test-images.json. */
const BENCH_TEST_IMAGES = [
  'street-cars-la.jpg',
  'road-cars-la.jpg',
  'street-town.jpg',
  'bus-london.jpg',
  'coffee.png',
  'horses.jpg',
];
const BENCH_PHOTOS = 6 + BENCH_TEST_IMAGES.length;

function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      images: { type: 'string' },
      count: { type: 'string', default: '500' },
      workers: { type: 'string' },
      concurrency: { type: 'string', default: '1' },
      clients: { type: 'string', default: '8' },
      'onnx-threads': { type: 'string', default: '1' },
      s3: { type: 'boolean', default: false },
      profile: { type: 'string' },
    },
  });
  const int = (name, fallback) => {
    const n = Number(values[name] ?? fallback);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const cores = availableParallelism();
  return {
    images: values.images,
    count: int('count'),
    workers: int('workers', cores),
    concurrency: int('concurrency'),
    clients: int('clients'),
    onnxThreads: int('onnx-threads'),
    s3: values.s3,
    profile: values.profile,
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

/**
 * The one percentile definition, from the contracts lib that main() builds first: a plain script
 * cannot import the TypeScript source, so it reads the build.
 */
const percentile = (values, p) => createRequire(import.meta.url)(CONTRACTS_MAIN).percentile(values, p);

/**
 * One CLI process per core, each asking the bench for its next image over IPC whenever one of its
 * jobs is free, so no process idles while another still has a backlog. The clock starts once
 * every process has loaded its models and asked for work (the workers, too, are timed after
 * start-up) and stops when the last image is done.
 */
function limitRun(files, o, scratch) {
  return new Promise((resolveRun, rejectRun) => {
    const processes = [];
    const held = [];
    let next = 0;
    let done = 0;
    let failed = 0;
    let started = 0;
    let finished = 0;
    const give = (entry) => {
      if (next < files.length) {
        const index = next++;
        entry.child.send({ type: 'image', index, path: files[index] });
      } else {
        entry.ended = true;
        entry.child.send({ type: 'end' });
      }
    };
    for (let i = 0; i < o.cores; i++) {
      const child = spawn(
        process.execPath,
        [
          ...nodeFlags,
          CLI_MAIN,
          'process',
          '--inputs-from-parent',
          '--output',
          join(scratch, `limit-${i}`),
          '--concurrency',
          String(o.concurrency),
        ],
        {
          cwd: ROOT,
          env: { ...process.env, ONNX_THREADS: String(o.onnxThreads) },
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        },
      );
      const entry = { child, output: '', asked: false, ended: false };
      processes.push(entry);
      child.stdout.on('data', (c) => (entry.output = (entry.output + c).slice(-4000)));
      child.stderr.on('data', (c) => (entry.output = (entry.output + c).slice(-4000)));
      child.on('message', (message) => {
        if (message.type === 'done') {
          done += 1;
          if (!message.ok) failed += 1;
          if (done === files.length) finished = performance.now();
        } else if (message.type === 'want' && started) {
          give(entry);
        } else if (message.type === 'want') {
          entry.asked = true;
          held.push(entry);
          if (processes.length === o.cores && processes.every((p) => p.asked)) {
            started = performance.now();
            held.splice(0).forEach(give);
          }
        }
      });
      child.on('exit', () => {
        if (!entry.ended) {
          for (const p of processes) p.child.kill();
          rejectRun(new Error(`a CLI process of the limit run stopped before the last image:\n${entry.output}`));
        } else if (processes.every((p) => p.child.exitCode !== null || p.child.signalCode !== null)) {
          const seconds = (finished - started) / 1000;
          resolveRun({ ips: (files.length - failed) / seconds, failed });
        }
      });
    }
  });
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
    // Its own Redis, whatever the shell says: sentinel settings meant for a deployment would clash.
    REDIS_SENTINELS: '',
    REDIS_SENTINEL_NAME: '',
    REDIS_SENTINEL_PASSWORD: '',
    REDIS_PASSWORD: '',
    REDIS_MIN_REPLICAS_ACK: '',
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
  // A failed job is no image delivered: it counts in neither the rate nor the latencies.
  let finished = 0;
  const latencies = [];
  let failed = 0;
  for (const id of jobs) {
    const status = await (await fetch(`${base}/status/${id}`)).json();
    if (status.status !== 'completed') {
      failed += 1;
      continue;
    }
    latencies.push(status.updated_at - status.created_at);
    finished = Math.max(finished, status.updated_at * 1000);
  }
  const cpu = apps.map((a) => ({ name: a.name, cpu: cpuSeconds(a.child.pid) - cpuBefore.get(a.name) }));
  cpu.push({ name: 'redis', cpu: cpuSeconds(redis.pid) - redisCpuBefore });
  for (const a of apps) a.child.kill('SIGTERM');
  await Promise.all(apps.map((a) => new Promise((r) => (a.child.exitCode !== null ? r() : a.child.once('exit', r)))));
  await s3?.stop();
  await redis.stop();
  if (latencies.length === 0) throw new Error(`none of the ${jobs.length} uploads completed`);
  return {
    ips: latencies.length / ((finished - started) / 1000),
    uploadSeconds: (uploaded - started) / 1000,
    wallSeconds: (finished - started) / 1000,
    failed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    max: Math.max(...latencies),
    cpu,
  };
}

/** The pinned default set: the six portraits and BENCH_TEST_IMAGES, fetched and checked by sha256. */
async function benchPhotos() {
  const photos = [...(await ensurePhotos()), ...Object.values(await ensureTestImages(BENCH_TEST_IMAGES))];
  if (photos.length !== BENCH_PHOTOS)
    throw new Error(`the pinned set has ${photos.length} photos, not ${BENCH_PHOTOS}`);
  return photos;
}

function listImages(dir) {
  const images = readdirSync(dir)
    .filter((n) => ['.jpg', '.jpeg', '.png', '.webp'].includes(extname(n).toLowerCase()))
    .sort()
    .map((n) => join(dir, n));
  if (images.length < BENCH_PHOTOS) {
    throw new Error(
      `${dir} holds ${images.length} images; the bench needs at least ${BENCH_PHOTOS} distinct photos, as many as its default set, or its figures cannot be compared`,
    );
  }
  return images;
}

async function main() {
  const o = options(process.argv.slice(2));
  if (o.profile) nodeFlags = ['--cpu-prof', `--cpu-prof-dir=${resolve(o.profile)}`];
  await ensureModels();
  const distinct = o.images ? listImages(resolve(o.images)) : await benchPhotos();
  const files = Array.from({ length: o.count }, (_, i) => distinct[i % distinct.length]);
  process.stderr.write('building api, worker, cli and contracts...\n');
  await run(
    'npx',
    ['--no', 'nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', 'cli', 'contracts', '--output-style=static'],
    {
      NX_DAEMON: 'false',
    },
  );

  const scratch = mkdtempSync(join(tmpdir(), 'imgpipe-bench-'));
  try {
    process.stderr.write(`limit: ${o.count} images through the CLI on ${o.cores} cores, from one queue...\n`);
    const limit = await limitRun(files, o, scratch);
    const limitIps = limit.ips;
    process.stderr.write(
      `end to end: ${o.count} uploads, ${o.workers} worker(s) x ${o.concurrency} jobs, ${o.clients} uploads in flight${o.s3 ? ', s3rver' : ''}...\n`,
    );
    const e2e = await e2eRun(files, o, scratch);
    const ratio = e2e.ips / limitIps;
    console.log(`images: ${o.count} (${distinct.length} distinct from ${dirname(distinct[0])}), cores: ${o.cores}`);
    console.log(`limit (CLI, ${o.cores} processes)      ${limitIps.toFixed(2)} images/s  (failed ${limit.failed})`);
    console.log(
      `end to end (HTTP, ${o.workers} workers)     ${e2e.ips.toFixed(2)} images/s  (uploads took ${e2e.uploadSeconds.toFixed(1)} s, all done at ${e2e.wallSeconds.toFixed(1)} s, failed ${e2e.failed})`,
    );
    console.log(`latency s: p50 ${e2e.p50.toFixed(2)}  p95 ${e2e.p95.toFixed(2)}  max ${e2e.max.toFixed(2)}`);
    console.log(`cpu s: ${e2e.cpu.map((c) => `${c.name} ${c.cpu.toFixed(1)}`).join(', ')}`);
    console.log(`limit_failed=${limit.failed} e2e_failed=${e2e.failed}`);
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
