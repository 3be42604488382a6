import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { JobWaitTimeoutError, PipelineApiError, PipelineClient } from '../index';
import { parseRetryAfter } from './errors';

// The client against a real HTTP server that records each request and answers from a script,
// so what goes over the wire (method, path, headers, multipart parts) is what is asserted.

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const JOB_ID = '0b7c3e2a-5d4f-4a1b-9c8d-7e6f5a4b3c2d';
const ACCEPTED = { job_id: JOB_ID, filename: 'a.jpg', file_size: 3, status: 'submitted', message: 'ok' };
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

describe('PipelineClient', () => {
  let server: Server;
  let baseUrl: string;
  let seen: Seen[];
  let script: ((req: Seen) => Reply)[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        seen.push(request);
        const next = script.shift();
        const reply = next
          ? next(request)
          : { status: 500, body: { statusCode: 500, code: 'unscripted', message: '' } };
        const isBytes = Buffer.isBuffer(reply.body);
        const isText = typeof reply.body === 'string';
        res.writeHead(reply.status, {
          'content-type': isBytes ? 'image/jpeg' : isText ? 'text/html' : 'application/json',
          ...reply.headers,
        });
        res.end(isBytes || isText ? reply.body : JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));
  beforeEach(() => {
    seen = [];
    script = [];
  });

  const answer = (...replies: Reply[]) => script.push(...replies.map((r) => () => r));
  const parts = (req: Seen) =>
    new Request('http://x', {
      method: 'POST',
      headers: { 'content-type': String(req.headers['content-type']) },
      body: req.body,
    }).formData();

  it('uploads a file from its path with the policy, an idempotency key and a fresh bearer token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-spec-'));
    writeFileSync(join(dir, 'car.jpg'), JPEG);
    answer({ status: 202, body: ACCEPTED });
    let tokens = 0;
    const client = new PipelineClient({ baseUrl: `${baseUrl}/`, token: async () => `t${++tokens}` });

    const accepted = await client.upload(join(dir, 'car.jpg'), {
      policy: { method: 'pixelate', thresholds: { face: 0.5 } },
      idempotencyKey: 'key-1',
    });

    expect(accepted).toEqual(ACCEPTED);
    const [req] = seen;
    expect({
      method: req.method,
      url: req.url,
      auth: req.headers.authorization,
      key: req.headers['idempotency-key'],
    }).toEqual({ method: 'POST', url: '/upload', auth: 'Bearer t1', key: 'key-1' });
    const form = await parts(req);
    const file = form.get('file') as File;
    expect(file.name).toBe('car.jpg');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(JPEG);
    expect(JSON.parse(form.get('policy') as string)).toEqual({ method: 'pixelate', thresholds: { face: 0.5 } });
  });

  it('uploads bytes, streams and blobs, naming each part from the option, the stream path or a default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-spec-'));
    writeFileSync(join(dir, 'street.jpg'), JPEG);
    answer(...Array.from({ length: 4 }, () => ({ status: 202, body: ACCEPTED })));
    const client = new PipelineClient({ baseUrl });

    await client.upload(JPEG, { filename: 'bytes.jpg' });
    await client.upload(createReadStream(join(dir, 'street.jpg')));
    await client.upload(Readable.from([JPEG.subarray(0, 2), JPEG.subarray(2)]));
    await client.upload(new Blob([new Uint8Array(JPEG)]));

    const files = await Promise.all(seen.map(async (req) => (await parts(req)).get('file') as File));
    expect(files.map((f) => f.name)).toEqual(['bytes.jpg', 'street.jpg', 'upload', 'upload']);
    for (const f of files) expect(Buffer.from(await f.arrayBuffer())).toEqual(JPEG);
    expect(seen.every((req) => req.headers.authorization === undefined && !req.headers['idempotency-key'])).toBe(true);
  });

  it('erases a job and a batch with DELETE, and throws the api refusal', async () => {
    answer(
      { status: 204, body: '' },
      { status: 204, body: '' },
      { status: 404, body: { statusCode: 404, code: 'job_not_found', message: `no job ${JOB_ID}` } },
    );
    const client = new PipelineClient({ baseUrl, token: 'secret-token' });

    await expect(client.erase(JOB_ID)).resolves.toBeUndefined();
    await expect(client.eraseBatch(JOB_ID)).resolves.toBeUndefined();
    await expect(client.erase(JOB_ID)).rejects.toMatchObject({ status: 404, code: 'job_not_found' });
    expect(seen.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([
      ['DELETE', `/jobs/${JOB_ID}`, 'Bearer secret-token'],
      ['DELETE', `/batch/${JOB_ID}`, 'Bearer secret-token'],
      ['DELETE', `/jobs/${JOB_ID}`, 'Bearer secret-token'],
    ]);
  });

  it('sends a batch as repeated `files` parts', async () => {
    const batch = { batch_id: JOB_ID, accepted: 2, rejected: [], jobs: [ACCEPTED, ACCEPTED] };
    answer({ status: 202, body: batch });
    const client = new PipelineClient({ baseUrl });

    const result = await client.batchUpload([{ file: JPEG, filename: 'one.jpg' }, Readable.from([JPEG])], {
      policy: { head_fallback: false },
    });

    expect(result).toEqual(batch);
    expect(seen[0].url).toBe('/batch-upload');
    const form = await parts(seen[0]);
    expect(form.getAll('files').map((f) => (f as File).name)).toEqual(['one.jpg', 'upload']);
    expect(form.get('policy')).toBe('{"head_fallback":false}');
  });

  it('turns every refusal into a PipelineApiError with the api code, message and Retry-After', async () => {
    answer(
      { status: 415, body: { statusCode: 415, code: 'unsupported_media_type', message: 'a.txt is not an image' } },
      { status: 429, headers: { 'retry-after': '7' }, body: { statusCode: 429, code: 'queue_full', message: 'full' } },
      { status: 502, body: '<html>Bad Gateway</html>' },
    );
    const client = new PipelineClient({ baseUrl });

    // One after the other: the server answers in arrival order.
    const errors = [
      await client.upload(Buffer.from('hello')).catch((e: unknown) => e),
      await client.upload(JPEG).catch((e: unknown) => e),
      await client.stats().catch((e: unknown) => e),
    ];

    for (const err of errors) expect(err).toBeInstanceOf(PipelineApiError);
    expect(errors.map((e) => ({ ...(e as PipelineApiError), message: (e as Error).message }))).toEqual([
      expect.objectContaining({ status: 415, code: 'unsupported_media_type', message: 'a.txt is not an image' }),
      expect.objectContaining({ status: 429, code: 'queue_full', retryAfterS: 7 }),
      expect.objectContaining({ status: 502, code: 'http_502', message: '502 Bad Gateway: <html>Bad Gateway</html>' }),
    ]);
  });

  it('waits through submitted, a 429 and processing until the job completes', async () => {
    const view = (status: string) => ({ job_id: JOB_ID, status, created_at: 1, updated_at: 2, attempts: 1 });
    answer(
      { status: 200, body: view('submitted') },
      {
        status: 429,
        headers: { 'retry-after': '0' },
        body: { statusCode: 429, code: 'rate_limited', message: 'slow down' },
      },
      { status: 200, body: view('processing') },
      { status: 200, body: view('completed') },
    );
    const client = new PipelineClient({ baseUrl });

    const done = await client.waitFor(JOB_ID, { intervalMs: 5 });

    expect(done.status).toBe('completed');
    expect(seen.map((r) => r.url)).toEqual(Array(4).fill(`/status/${JOB_ID}`));
  });

  it('gives up on a job that never finishes, and at once on an unknown one', async () => {
    const processing = { job_id: JOB_ID, status: 'processing', created_at: 1, updated_at: 2, attempts: 1 };
    script.push(...Array.from({ length: 100 }, () => () => ({ status: 200, body: processing })));
    const client = new PipelineClient({ baseUrl });

    const timedOut = await client.waitFor(JOB_ID, { timeoutMs: 150, intervalMs: 20 }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(JobWaitTimeoutError);
    expect((timedOut as JobWaitTimeoutError).last?.status).toBe('processing');

    script = [() => ({ status: 404, body: { statusCode: 404, code: 'job_not_found', message: 'no job' } })];
    const unknown = await client.waitFor(JOB_ID, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ name: 'PipelineApiError', status: 404, code: 'job_not_found' });
  });

  it('downloads results as bytes and metadata as parsed JSON, escaping ids into the path', async () => {
    answer({ status: 200, body: JPEG }, { status: 200, body: { job_id: JOB_ID } }, { status: 200, body: JPEG });
    const client = new PipelineClient({ baseUrl: `${baseUrl}/pipeline` });

    expect(await client.downloadProcessed(JOB_ID)).toEqual(JPEG);
    expect(await client.downloadMetadata(JOB_ID)).toEqual({ job_id: JOB_ID });
    await client.downloadOriginal('../stats');

    expect(seen.map((r) => r.url)).toEqual([
      `/pipeline/results/${JOB_ID}/processed`,
      `/pipeline/results/${JOB_ID}/metadata`,
      '/pipeline/results/..%2Fstats/original',
    ]);
  });

  it('reports an unhealthy api as a health view, but a bare 503 as an error', async () => {
    const down = {
      status: 'unavailable',
      dependencies: { redis: 'down', storage: 'up' },
      errors: { redis: 'refused' },
    };
    answer({ status: 503, body: down }, { status: 503, body: '<html>maintenance</html>' });
    const client = new PipelineClient({ baseUrl });

    expect(await client.health()).toEqual(down);
    await expect(client.health()).rejects.toMatchObject({ status: 503, code: 'service_unavailable' });
  });

  it('sends every request through a fetch given in the options, as a Request with its headers', async () => {
    const requests: Request[] = [];
    const client = new PipelineClient({
      baseUrl: 'http://api.invalid',
      token: 't3',
      headers: { 'x-request-id': 'r1' },
      fetch: async (input) => {
        requests.push(input as Request);
        return new Response(JSON.stringify({ status: 'ok' }), { headers: { 'content-type': 'application/json' } });
      },
    });
    expect(await client.queueStatus()).toEqual({ status: 'ok' });
    expect(
      requests.map((r) => [r.method, r.url, r.headers.get('authorization'), r.headers.get('x-request-id')]),
    ).toEqual([['GET', 'http://api.invalid/queue-status', 'Bearer t3', 'r1']]);
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => new PipelineClient({ baseUrl: 'localhost:8000' })).toThrow(/baseUrl must be an http\(s\) URL/);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
