import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Json, Stack, photos } from './support/stack';

// Every request and response of the api's flows, checked against the document the running api
// serves at /docs-json by a validator written by others (openapi-backend, on ajv; see
// support/openapi-conformance.mjs). Run once with auth off and once with auth on: the document has
// to match the configuration it is served by.

const SECRET = 'conformance-secret-conformance-secret-0123';

function bearer(scope: string): string {
  const token = execFileSync(
    process.execPath,
    [
      resolve(__dirname, '../../../tools/auth/mint-token.mjs'),
      '--sub',
      'conformance',
      '--scope',
      scope,
      '--ttl',
      '300',
    ],
    { env: { ...process.env, AUTH_JWT_SECRET: SECRET }, encoding: 'utf8' },
  ).trim();
  return `Bearer ${token}`;
}

interface Call {
  method: 'get' | 'post' | 'delete';
  path: string;
  headers?: Record<string, string>;
  /** Multipart fields: file parts by field name (paths), text parts as strings. */
  files?: Record<string, string[]>;
  fields?: Record<string, string>;
  /** Refusal flows send what the document forbids on purpose: the validator must say so. */
  request?: 'valid' | 'invalid';
}

interface Exchange {
  status: number;
  body: Json;
}

const VALIDATOR = resolve(__dirname, 'support/openapi-conformance.mjs');

/** Sends requests to the api and records each exchange; `findings()` checks them all against the document. */
class ConformanceClient {
  private exchanges: Record<string, unknown>[] = [];

  constructor(
    readonly stack: Stack,
    readonly document: Json,
  ) {}

