import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import Bull from 'bull';
import { SignJWT } from 'jose';
import { onnx } from 'onnx-proto';
import {
  BatchAccepted,
  IMAGE_CONTENT_TYPES,
  JobName,
  QUEUE_NAME,
  UploadAccepted,
  createProcessImagePayload,
  processImageJobOptions,
  storageKeys,
} from '@imgpipe/contracts';
import { API_MAIN, Stack, WORKER_MAIN, freePort, photos, sleep, terminate } from './support/stack';

const SECRET = 'integration-secret-integration-secret-0123456789';

/** A token from `npm run token`, the way an operator mints one. */
async function bearer(scope: string, sub = 'e2e-client'): Promise<Record<string, string>> {
  const token = execFileSync(
    process.execPath,
    [resolve(__dirname, '../../../tools/auth/mint-token.mjs'), '--sub', sub, '--scope', scope, '--ttl', '300'],
    { env: { ...process.env, AUTH_JWT_SECRET: SECRET }, encoding: 'utf8' },
  ).trim();
  return { authorization: `Bearer ${token}` };
}

function signed(secret: string, expiresAt: number): Promise<string> {
  return new SignJWT({ sub: 'x', scope: 'images:write' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
}

function originalsIn(stack: Stack): string[] {
  if (stack.storageOptions.driver !== 'local') throw new Error('local storage expected');
  try {
    return readdirSync(`${stack.storageOptions.dataDir}/original`);
  } catch {
    return [];
  }
}

describe('JWT authentication', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ storage: 'local', redisDb: 11, env: { AUTH_JWT_SECRET: SECRET } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps /health and /metrics open', async () => {
    expect((await stack.get('/health')).status).toBe(200);
    expect((await stack.get('/metrics')).status).toBe(200);
  });

  it('refuses every protected route without a valid token, with the error shape and nothing stored', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await signed(SECRET, now - 60);
    const forged = await signed(`${SECRET}-other`, now + 300);
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic dXNlcjpwdw==' },
      { authorization: `Bearer ${expired}` },
      { authorization: `Bearer ${forged}` },
    ];
    for (const headers of attempts) {
      const res = await stack.upload(photos()[0], undefined, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.json()).toEqual({ statusCode: 401, code: 'unauthorized', message: expect.any(String) });
    }
    const job = '0b7c3e2a-5d4f-4a1b-9c8d-7e6f5a4b3c2d';
    for (const path of ['/stats', '/queue-status', `/status/${job}`, `/results/${job}/processed`, `/batch/${job}`]) {
      const res = await stack.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
    }
    expect(originalsIn(stack)).toEqual([]);
  });

  it('needs images:write to upload and images:read to read, and originals:read for the unblurred original', async () => {
    const readOnly = await bearer('images:read');
    const refused = await stack.upload(photos()[0], undefined, readOnly);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ statusCode: 403, code: 'insufficient_scope' });
    expect(originalsIn(stack)).toEqual([]);

    const writer = await bearer('images:write images:read');
    const accepted = await stack.upload(photos()[0], undefined, writer);
    expect(accepted.status).toBe(202);
    const { job_id } = (await accepted.json()) as UploadAccepted;
    stack.defaultHeaders = readOnly;
    expect((await stack.waitFor(job_id)).status).toBe('completed');
    expect((await stack.get(`/results/${job_id}/processed`)).status).toBe(200);
    expect((await stack.get('/stats')).status).toBe(200);

    const original = await stack.get(`/results/${job_id}/original`);
    expect(original.status).toBe(403);
    expect(await original.json()).toMatchObject({ code: 'insufficient_scope' });
    const withScope = await stack.get(`/results/${job_id}/original`, await bearer('images:read originals:read'));
    expect(withScope.status).toBe(200);
    expect(Buffer.from(await withScope.arrayBuffer()).equals(readFileSync(photos()[0]))).toBe(true);
  });

  it('shows a client only its own jobs and batches, unless its token holds images:read-all', async () => {
    const alice = await bearer('images:write images:read', 'alice');
    const upload = await stack.upload(photos()[2], undefined, alice);
    const { job_id } = (await upload.json()) as UploadAccepted;
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(readFileSync(photos()[3]))]), 'b.jpg');
    const batch = await fetch(`${stack.baseUrl}/batch-upload`, { method: 'POST', body: form, headers: alice });
    const { batch_id } = (await batch.json()) as BatchAccepted;
    stack.defaultHeaders = alice;
    expect((await stack.waitFor(job_id)).status).toBe('completed');

    const paths = [
      `/status/${job_id}`,
      `/results/${job_id}/processed`,
      `/results/${job_id}/metadata`,
      `/batch/${batch_id}`,
    ];
    const bob = await bearer('images:read', 'bob');
    const operator = await bearer('images:read images:read-all', 'operator');
    for (const path of paths) {
      const asBob = await stack.get(path, bob);
      // Another client's job answers as if it did not exist.
      expect({ path, status: asBob.status }).toEqual({ path, status: 404 });
      expect({ path, status: (await stack.get(path, alice)).status }).toEqual({ path, status: 200 });
      expect({ path, status: (await stack.get(path, operator)).status }).toEqual({ path, status: 200 });
    }
  });

  it('sends security headers and no CORS headers unless configured', async () => {
    const res = await stack.get('/health', { origin: 'https://elsewhere.example' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('per-client rate limit', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({
      storage: 'local',
      redisDb: 12,
      workers: 0,
      env: { AUTH_JWT_SECRET: SECRET, RATE_LIMIT_PER_MINUTE: '5' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 429 with Retry-After to the client over its budget, and only to that client', async () => {
    const busy = await bearer('images:read', 'busy-client');
    for (let i = 0; i < 5; i++) expect((await stack.get('/queue-status', busy)).status).toBe(200);
    const limited = await stack.get('/queue-status', busy);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ statusCode: 429, code: 'rate_limited' });

    expect((await stack.get('/queue-status', await bearer('images:read', 'quiet-client'))).status).toBe(200);
    expect((await stack.get('/health')).status).toBe(200);
    const metrics = await (await stack.get('/metrics')).text();
    expect(metrics).toMatch(/pipeline_requests_refused_total\{[^}]*reason="rate_limited"[^}]*\} 1/);
  });
});

