#!/usr/bin/env node
// `npm run load`: the k6 test's load shape (load-test.js) from Node, against a running stack
// (`npm start`, docker compose, a port-forwarded cluster). Uploads arrive at a rate ramping up
// to --rate images/s; an answer of 429 is counted, not retried. It stops uploading after --count
// images or --duration seconds, whichever comes first, waits for the accepted jobs within the
// same --duration, and prints:
//   accepted, 429s (queue full / rate limited), upload errors, completed, failed, unfinished,
//   p50/p95 end-to-end latency (each job's created_at to updated_at), images/s
// and exits 1 when the error ratio passes --max-error-ratio or nothing completed.
//
//   npm run load -- --url http://127.0.0.1:8000 --count 300 --rate 30 --duration 120
// Options: --images DIR|FILE,... (default: the test photos, fetched once), --ramp S (seconds to
// reach --rate, default 10), --max-in-flight N (default 64), --p95-max S (fail above it).
// With AUTH_JWT_SECRET set it signs HS256 tokens (scopes images:write images:read) for 8
// subjects in turn, so a per-subject rate limit sees 8 clients; or pass IMGPIPE_TOKEN.
// No dependencies beyond Node 20, so it also runs in a bare node container.

import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);
const LIMITS = { count: 100_000, duration: 3600, rate: 1000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function parseOptions(argv, env = process.env) {
  const get = (name) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
    return value;
  };
  const number = (name, fallback, min, max) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return n;
  };
  const known = new Set([
    'url',
    'count',
    'rate',
    'ramp',
    'duration',
    'images',
    'max-in-flight',
    'max-error-ratio',
    'p95-max',
  ]);
  for (const arg of argv) {
    if (arg.startsWith('--') && !known.has(arg.slice(2))) throw new Error(`unknown option ${arg}`);
  }
  const url = (get('url') ?? env['BASE_URL'] ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new Error(`--url must be an http(s) URL (got "${url}")`);
  return {
    url,
    count: Math.round(number('count', 200, 1, LIMITS.count)),
    rate: number('rate', 20, 0.1, LIMITS.rate),
    ramp: number('ramp', 10, 0, 600),
    duration: number('duration', 120, 1, LIMITS.duration),
    images: get('images'),
    maxInFlight: Math.round(number('max-in-flight', 64, 1, 1024)),
    maxErrorRatio: number('max-error-ratio', 0.01, 0, 1),
    p95Max: number('p95-max', Infinity, 0, 86_400),
    secret: env['AUTH_JWT_SECRET'] || undefined,
    token: env['IMGPIPE_TOKEN'] || undefined,
    issuer: env['AUTH_JWT_ISSUER'] || undefined,
    audience: env['AUTH_JWT_AUDIENCE'] || undefined,
  };
}

/** Images uploaded in turn: the files named, or every image in a folder. */
export function listImages(spec) {
  const paths = spec.split(',').flatMap((entry) => {
    const path = resolve(entry.trim());
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path)
      .filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase()))
      .sort()
      .map((name) => join(path, name));
  });
  if (paths.length === 0) throw new Error(`no JPEG, PNG or WebP images in ${spec}`);
  return paths.map((path) => ({ name: basename(path), bytes: readFileSync(path) }));
}

const base64url = (value) => Buffer.from(value).toString('base64url');

/** An HS256 token as the api verifies it with AUTH_JWT_SECRET. */
export function signToken(secret, { subject, issuer, audience, lifetimeSeconds = 3600 }) {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({
      sub: subject,
      scope: 'images:write images:read',
      iat: now,
      exp: now + lifetimeSeconds,
      ...(issuer && { iss: issuer }),
      ...(audience && { aud: audience }),
    }),
  );
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Uploads due by `elapsed` seconds: the rate climbs linearly from 1/s to `rate` over `ramp` s. */
export function arrivalsBy(elapsed, { rate, ramp }) {
  const start = Math.min(1, rate);
  if (elapsed <= ramp) return start * elapsed + ((rate - start) * elapsed * elapsed) / (2 * ramp || 1);
  return (start + rate) * (ramp / 2) + rate * (elapsed - ramp);
}

