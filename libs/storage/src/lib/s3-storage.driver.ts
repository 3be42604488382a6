import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { withExpectedLength } from './body-length';
import type { PutOptions, StorageDriver, StoredObjectStream } from './storage-driver';
import { ObjectNotFoundError, StorageUnavailableError } from './storage-errors';
import type { S3Encryption, S3StorageOptions } from './storage-options';

const MIB = 1024 * 1024;
export const DEFAULT_PART_SIZE_BYTES = 8 * MIB;
/** S3 rejects multipart parts below 5 MiB (except the last). */
export const MIN_PART_SIZE_BYTES = 5 * MIB;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const CONNECTION_TIMEOUT_MS = 3_000;
/** Parts in flight per upload: memory use is about queueSize x partSize. */
const UPLOAD_QUEUE_SIZE = 2;
const MAX_ATTEMPTS = 3;

/** Socket-level failures: the endpoint is down or unreachable, whatever the request. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

type SdkError = {
  name?: string;
  message?: string;
  code?: string;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number };
};

/**
 * Objects in one S3 bucket (AWS, MinIO, s3rver). Uploads always go through lib-storage's
 * Upload, so a stream of unknown length is sent in parts and never held whole in memory.
 */
export class S3StorageDriver implements StorageDriver {
  readonly kind = 's3' as const;
  readonly bucket: string;
  private readonly prefixBuckets: [prefix: string, bucket: string][];
  private readonly client: S3Client;
  private readonly partSizeBytes: number;
  private readonly encryption?: S3Encryption;

  constructor(options: Omit<S3StorageOptions, 'driver'>) {
    const partSizeBytes = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
    if (partSizeBytes < MIN_PART_SIZE_BYTES) {
      throw new Error(`partSizeBytes must be at least ${MIN_PART_SIZE_BYTES} (5 MiB), got ${partSizeBytes}`);
    }
    this.bucket = options.bucket;
    // Longest prefix first, so a more specific route wins.
    this.prefixBuckets = Object.entries(options.prefixBuckets ?? {}).sort(([a], [b]) => b.length - a.length);
    this.partSizeBytes = partSizeBytes;
    this.encryption = options.encryption;
    this.client = new S3Client(clientConfig(options));
  }

  async put(key: string, body: Buffer | Readable, opts: PutOptions): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucketFor(key),
        Key: key,
        Body: withExpectedLength(body, opts.contentLength),
        ContentType: opts.contentType,
        ...this.encryptionFor(key),
      },
      queueSize: UPLOAD_QUEUE_SIZE,
      partSize: this.partSizeBytes,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      // Upload stops reading at the first failure; release the source (a file, a request) too.
      if (body instanceof Readable) body.destroy();
      throw this.translate(err, undefined, this.bucketFor(key));
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    const { stream } = await this.getStream(key);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (err) {
      throw this.translate(err, undefined, this.bucketFor(key));
    }
    return Buffer.concat(chunks);
  }

  async getStream(key: string): Promise<StoredObjectStream> {
    const out = await this.client
      .send(new GetObjectCommand({ Bucket: this.bucketFor(key), Key: key }))
      .catch((err: unknown) => {
        throw this.translate(err, key);
      });
    if (!(out.Body instanceof Readable)) {
      throw new Error(`GetObject for "${key}" returned no Node.js stream body`);
    }
    return {
      stream: out.Body,
      contentType: out.ContentType,
      contentLength: out.ContentLength,
    };
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucketFor(key), Key: key }));
      return true;
    } catch (err) {
      const translated = this.translate(err, key);
      if (translated instanceof ObjectNotFoundError) return false;
      throw translated;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucketFor(key), Key: key })).catch((err: unknown) => {
      throw this.translate(err, undefined, this.bucketFor(key));
    });
  }

  location(key: string): string {
    return `s3://${this.bucketFor(key)}/${key}`;
  }

  /** The bucket holding `key`: the one routed to its prefix, else the main bucket. */
  bucketFor(key: string): string {
    return this.prefixBuckets.find(([prefix]) => key.startsWith(prefix))?.[1] ?? this.bucket;
  }

  /** Upload copies these onto PutObject and CreateMultipartUpload alike (parts inherit the upload's). */
  private encryptionFor(key: string): Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'> {
    const encryption = this.encryption;
    if (!encryption) return {};
    if (encryption.sse === 'AES256') return { ServerSideEncryption: 'AES256' };
    const routed = Object.entries(encryption.prefixKmsKeyIds ?? {})
      .sort(([a], [b]) => b.length - a.length)
      .find(([prefix]) => key.startsWith(prefix))?.[1];
    const kmsKeyId = routed ?? encryption.kmsKeyId;
    return { ServerSideEncryption: 'aws:kms', ...(kmsKeyId ? { SSEKMSKeyId: kmsKeyId } : {}) };
  }

  async ping(): Promise<void> {
    const buckets = new Set([this.bucket, ...this.prefixBuckets.map(([, bucket]) => bucket)]);
    for (const bucket of buckets) {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket })).catch((err: unknown) => {
        throw this.translate(err, undefined, bucket);
      });
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Sorts SDK errors into "object missing", "store down" and everything else (left as is). */
  private translate(
    err: unknown,
    key?: string,
    bucket = key === undefined ? this.bucket : this.bucketFor(key),
  ): unknown {
    // Duck-typed: errors raised by Node's own modules may come from another realm (Jest's sandbox).
    if (typeof err !== 'object' || err === null) return err;
    const e = err as SdkError;
    if (key !== undefined && (e.name === 'NoSuchKey' || e.name === 'NotFound')) {
      return new ObjectNotFoundError(key, { cause: err });
    }
    if (isUnavailable(e)) {
      return new StorageUnavailableError(`S3 bucket "${bucket}" did not answer: ${e.message || e.code || e.name}`, {
        cause: err,
      });
    }
    return err;
  }
}

function clientConfig(options: Omit<S3StorageOptions, 'driver'>): S3ClientConfig {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.accessKeyId && options.secretAccessKey
      ? {
          credentials: {
            accessKeyId: options.accessKeyId,
            secretAccessKey: options.secretAccessKey,
          },
        }
      : {}),
    maxAttempts: MAX_ATTEMPTS,
    // The SDK's handler waits forever by default; these bound a dead endpoint to seconds.
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout,
      throwOnRequestTimeout: true,
      socketTimeout: requestTimeout,
    },
  };
}

function isUnavailable(e: SdkError): boolean {
  if (e.name === 'TimeoutError') return true;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  // The SDK's retry middleware rewraps a thrown value that fails `instanceof Error` (a Node error
  // from another realm, as under Jest) as "AWS SDK error wrapper for Error: connect ECONNREFUSED
  // ...", dropping `code`: the message is all that is left.
  if (e.message && [...UNAVAILABLE_CODES].some((code) => e.message?.includes(code))) return true;
  // Node's happy-eyeballs connect reports one AggregateError for all addresses it tried.
  if (
    Array.isArray(e.errors) &&
    e.errors.some((inner) => typeof inner === 'object' && inner !== null && isUnavailable(inner as SdkError))
  )
    return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}