describe('CORS and originals by configuration', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({
      storage: 'local',
      redisDb: 13,
      env: { CORS_ORIGINS: 'https://review.example', SERVE_ORIGINALS: 'false' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers preflights for the configured origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.baseUrl}/upload`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('https://review.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://review.example');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization/i);
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('does not serve unblurred originals when SERVE_ORIGINALS=false, and still serves results', async () => {
    const { job_id } = (await (await stack.upload(photos()[1])).json()) as UploadAccepted;
    expect((await stack.waitFor(job_id)).status).toBe('completed');
    const original = await stack.get(`/results/${job_id}/original`);
    expect(original.status).toBe(403);
    expect(await original.json()).toMatchObject({ code: 'originals_not_served' });
    expect((await stack.get(`/results/${job_id}/processed`)).status).toBe(200);
    expect(originalsIn(stack)).toEqual([`${job_id}.jpg`]);
  });
});

describe('Idempotency-Key', () => {
  let stack: Stack;
  beforeAll(async () => {
    // No worker: every job stays waiting, so the queue counts exactly the jobs created.
    stack = await Stack.start({ storage: 'local', redisDb: 14, workers: 0 });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('returns the first job for a retry with the same key and bytes, and 409 for other bytes', async () => {
    const key = { 'idempotency-key': 'upload-7f3a' };
    const first = await stack.upload(photos()[0], undefined, key);
    expect(first.status).toBe(202);
    const accepted = (await first.json()) as UploadAccepted;
    const retried = await Promise.all([1, 2, 3].map(() => stack.upload(photos()[0], undefined, key)));
    for (const res of retried) {
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual(accepted);
    }
    const other = await stack.upload(photos()[1], undefined, key);
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ statusCode: 409, code: 'idempotency_key_reused' });
    expect(await stack.getJson('/queue-status')).toMatchObject({ waiting: 1 });
    expect(originalsIn(stack)).toEqual([`${accepted.job_id}.jpg`]);
  });

  it('creates one job when the same key arrives twice at once', async () => {
    const key = { 'idempotency-key': 'concurrent-1' };
    const results = await Promise.all([
      stack.upload(photos()[2], undefined, key),
      stack.upload(photos()[2], undefined, key),
    ]);
    const bodies = (await Promise.all(results.map((r) => r.json()))) as { job_id?: string; code?: string }[];
    const jobIds = new Set(bodies.filter((b) => b.job_id).map((b) => b.job_id));
    expect(jobIds.size).toBe(1);
    for (const [i, res] of results.entries()) {
      // The loser either waited for the winner's response or was told to retry.
      if (res.status === 409) expect(bodies[i]).toMatchObject({ code: 'idempotency_key_in_progress' });
      else expect(res.status).toBe(202);
    }
    expect(await stack.getJson('/queue-status')).toMatchObject({ waiting: 2 });
  });

  it('frees the key of a refused request, and refuses malformed keys', async () => {
    const key = { 'idempotency-key': 'retry-after-bad-file' };
    expect((await stack.uploadBytes(Buffer.from('not an image'), 'a.jpg', 'file', key)).status).toBe(415);
    expect((await stack.upload(photos()[3], undefined, key)).status).toBe(202);
    const malformed = await stack.upload(photos()[3], undefined, { 'idempotency-key': 'has spaces in it' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'invalid_idempotency_key' });
  });

  it('replays a batch upload too', async () => {
    const send = () => {
      const form = new FormData();
      for (const photo of photos().slice(4, 6)) form.append('files', new Blob([readFileSync(photo)]), 'p.jpg');
      return fetch(`${stack.baseUrl}/batch-upload`, {
        method: 'POST',
        body: form,
        headers: { 'idempotency-key': 'batch-1' },
      });
    };
    const first = (await (await send()).json()) as BatchAccepted;
    const again = await send();
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(first);
  });
});

/** Uploads one photo with the form field `policy`. */
function uploadWithPolicy(stack: Stack, policy: unknown): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(readFileSync(photos()[0]))]), 'a.jpg');
  form.append('policy', JSON.stringify(policy));
  return fetch(`${stack.baseUrl}/upload`, { method: 'POST', body: form });
}

describe('operator limits on per-upload policies', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({
      storage: 'local',
      redisDb: 1,
      env: { QUEUE_PREFIX: 'limits', REDIS_KEY_PREFIX: 'limits' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses a policy beyond each limit with 400 naming the limit and its variable, storing and enqueuing nothing', async () => {
    const beyond: [unknown, string][] = [
      [
        { thresholds: { face: 0.95 } },
        "thresholds.face 0.95 is above the operator's limit 0.75 (POLICY_MAX_FACE_THRESHOLD)",
      ],
      [
        { thresholds: { plate: 0.9 } },
        "thresholds.plate 0.9 is above the operator's limit 0.6 (POLICY_MAX_PLATE_THRESHOLD)",
      ],
      [{ min_box_size: 64 }, "min_box_size 64 is above the operator's limit 4 (POLICY_MAX_MIN_BOX_SIZE)"],
      [{ strength: 0.5 }, "strength 0.5 is below the operator's limit 1 (POLICY_MIN_STRENGTH)"],
      [{ box_expansion: 1 }, "box_expansion 1 is below the operator's limit 1.2 (POLICY_MIN_BOX_EXPANSION)"],
      [
        { method: 'pixelate', head_fallback: false },
        'head_fallback false is not allowed: the operator keeps it on (POLICY_ALLOW_HEAD_FALLBACK_OFF)',
      ],
    ];
    for (const [policy, problem] of beyond) {
      const res = await uploadWithPolicy(stack, policy);
      expect({ policy, status: res.status }).toEqual({ policy, status: 400 });
      expect(await res.json()).toEqual({
        statusCode: 400,
        code: 'policy_not_allowed',
        message: `policy: ${problem}`,
        details: { problems: [problem] },
      });
    }
    expect(originalsIn(stack)).toEqual([]);
    expect(await stack.getJson('/queue-status')).toMatchObject({ waiting: 0, active: 0 });
    expect(await stack.getJson('/stats')).toMatchObject({ submitted: 0 });
  });

  it('accepts and applies a policy within the limits', async () => {
    const policy = { method: 'pixelate', strength: 2, box_expansion: 1.5, min_box_size: 0, thresholds: { face: 0.5 } };
    const res = await uploadWithPolicy(stack, policy);
    expect(res.status).toBe(202);
    const done = await stack.waitFor(((await res.json()) as UploadAccepted).job_id);
    expect(done.status).toBe('completed');
    expect(done.results?.blur_metadata.policy).toEqual({
      ...policy,
      thresholds: { face: 0.5, plate: 0.6 },
      head_fallback: true,
    });
  });

  it('fails at once, without retry, a job enqueued directly whose policy breaks a limit', async () => {
    const bytes = readFileSync(photos()[1]);
    const payload = createProcessImagePayload({
      job_id: randomUUID(),
      format: 'jpeg',
      filename: basename(photos()[1]),
      file_size: bytes.length,
      policy: { thresholds: { face: 0.95 } },
    });
    const queue = new Bull(QUEUE_NAME, stack.env['REDIS_URL'], { prefix: 'limits' });
    try {
      await stack.storage.put(payload.original_key, bytes, { contentType: IMAGE_CONTENT_TYPES.jpeg });
      const job = await queue.add(JobName.ProcessImage, payload, processImageJobOptions(payload, { attempts: 3 }));
      const failed = await stack.waitFor(payload.job_id, ['completed', 'failed']);
      expect(failed).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: "policy: thresholds.face 0.95 is above the operator's limit 0.75 (POLICY_MAX_FACE_THRESHOLD)",
      });
      // The worker records the failure before Bull moves the job out of `active`; on a loaded
      // machine the test can read it in between. A retry would show as `delayed` or `waiting`.
      let state = await (await queue.getJob(job.id))?.getState();
      for (const deadline = Date.now() + 5_000; state === 'active' && Date.now() < deadline; ) {
        await sleep(50);
        state = await (await queue.getJob(job.id))?.getState();
      }
      expect(state).toBe('failed');
      expect(await stack.storage.exists(storageKeys.processed(payload.job_id, 'jpeg'))).toBe(false);
    } finally {
      await queue.close();
    }
  });
});

describe('limits an operator raised', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({
      storage: 'local',
      redisDb: 1,
      workers: 0,
      env: {
        QUEUE_PREFIX: 'raised-limits',
        REDIS_KEY_PREFIX: 'raised-limits',
        POLICY_MAX_FACE_THRESHOLD: '0.95',
        POLICY_ALLOW_HEAD_FALLBACK_OFF: 'true',
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('allows what they raised, and still refuses what they did not', async () => {
    const raised = await uploadWithPolicy(stack, { thresholds: { face: 0.95 }, head_fallback: false });
    expect(raised.status).toBe(202);
    const other = await uploadWithPolicy(stack, { thresholds: { face: 0.9, plate: 0.7 } });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({
      code: 'policy_not_allowed',
      details: { problems: ["thresholds.plate 0.7 is above the operator's limit 0.6 (POLICY_MAX_PLATE_THRESHOLD)"] },
    });
    expect(await stack.getJson('/queue-status')).toMatchObject({ waiting: 1 });
  });
});

/**
 * A detector that loads and runs: a YOLO end-to-end export (`[1,N,6]`) that finds nothing. Its
 * class count is not in its shape, so any DETECTOR_LABELS fit it.
 */
function emptyDetector(): string {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const zeros = new Float32Array(6);
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'empty-detector',
      node: [
        {
          opType: 'Constant',
          output: ['detections'],
          attribute: [
            {
              name: 'value',
              type: onnx.AttributeProto.AttributeType.TENSOR,
              t: { dims: [1, 1, 6], dataType: FLOAT, rawData: new Uint8Array(zeros.buffer) },
            },
          ],
        },
        { opType: 'Identity', input: ['detections'], output: ['output0'] },
      ],
      input: [
        {
          name: 'images',
          type: { tensorType: { elemType: FLOAT, shape: { dim: [1, 3, 640, 640].map((d) => ({ dimValue: d })) } } },
        },
      ],
      output: [
        {
          name: 'output0',
          type: { tensorType: { elemType: FLOAT, shape: { dim: [1, 1, 6].map((d) => ({ dimValue: d })) } } },
        },
      ],
    },
  });
  const path = join(mkdtempSync(join(tmpdir(), 'detector-')), 'empty.onnx');
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

/** Runs an app until it exits (or 60 s pass), returning its exit code and everything it printed. */
function runUntilExit(main: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, [main], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.on('data', (chunk) => (output += chunk));
    proc.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error(`${basename(main)} was still running after 60 s:\n${output}`));
    }, 60_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe('a custom detector without the classes privacy depends on', () => {
  let stack: Stack;
  const detector = emptyDetector();
  beforeAll(async () => {
    stack = await Stack.start({
      storage: 'local',
      redisDb: 2,
      workers: 0,
      env: { QUEUE_PREFIX: 'detector-classes', REDIS_KEY_PREFIX: 'detector-classes' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('stops the worker and the api with exit code 1 and says which class is missing and why', async () => {
    const env = {
      ...stack.env,
      DETECTOR_MODEL: detector,
      DETECTOR_LABELS: 'car,bus,truck',
      WORKER_PORT: String(await freePort()),
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
    };
    for (const main of [WORKER_MAIN, API_MAIN]) {
      const { code, output } = await runUntilExit(main, env);
      expect({ main: basename(main), code }).toEqual({ main: basename(main), code: 1 });
      expect(output).toContain(
        'DETECTOR_LABELS lacks "person": a person in whom no face is found would not get the head area blurred',
      );
      expect(output).toContain('DETECTOR_ALLOW_MISSING_CLASSES=person');
    }
    const noVehicle = await runUntilExit(WORKER_MAIN, { ...env, DETECTOR_LABELS: 'person,van,lorry' });
    expect(noVehicle.code).toBe(1);
    expect(noVehicle.output).toContain('DETECTOR_LABELS lacks any of car, bus, truck, motorcycle');
  });

  it('starts the worker with the same detector when the operator allows the missing class', async () => {
    const worker = await stack.startWorker({
      DETECTOR_MODEL: detector,
      DETECTOR_LABELS: 'car,bus,truck',
      DETECTOR_ALLOW_MISSING_CLASSES: 'person',
    });
    expect((await fetch(`http://127.0.0.1:${worker.port}/health`)).status).toBe(200);
    const loaded = worker.output.filter((line) => line.includes('model loaded') && line.includes('"empty"'));
    expect(loaded).toHaveLength(1);
    expect(await terminate(worker)).toBe(0);
  });
});