/**
 * The nearest-rank percentile of @imgpipe/contracts (q from 0 to 1), copied because this script runs
 * alone in a bare node container; libs/contracts/src/lib/percentiles.spec.ts holds the two to one definition.
 */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export async function runLoad(o, images, log = (line) => process.stderr.write(`${line}\n`)) {
  const tokens = o.token
    ? [o.token]
    : o.secret
      ? Array.from({ length: 8 }, (_, i) =>
          signToken(o.secret, { subject: `load-test-${i + 1}`, issuer: o.issuer, audience: o.audience }),
        )
      : [];
  let turn = 0;
  const headers = () => (tokens.length ? { authorization: `Bearer ${tokens[turn++ % tokens.length]}` } : {});
  const deadline = Date.now() + o.duration * 1000;
  const result = {
    sent: 0,
    accepted: 0,
    queueFull: 0,
    rateLimited: 0,
    uploadErrors: 0,
    completed: 0,
    failed: 0,
    unfinished: 0,
    latencies: [],
    errors: new Map(),
    seconds: 0,
  };
  const noteError = (what) => result.errors.set(what, (result.errors.get(what) ?? 0) + 1);
  const pending = new Map();

  async function upload(image) {
    const form = new FormData();
    form.append('file', new Blob([image.bytes]), image.name);
    try {
      const res = await fetch(`${o.url}/upload`, {
        method: 'POST',
        body: form,
        headers: headers(),
        signal: AbortSignal.timeout(30_000),
      });
      const body = await res.json().catch(() => ({}));
      if (res.status === 202) {
        result.accepted += 1;
        pending.set(body.job_id, true);
      } else if (res.status === 429) {
        if (body.code === 'queue_full') result.queueFull += 1;
        else result.rateLimited += 1;
      } else {
        result.uploadErrors += 1;
        noteError(`upload ${res.status} ${body.code ?? ''}`.trim());
      }
    } catch (err) {
      result.uploadErrors += 1;
      noteError(`upload ${err.name}`);
    }
  }

  const started = Date.now();
  let lastCompletion = started;
  const inFlight = new Set();
  while (result.sent < o.count && Date.now() < deadline) {
    const due = Math.min(o.count, Math.floor(arrivalsBy((Date.now() - started) / 1000, o)) + 1);
    while (result.sent < due && inFlight.size < o.maxInFlight) {
      const p = upload(images[result.sent % images.length]).finally(() => inFlight.delete(p));
      inFlight.add(p);
      result.sent += 1;
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  log(`uploaded ${result.sent} in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for ${pending.size} jobs`);

  // Each pending job is asked about at most once a second, a few at a time, so the polling
  // stays small next to the uploads (it counts against the same per-client rate limit).
  while (pending.size > 0 && Date.now() < deadline) {
    const round = Date.now();
    const ids = [...pending.keys()];
    for (let i = 0; i < ids.length && Date.now() < deadline; i += 8) {
      await Promise.all(
        ids.slice(i, i + 8).map(async (id) => {
          try {
            const res = await fetch(`${o.url}/status/${id}`, {
              headers: headers(),
              signal: AbortSignal.timeout(10_000),
            });
            if (res.status !== 200) return;
            const status = await res.json();
            if (status.status !== 'completed' && status.status !== 'failed') return;
            pending.delete(id);
            lastCompletion = Date.now();
            if (status.status === 'completed') {
              result.completed += 1;
              result.latencies.push(status.updated_at - status.created_at);
            } else {
              result.failed += 1;
              noteError(`job failed: ${status.error ?? 'no reason given'}`);
            }
          } catch {
            // asked again next round
          }
        }),
      );
    }
    await sleep(Math.max(0, 1000 - (Date.now() - round)));
  }
  result.unfinished = pending.size;
  result.seconds = (lastCompletion - started) / 1000;
  return result;
}

export function summarize(o, r) {
  const p50 = quantile(r.latencies, 0.5);
  const p95 = quantile(r.latencies, 0.95);
  const ips = r.seconds > 0 ? r.completed / r.seconds : 0;
  const errors = r.uploadErrors + r.failed + r.unfinished;
  const errorRatio = r.sent > 0 ? errors / r.sent : 0;
  const problems = [];
  if (r.completed === 0) problems.push('no job completed');
  if (errorRatio > o.maxErrorRatio)
    problems.push(`error ratio ${errorRatio.toFixed(3)} above --max-error-ratio ${o.maxErrorRatio}`);
  if (p95 > o.p95Max) problems.push(`p95 latency ${p95.toFixed(2)} s above --p95-max ${o.p95Max}`);
  const fmt = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
  const lines = [
    `target        ${o.url} (${r.sent} uploads sent, peak ${o.rate}/s)`,
    `accepted      ${r.accepted}`,
    `429s          ${r.queueFull + r.rateLimited} (queue full ${r.queueFull}, rate limited ${r.rateLimited})`,
    `upload errors ${r.uploadErrors}`,
    `completed     ${r.completed}`,
    `failed        ${r.failed}`,
    `unfinished    ${r.unfinished}`,
    `latency s     p50 ${fmt(p50)}  p95 ${fmt(p95)}  (upload accepted to job finished)`,
    `images/s      ${fmt(ips)}  (completed / ${r.seconds.toFixed(1)} s from first upload to last completion)`,
    ...[...r.errors].map(([what, n]) => `  ${n} x ${what}`),
    `load accepted=${r.accepted} rejected_429=${r.queueFull + r.rateLimited} completed=${r.completed} failed=${r.failed} ` +
      `p50_s=${fmt(p50)} p95_s=${fmt(p95)} images_per_s=${fmt(ips)}`,
  ];
  return { lines, problems };
}

async function main() {
  const o = parseOptions(process.argv.slice(2));
  let spec = o.images;
  if (!spec) {
    // Only here: the photo fetcher lives in the repository, and the options above must not need it.
    const { ensurePhotos, PHOTOS_DIR } = await import('../assets/fetch-photos.mjs');
    await ensurePhotos();
    spec = PHOTOS_DIR;
  }
  const images = listImages(spec);
  const health = await fetch(`${o.url}/health`, { signal: AbortSignal.timeout(5000) }).catch((err) => err);
  if (!(health instanceof Response) || health.status !== 200) {
    throw new Error(
      `${o.url}/health does not answer 200; start a stack first (npm start, or docker compose -f deploy/compose/docker-compose.yml up)`,
    );
  }
  process.stderr.write(
    `load: ${o.count} uploads at most, ramping to ${o.rate}/s over ${o.ramp} s, ${o.duration} s at most, ${images.length} distinct images\n`,
  );
  const { lines, problems } = summarize(o, await runLoad(o, images));
  for (const line of lines) console.log(line);
  for (const problem of problems) console.error(`FAILED: ${problem}`);
  process.exitCode = problems.length ? 1 : 0;
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (invokedDirectly) {
  main().catch((err) => {
    console.error(err.message);
    process.exitCode = 2;
  });
}
