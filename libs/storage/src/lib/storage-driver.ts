import type { Readable } from 'node:stream';

export interface PutOptions {
  contentType: string;
  /** When given, a body of any other length is rejected instead of stored. */
  contentLength?: number;
}

export interface StoredObjectStream {
  stream: Readable;
  contentType?: string;
  contentLength?: number;
}

/**
 * One object store, addressed by keys such as `original/{job_id}.jpg` (see `storageKeys` in
 * @imgpipe/contracts). Reads of a missing key throw ObjectNotFoundError; a store that does not
 * answer throws StorageUnavailableError.
 */
export interface StorageDriver {
  readonly kind: 's3' | 'local';
  /** Stores the whole body under key, replacing any previous object; a Readable body is consumed. */
  put(key: string, body: Buffer | Readable, opts: PutOptions): Promise<void>;
  getBuffer(key: string): Promise<Buffer>;
  getStream(key: string): Promise<StoredObjectStream>;
  exists(key: string): Promise<boolean>;
  /** Removes the object; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** `s3://bucket/key` or `file:///abs/path`. */
  location(key: string): string;
  /** Resolves when the store answers and accepts writes; throws StorageUnavailableError otherwise. */
  ping(): Promise<void>;
  close?(): Promise<void>;
}