describe('unblurred originals with auth off', () => {
  let loopbackOnly: Stack;
  let anyone: Stack;
  const remote = { 'x-forwarded-for': '203.0.113.7' };
  beforeAll(async () => {
    // One trusted proxy hop: the api believes X-Forwarded-For, so a request from this host can
    // speak for a remote client while all traffic stays on 127.0.0.1.
    loopbackOnly = await Stack.start({
      storage: 'local',
      redisDb: 2,
      workers: 0,
      env: { QUEUE_PREFIX: 'originals', REDIS_KEY_PREFIX: 'originals', TRUST_PROXY_HOPS: '1' },
    });
    anyone = await Stack.start({
      storage: 'local',
      redisDb: 2,
      workers: 0,
      env: {
        QUEUE_PREFIX: 'originals-anyone',
        REDIS_KEY_PREFIX: 'originals-anyone',
        TRUST_PROXY_HOPS: '1',
        ORIGINALS_WITHOUT_AUTH: 'anyone',
      },
    });
  });
  afterAll(async () => {
    await Promise.all([loopbackOnly?.stop(), anyone?.stop()]);
  });

  it('serves them to a loopback client only, and tells a remote one why and what the operator can change', async () => {
    const { job_id } = (await (await loopbackOnly.upload(photos()[1])).json()) as UploadAccepted;
    const refused = await loopbackOnly.get(`/results/${job_id}/original`, remote);
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { message: string };
    expect(body).toEqual({ statusCode: 403, code: 'originals_loopback_only', message: expect.any(String) });
    expect(body.message).toMatch(/authentication off/);
    expect(body.message).toMatch(/ORIGINALS_WITHOUT_AUTH=anyone/);
    expect(body.message).toMatch(/AUTH_JWT_SECRET/);
    // The same client still reads the job's status: only the unblurred original is withheld.
    expect((await loopbackOnly.get(`/status/${job_id}`, remote)).status).toBe(200);

    const local = await loopbackOnly.get(`/results/${job_id}/original`);
    expect(local.status).toBe(200);
    expect(Buffer.from(await local.arrayBuffer()).equals(readFileSync(photos()[1]))).toBe(true);
  });

  it('serves them to anyone with ORIGINALS_WITHOUT_AUTH=anyone', async () => {
    const { job_id } = (await (await anyone.upload(photos()[1])).json()) as UploadAccepted;
    const res = await anyone.get(`/results/${job_id}/original`, remote);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(photos()[1]))).toBe(true);
  });
});
