import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * What an upload can be read from: a file path, bytes, a Blob (or File), or a stream. A path is
 * sent straight from disk; a stream is read to its end first, because a multipart body needs
 * each part's length.
 */
export type UploadSource = string | Uint8Array | Blob | Readable | AsyncIterable<Uint8Array | string>;

export interface UploadPart {
  blob: Blob;
  filename: string;
}

/** Filename for sources that carry none; the api only shows it, it names no stored object. */
const DEFAULT_FILENAME = 'upload';

export async function toUploadPart(source: UploadSource, filename?: string): Promise<UploadPart> {
  if (typeof source === 'string') return { blob: await openAsBlob(source), filename: filename ?? basename(source) };
  if (source instanceof Uint8Array)
    return { blob: new Blob([blobPart(source)]), filename: filename ?? DEFAULT_FILENAME };
  if (source instanceof Blob) {
    const name = 'name' in source && typeof source.name === 'string' && source.name ? source.name : undefined;
    return { blob: source, filename: filename ?? name ?? DEFAULT_FILENAME };
  }
  if (isAsyncIterable(source)) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of source) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    // fs.createReadStream remembers its path: the natural filename.
    const path = (source as { path?: unknown }).path;
    const fromPath = typeof path === 'string' ? basename(path) : undefined;
    return { blob: new Blob(chunks.map(blobPart)), filename: filename ?? fromPath ?? DEFAULT_FILENAME };
  }
  throw new TypeError('upload source must be a file path, a Buffer or Uint8Array, a Blob, or a readable stream');
}

/**
 * TypeScript's DOM-style Blob typing wants bytes over an ArrayBuffer, not a SharedArrayBuffer; Node's
 * Blob copies any view it is given, so the bytes are passed as they are, without a copy of our own.
 */
function blobPart(bytes: Uint8Array): BlobPart {
  return bytes as Uint8Array<ArrayBuffer>;
}

type BlobPart = NonNullable<ConstructorParameters<typeof Blob>[0]>[number];

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array | string> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}