  async send(call: Call): Promise<Exchange> {
    const headers = Object.fromEntries(Object.entries(call.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    let body: FormData | undefined;
    let requestBody: Record<string, unknown> | undefined;
    if (call.files || call.fields) {
      body = new FormData();
      requestBody = { ...call.fields };
      for (const [field, paths] of Object.entries(call.files ?? {})) {
        for (const path of paths) body.append(field, new Blob([new Uint8Array(readFileSync(path))]), basename(path));
        requestBody[field] = field === 'file' ? 'binary' : paths.map(() => 'binary');
      }
      for (const [field, value] of Object.entries(call.fields ?? {})) body.append(field, value);
    }
    const res = await fetch(`${this.stack.baseUrl}${call.path}`, { method: call.method.toUpperCase(), headers, body });
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
    const raw = Buffer.from(await res.arrayBuffer());
    const json = contentType === 'application/json' ? JSON.parse(raw.toString('utf8')) : null;
    this.exchanges.push({
      method: call.method,
      path: call.path,
      headers: body ? { ...headers, 'content-type': 'multipart/form-data; boundary=x' } : headers,
      requestBody,
      expectRequest: call.request ?? 'valid',
      status: res.status,
      contentType,
      body: json,
    });
    return { status: res.status, body: json };
  }

  /** What the validator found wrong in the exchanges so far, one line each. */
  findings(): string[] {
    const input = JSON.stringify({ document: this.document, exchanges: this.exchanges });
    this.exchanges = [];
    return JSON.parse(execFileSync(process.execPath, [VALIDATOR], { input, encoding: 'utf8' })) as string[];
  }
}

describe.each([
  ['auth off', {} as Record<string, string>],
  ['auth on', { AUTH_JWT_SECRET: SECRET }],
])('the served OpenAPI document, %s', (mode, env) => {
  const authOn = mode === 'auth on';
  const [photo, second] = photos();
  let stack: Stack;
  let api: ConformanceClient;
  const as = (scope: string): Record<string, string> => (authOn ? { authorization: bearer(scope) } : {});

  beforeAll(async () => {
    stack = await Stack.start({ storage: 'local', redisDb: 7, workers: 1, env });
    // Stack.waitFor polls /status with these.
    stack.defaultHeaders = as('images:read');
    api = new ConformanceClient(stack, await stack.getJson('/docs-json'));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('declares bearer security exactly when the api verifies tokens', () => {
    const requirements = Object.entries<Json>(api.document.paths).flatMap(([path, item]) =>
      Object.entries<Json>(item).map(([method, op]) => `${method} ${path} ${JSON.stringify(op.security ?? [])}`),
    );
    const expected = (path: string) => (authOn && !path.startsWith('/health') ? '[{"bearer":[]}]' : '[]');
    expect(requirements).toEqual(
      requirements.map((line) => {
        const [method, path] = line.split(' ');
        return `${method} ${path} ${expected(path)}`;
      }),
    );
    expect(Object.keys(api.document.components?.securitySchemes ?? {})).toEqual(authOn ? ['bearer'] : []);
  });

  it('describes every request and response of the upload, status, results, batch, stats, health, queue and erasure flows', async () => {
    const write = as('images:write');
    const read = as('images:read');

    const single = await api.send({ method: 'post', path: '/upload', headers: write, files: { file: [photo] } });
    expect(single.status).toBe(202);
    const keyed = await api.send({
      method: 'post',
      path: '/upload',
      headers: { ...write, 'Idempotency-Key': randomUUID() },
      files: { file: [second] },
      fields: { policy: '{"method":"pixelate"}' },
    });
    expect(keyed.status).toBe(202);
    const batch = await api.send({
      method: 'post',
      path: '/batch-upload',
      headers: write,
      files: { files: [photo, second] },
    });
    expect(batch.status).toBe(202);

    const jobId = single.body.job_id as string;
    await stack.waitFor(jobId, ['completed'], 90_000);
    expect((await api.send({ method: 'get', path: `/status/${jobId}`, headers: read })).status).toBe(200);
    for (const kind of ['processed', 'metadata']) {
      expect((await api.send({ method: 'get', path: `/results/${jobId}/${kind}`, headers: read })).status).toBe(200);
    }
    const original = await api.send({
      method: 'get',
      path: `/results/${jobId}/original`,
      headers: as('images:read originals:read'),
    });
    expect(original.status).toBe(200);
    expect((await api.send({ method: 'get', path: `/batch/${batch.body.batch_id}`, headers: read })).status).toBe(200);
    expect((await api.send({ method: 'get', path: '/stats', headers: read })).status).toBe(200);
    expect((await api.send({ method: 'get', path: '/queue-status', headers: read })).status).toBe(200);
    expect((await api.send({ method: 'get', path: '/health' })).status).toBe(200);
    expect((await api.send({ method: 'get', path: '/health/live' })).status).toBe(200);
    const erase = as('images:delete');
    expect((await api.send({ method: 'delete', path: `/jobs/${jobId}`, headers: erase })).status).toBe(204);
    expect((await api.send({ method: 'delete', path: `/batch/${batch.body.batch_id}`, headers: erase })).status).toBe(
      204,
    );

    expect(api.findings()).toEqual([]);
  });

  it('describes the refusals', async () => {
    const read = as('images:read');
    const refusals: [Call, number][] = [
      [{ method: 'get', path: '/status/not-a-uuid', headers: read, request: 'invalid' }, 400],
      [{ method: 'get', path: `/status/${randomUUID()}`, headers: read }, 404],
      [{ method: 'get', path: `/results/${randomUUID()}/thumbnail`, headers: read, request: 'invalid' }, 400],
      [{ method: 'get', path: `/results/${randomUUID()}/processed`, headers: read }, 404],
      [{ method: 'get', path: '/batch/not-a-uuid', headers: read, request: 'invalid' }, 400],
      [{ method: 'get', path: `/batch/${randomUUID()}`, headers: read }, 404],
      [{ method: 'delete', path: '/jobs/not-a-uuid', headers: as('images:delete'), request: 'invalid' }, 400],
      [{ method: 'delete', path: `/jobs/${randomUUID()}`, headers: as('images:delete') }, 404],
      [{ method: 'delete', path: `/batch/${randomUUID()}`, headers: as('images:delete') }, 404],
      [{ method: 'post', path: '/upload', headers: as('images:write'), fields: { policy: '{}' } }, 400],
      [
        {
          method: 'post',
          path: '/upload',
          headers: as('images:write'),
          files: { file: [resolve(__dirname, '../../../package.json')] },
        },
        415,
      ],
    ];
    if (authOn) {
      refusals.push(
        [{ method: 'get', path: '/stats' }, 401],
        [{ method: 'get', path: '/queue-status', headers: { authorization: 'Bearer not-a-token' } }, 401],
        [{ method: 'post', path: '/upload', headers: as('images:read'), files: { file: [photo] } }, 403],
        [{ method: 'delete', path: `/jobs/${randomUUID()}`, headers: read }, 403],
      );
    }
    const statuses: number[] = [];
    for (const [call] of refusals) statuses.push((await api.send(call)).status);
    expect(statuses).toEqual(refusals.map(([, status]) => status));
    expect(api.findings()).toEqual([]);
  });
});
