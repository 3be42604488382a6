import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders, createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MIN_PART_SIZE_BYTES, S3StorageDriver } from './s3-storage.driver';
import { ObjectNotFoundError, StorageUnavailableError } from './storage-errors';

// The SDK warns on every Node 20 process; the apps silence it through their config, the tests here.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const BUCKET = 'imgpipe-test';
const ORIGINALS_BUCKET = 'imgpipe-test-originals';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A real s3rver in a child process: its winston logger and koa app stay out of Jest's process. */
async function startS3rver(directory: string): Promise<{ endpoint: string; process: ChildProcessWithoutNullStreams }> {
  const child = spawn(process.execPath, [
    // s3rver encrypts ListObjects continuation tokens with DES, which OpenSSL 3 only has in the legacy provider.
    '--openssl-legacy-provider',
    require.resolve('s3rver/bin/s3rver.js'),
    ...['-d', directory, '-a', '127.0.0.1', '-p', '0', '--silent'],
  ]);
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start: ${output}`)), 15_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /listening on [^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}: ${output}`));
    });
  });
  return { endpoint: `http://127.0.0.1:${port}`, process: child };
}

async function stopProcess(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** A port nothing listens on: bind an ephemeral port, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * An HTTP proxy in front of s3rver that records each request's method, URL and headers before
 * forwarding it unchanged (the Host header too, so SigV4 signatures still verify).
 */
async function startRecordingProxy(target: string): Promise<{
  endpoint: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}> {
  const { hostname, port } = new URL(target);
  const requests: RecordedRequest[] = [];
  const server = createHttpServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const upstream = httpRequest(
      { hostname, port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${proxyPort}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** PutObject (a PUT that is not an UploadPart) and CreateMultipartUpload (POST ?uploads): the writes that carry SSE. */
function objectWrites(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter(
    ({ method, url }) =>
      (method === 'PUT' && !url.includes('uploadId=')) || (method === 'POST' && /[?&]uploads/.test(url)),
  );
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('S3StorageDriver against s3rver', () => {
  let directory: string;
  let s3rver: ChildProcessWithoutNullStreams;
  let driver: S3StorageDriver;
  let options: ConstructorParameters<typeof S3StorageDriver>[0];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'storage-s3rver-'));
    const started = await startS3rver(directory);
    s3rver = started.process;
    const admin = new S3Client({
      region: 'us-east-1',
      endpoint: started.endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
    await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await admin.send(new CreateBucketCommand({ Bucket: ORIGINALS_BUCKET }));
    admin.destroy();
    options = { bucket: BUCKET, region: 'us-east-1', endpoint: started.endpoint, forcePathStyle: true, ...CREDENTIALS };
    driver = new S3StorageDriver(options);
  }, 30_000);

  afterAll(async () => {
    await driver?.close();
    if (s3rver) await stopProcess(s3rver);
    await rm(directory, { recursive: true, force: true });
  });

  afterEach(() => jest.restoreAllMocks());

  it('round-trips a small Buffer with its content type', async () => {
    const body = Buffer.from('{"objects":[]}');
    await driver.put('metadata/job-1.json', body, {
      contentType: 'application/json',
      contentLength: body.length,
    });

    expect(await driver.getBuffer('metadata/job-1.json')).toEqual(body);
    const { stream, contentType, contentLength } = await driver.getStream('metadata/job-1.json');
    stream.resume();
    expect(contentType).toBe('application/json');
    expect(contentLength).toBe(body.length);
  });

  it('uploads a 12 MB stream in parts and reads it back byte-identical', async () => {
    const data = randomBytes(12 * 1024 * 1024);
    const chunks = Array.from({ length: data.length / 65_536 }, (_, i) => data.subarray(i * 65_536, (i + 1) * 65_536));
    const send = jest.spyOn(S3Client.prototype, 'send');

    await driver.put('original/job-2.jpg', Readable.from(chunks), {
      contentType: 'image/jpeg',
      contentLength: data.length,
    });

    const commands = send.mock.calls.map(([command]) => command.constructor.name);
    expect(commands).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
    const { stream, contentType, contentLength } = await driver.getStream('original/job-2.jpg');
    const read: Buffer[] = [];
    for await (const chunk of stream) read.push(chunk as Buffer);
    expect(contentType).toBe('image/jpeg');
    expect(contentLength).toBe(data.length);
    expect(sha256(Buffer.concat(read))).toBe(sha256(data));
    expect(sha256(await driver.getBuffer('original/job-2.jpg'))).toBe(sha256(data));
  }, 30_000);

  it('rejects a stream shorter than its contentLength and stores nothing', async () => {
    await expect(
      driver.put('original/short.jpg', Readable.from([Buffer.alloc(100)]), {
        contentType: 'image/jpeg',
        contentLength: 101,
      }),
    ).rejects.toThrow('contentLength says 101');
    expect(await driver.exists('original/short.jpg')).toBe(false);
  });

  it('throws ObjectNotFoundError with the key for a missing object', async () => {
    await expect(driver.getBuffer('processed/missing.jpg')).rejects.toMatchObject({
      name: 'ObjectNotFoundError',
      key: 'processed/missing.jpg',
    });
    await expect(driver.getStream('processed/missing.jpg')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('answers exists and deletes', async () => {
    await driver.put('processed/job-3.png', Buffer.from('png'), {
      contentType: 'image/png',
    });
    expect(await driver.exists('processed/job-3.png')).toBe(true);
    expect(await driver.exists('processed/job-4.png')).toBe(false);

    await driver.delete('processed/job-3.png');
    expect(await driver.exists('processed/job-3.png')).toBe(false);
    await expect(driver.getBuffer('processed/job-3.png')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(driver.delete('processed/job-3.png')).resolves.toBeUndefined();
  });

  it('keeps keys under a routed prefix in their own bucket, and only there', async () => {
    const routed = new S3StorageDriver({
      ...options,
      prefixBuckets: { 'original/': ORIGINALS_BUCKET },
    });
    const plain = new S3StorageDriver({ ...options, bucket: ORIGINALS_BUCKET });
    try {
      await routed.put('original/job-9.jpg', Buffer.from('unblurred'), { contentType: 'image/jpeg' });
      await routed.put('processed/job-9.jpg', Buffer.from('blurred'), { contentType: 'image/jpeg' });
      expect(routed.location('original/job-9.jpg')).toBe(`s3://${ORIGINALS_BUCKET}/original/job-9.jpg`);
      expect(routed.location('processed/job-9.jpg')).toBe(`s3://${BUCKET}/processed/job-9.jpg`);
      expect((await plain.getBuffer('original/job-9.jpg')).toString()).toBe('unblurred');
      expect(await plain.exists('processed/job-9.jpg')).toBe(false);
      expect(await driver.exists('original/job-9.jpg')).toBe(false);
      expect((await routed.getBuffer('original/job-9.jpg')).toString()).toBe('unblurred');
      await expect(routed.ping()).resolves.toBeUndefined();
    } finally {
      await Promise.all([routed.close(), plain.close()]);
    }
  });

  it('reports locations as s3://bucket/key', () => {
    expect(driver.location('original/job-5.webp')).toBe(`s3://${BUCKET}/original/job-5.webp`);
  });

  it('ping resolves when the bucket answers', async () => {
    await expect(driver.ping()).resolves.toBeUndefined();
  });

  it('ping on a closed port fails fast with StorageUnavailableError', async () => {
    const dead = new S3StorageDriver({
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      forcePathStyle: true,
      ...CREDENTIALS,
    });
    const started = Date.now();
    try {
      const error = await dead.ping().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await dead.close();
    }
  });

  it('a server that accepts connections but never answers fails with StorageUnavailableError', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const stuck = new S3StorageDriver({
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      requestTimeoutMs: 300,
      ...CREDENTIALS,
    });
    const started = Date.now();
    try {
      const error = await stuck.ping().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await stuck.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  describe('server-side encryption, as sent on the wire', () => {
    // s3rver neither encrypts nor checks these headers, so what is asserted here is what the
    // driver sent, as recorded by a proxy between the SDK and s3rver; that the objects then read
    // back shows s3rver accepted the requests carrying them.
    let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;

    beforeAll(async () => {
      proxy = await startRecordingProxy(options.endpoint as string);
    });

    afterAll(async () => {
      await proxy?.close();
    });

    beforeEach(() => {
      proxy.requests.length = 0;
    });

    const large = randomBytes(MIN_PART_SIZE_BYTES + 1024 * 1024);

    async function writeSmallAndMultipart(encrypted: S3StorageDriver): Promise<void> {
      await encrypted.put('processed/sse-1.jpg', Buffer.from('blurred'), { contentType: 'image/jpeg' });
      await encrypted.put('original/sse-1.jpg', Readable.from([large]), {
        contentType: 'image/jpeg',
        contentLength: large.length,
      });
      expect((await encrypted.getBuffer('processed/sse-1.jpg')).toString()).toBe('blurred');
      expect(sha256(await encrypted.getBuffer('original/sse-1.jpg'))).toBe(sha256(large));
    }

    it('sends AES256 on PutObject and CreateMultipartUpload', async () => {
      const encrypted = new S3StorageDriver({
        ...options,
        endpoint: proxy.endpoint,
        partSizeBytes: MIN_PART_SIZE_BYTES,
        encryption: { sse: 'AES256' },
      });
      try {
        await writeSmallAndMultipart(encrypted);
      } finally {
        await encrypted.close();
      }

      const writes = objectWrites(proxy.requests);
      expect(writes.map(({ method }) => method)).toEqual(['PUT', 'POST']);
      expect(proxy.requests.filter(({ url }) => /partNumber=/.test(url))).toHaveLength(2);
      for (const { headers } of writes) {
        expect(headers['x-amz-server-side-encryption']).toBe('AES256');
        expect(headers['x-amz-server-side-encryption-aws-kms-key-id']).toBeUndefined();
      }
    }, 30_000);

    it('sends aws:kms with the results key, and the originals key on originals in their own bucket', async () => {
      const encrypted = new S3StorageDriver({
        ...options,
        endpoint: proxy.endpoint,
        partSizeBytes: MIN_PART_SIZE_BYTES,
        prefixBuckets: { 'original/': ORIGINALS_BUCKET },
        encryption: { sse: 'aws:kms', kmsKeyId: 'alias/results', prefixKmsKeyIds: { 'original/': 'alias/originals' } },
      });
      try {
        await writeSmallAndMultipart(encrypted);
        await encrypted.put('metadata/sse-1.json', Buffer.from('{}'), { contentType: 'application/json' });
      } finally {
        await encrypted.close();
      }

      const writes = objectWrites(proxy.requests).map(({ method, url, headers }) => ({
        method,
        path: url.split('?')[0],
        sse: headers['x-amz-server-side-encryption'],
        key: headers['x-amz-server-side-encryption-aws-kms-key-id'],
      }));
      expect(writes).toEqual([
        { method: 'PUT', path: `/${BUCKET}/processed/sse-1.jpg`, sse: 'aws:kms', key: 'alias/results' },
        { method: 'POST', path: `/${ORIGINALS_BUCKET}/original/sse-1.jpg`, sse: 'aws:kms', key: 'alias/originals' },
        { method: 'PUT', path: `/${BUCKET}/metadata/sse-1.json`, sse: 'aws:kms', key: 'alias/results' },
      ]);
    }, 30_000);

    it('sends no encryption headers when none is configured', async () => {
      const plain = new S3StorageDriver({ ...options, endpoint: proxy.endpoint, partSizeBytes: MIN_PART_SIZE_BYTES });
      try {
        await writeSmallAndMultipart(plain);
      } finally {
        await plain.close();
      }

      const writes = objectWrites(proxy.requests);
      expect(writes).toHaveLength(2);
      for (const { headers } of writes) {
        expect(Object.keys(headers).filter((name) => name.startsWith('x-amz-server-side-encryption'))).toEqual([]);
      }
    }, 30_000);
  });

  it('refuses a part size below the S3 minimum', () => {
    expect(
      () =>
        new S3StorageDriver({
          bucket: BUCKET,
          region: 'us-east-1',
          partSizeBytes: 1024,
        }),
    ).toThrow('at least');
  });
});
