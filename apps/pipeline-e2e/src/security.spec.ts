import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { SignJWT } from 'jose';
import { BatchAccepted, UploadAccepted } from '@imgpipe/contracts';
import { Stack, photos } from './support/stack';

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
