import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { UploadAccepted } from '@imgpipe/contracts';
import { API_MAIN, Stack, freePort, photos, sleep, waitUntil } from './support/stack';

// Recognisable values: if any of them shows up in what the stack printed or served, it leaked.
const SECRETS = {
  AUTH_JWT_SECRET: 'canary-jwt-secret-5d8f2a7c91e34b6f0a1c3e5b7d9f1a3c',
  AWS_SECRET_ACCESS_KEY: 'canary-s3-secret-key-8e1b4d7a2c5f9e3b6a0d4c7f1e',
  REDIS_PASSWORD: 'canary-redis-password-3c6f9b2e5a8d1f4c7b0e3a6d',
};
const ACCESS_KEY_ID = 'CANARYACCESSKEYID';
const BUCKET = 'credentials-e2e';

const S3rver = require('s3rver');
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');

function sign(secret: string, scope: string, expiresInS = 300): Promise<string> {
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('credentials-e2e')
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS)
    .sign(new TextEncoder().encode(secret));
}

describe('credentials never leave the stack', () => {
  let redis: ChildProcess;
  let s3: { run(): Promise<unknown>; close(): Promise<void> };
  let stack: Stack;
  /** Everything served: status line, headers and body of every response, one entry each. */
  const served: string[] = [];

  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, init);
    const body = Buffer.from(await res.arrayBuffer());
    served.push(
      `${init.method ?? 'GET'} ${url} ${res.status} ${JSON.stringify([...res.headers])} ${body.toString('latin1')}`,
    );
    return new Response(body, { status: res.status, headers: res.headers });
  }

  beforeAll(async () => {
    const redisPort = await freePort();
    const binary = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
    redis = spawn(binary, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    // Set after start, so the password is not on the command line for everyone to see in ps.
    await waitUntil(
      async () => {
        try {
          execFileSync('redis-cli', ['-p', String(redisPort), 'config', 'set', 'requirepass', SECRETS.REDIS_PASSWORD]);
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      'redis-server with a password',
    );

    DUMMY_ACCOUNT.createKeyPair(ACCESS_KEY_ID, SECRETS.AWS_SECRET_ACCESS_KEY);
    const s3Port = await freePort();
    s3 = new S3rver({
      port: s3Port,
      address: '127.0.0.1',
      silent: true,
      directory: mkdtempSync(join(tmpdir(), 'credentials-s3-')),
      configureBuckets: [{ name: BUCKET }],
    });
    await s3.run();

    stack = await Stack.start({
      storage: 's3',
      redisDb: 0,
      redisUrl: `redis://:${SECRETS.REDIS_PASSWORD}@127.0.0.1:${redisPort}/0`,
      s3: {
        bucket: BUCKET,
        endpoint: `http://127.0.0.1:${s3Port}`,
        accessKeyId: ACCESS_KEY_ID,
        secretAccessKey: SECRETS.AWS_SECRET_ACCESS_KEY,
      },
      env: { AUTH_JWT_SECRET: SECRETS.AUTH_JWT_SECRET, LOG_LEVEL: 'verbose' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await s3?.close().catch(() => undefined);
    redis?.kill('SIGKILL');
  });

  it('prints and serves none of the JWT secret, the S3 secret key or the Redis password', async () => {
    const api = stack.baseUrl;
    const worker = `http://127.0.0.1:${stack.workers[0].port}`;
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    const all = auth(await sign(SECRETS.AUTH_JWT_SECRET, 'images:write images:read originals:read images:delete'));

    // The working flow, every route.
    const photo = readFileSync(photos()[0]);
    const uploaded = await request(`${api}/upload`, { method: 'POST', body: formWith(photo, 'a.jpg'), headers: all });
    expect(uploaded.status).toBe(202);
    const { job_id: jobId } = (await uploaded.json()) as UploadAccepted;
    stack.defaultHeaders = all;
    await stack.waitFor(jobId, ['completed']);
    for (const path of [
      `/status/${jobId}`,
      `/results/${jobId}/metadata`,
      `/results/${jobId}/processed`,
      `/results/${jobId}/original`,
      '/stats',
      '/queue-status',
    ]) {
      expect((await request(`${api}${path}`, { headers: all })).status).toBe(200);
    }
    for (const path of ['/health', '/metrics', '/docs-json', '/'])
      expect((await request(`${api}${path}`)).status).toBe(200);
    for (const path of ['/health', '/metrics']) expect((await request(`${worker}${path}`)).status).toBe(200);

    // Refusals, each with its error body.
    const refusals: [string, RequestInit, number][] = [
      [`/status/${jobId}`, {}, 401],
      [`/status/${jobId}`, { headers: auth(await sign(`${SECRETS.AUTH_JWT_SECRET}-forged`, 'images:read')) }, 401],
      [`/status/${jobId}`, { headers: auth(await sign(SECRETS.AUTH_JWT_SECRET, 'images:read', -60)) }, 401],
      [
        `/status/${jobId}`,
        { headers: { authorization: `Basic ${Buffer.from(`u:${SECRETS.AUTH_JWT_SECRET}`).toString('base64')}` } },
        401,
      ],
      ['/stats', { headers: auth(await sign(SECRETS.AUTH_JWT_SECRET, 'images:write')) }, 403],
      ['/status/not-a-uuid', { headers: all }, 400],
      ['/status/0b7c3e2a-5d4f-4a1b-9c8d-7e6f5a4b3c2d', { headers: all }, 404],
      ['/jobs/0b7c3e2a-5d4f-4a1b-9c8d-7e6f5a4b3c2d', { method: 'DELETE', headers: all }, 404],
      ['/upload', { method: 'POST', headers: all, body: formWith(Buffer.from('not an image'), 'x.txt') }, 415],
    ];
    for (const [path, init, status] of refusals) expect((await request(`${api}${path}`, init)).status).toBe(status);

    // S3 gone: the health reports and the upload refusal say why, without the key.
    await s3.close();
    expect((await request(`${api}/health`)).status).toBe(503);
    expect((await request(`${worker}/health`)).status).toBe(503);
    const during = { method: 'POST', body: formWith(photo, 'b.jpg'), headers: all };
    expect((await request(`${api}/upload`, during)).status).toBe(503);
    await sleep(200);

    // A start-up refused for bad configuration lists the problems, not the values of secrets.
    const refusedStart = execApi({
      REDIS_URL: `redis//:${SECRETS.REDIS_PASSWORD}@127.0.0.1:1/0`,
      S3_BUCKET: BUCKET,
      AWS_SECRET_ACCESS_KEY: SECRETS.AWS_SECRET_ACCESS_KEY,
      AUTH_JWT_SECRET: SECRETS.AUTH_JWT_SECRET,
      AUTH_JWT_PUBLIC_KEY: 'not a key',
    });
    expect(refusedStart).toMatch(/REDIS_URL/);
    expect(refusedStart).toMatch(/AWS_ACCESS_KEY_ID/);

    const printed = {
      api: stack.api.output.join('\n'),
      worker: stack.workers[0].output.join('\n'),
      'refused start': refusedStart,
      served: served.join('\n'),
    };
    expect(served.length).toBeGreaterThan(20);
    const leaks = Object.entries(printed).flatMap(([where, text]) =>
      Object.entries(SECRETS)
        .filter(([, secret]) => text.includes(secret) || text.includes(Buffer.from(secret).toString('base64')))
        .map(([name]) => `${name} in ${where}`),
    );
    expect(leaks).toEqual([]);
  });
});

function formWith(bytes: Buffer, filename: string): FormData {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), filename);
  return form;
}

/** Runs the api with `env` until it exits (a refused configuration exits at once); its output. */
function execApi(env: Record<string, string>): string {
  try {
    execFileSync(process.execPath, [API_MAIN], {
      env: { PATH: process.env['PATH'], ...env },
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return '';
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}`;
  }
}
