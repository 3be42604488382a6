/** How to build a StorageDriver. Filled from the environment by the config lib, never here. */
export type StorageOptions = S3StorageOptions | LocalStorageOptions;

export interface S3StorageOptions {
  driver: 's3';
  bucket: string;
  region: string;
  /** For S3-compatible servers (MinIO, s3rver); omit for AWS. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which MinIO-style servers need. */
  forcePathStyle?: boolean;
  /** Used only when both are given; otherwise the SDK's default credential chain applies. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /**
   * Keys starting with one of these prefixes live in the given bucket instead of `bucket`
   * (e.g. `{ 'original/': 'photos-originals' }`, so unblurred uploads can have their own access policy).
   */
  prefixBuckets?: Record<string, string>;
  /** Server-side encryption sent on every write; unset sends none (the bucket's default applies). */
  encryption?: S3Encryption;
  /** Multipart part size; default 8 MiB, at least 5 MiB (the S3 minimum). */
  partSizeBytes?: number;
  /** Per-request limit until the response headers arrive, and the idle limit on a socket; default 30 s. */
  requestTimeoutMs?: number;
}

export type S3Encryption =
  | { sse: 'AES256' }
  | {
      sse: 'aws:kms';
      /** Unset: the account's AWS-managed key (`aws/s3`). */
      kmsKeyId?: string;
      /** Keys starting with one of these prefixes are encrypted with the given KMS key instead (the originals). */
      prefixKmsKeyIds?: Record<string, string>;
    };

export interface LocalStorageOptions {
  driver: 'local';
  /** Resolved to an absolute path when the driver is built. */
  dataDir: string;
}
