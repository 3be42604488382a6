import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { withExpectedLength } from './body-length';
import type { PutOptions, StorageDriver, StoredObjectStream } from './storage-driver';
import { ObjectNotFoundError, StorageUnavailableError } from './storage-errors';
import type { LocalStorageOptions } from './storage-options';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.json': 'application/json',
};

/** Errors that mean "nothing is stored under this key", as opposed to a broken disk. */
const MISSING_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/**
 * Objects as files under one directory, key `a/b.jpg` at `{dataDir}/a/b.jpg`. Files appear
 * whole or not at all: each is written to a temporary sibling and renamed into place.
 */
export class LocalStorageDriver implements StorageDriver {
  readonly kind = 'local' as const;
  readonly dataDir: string;

  constructor(options: Pick<LocalStorageOptions, 'dataDir'>) {
    this.dataDir = resolve(options.dataDir);
  }

  async put(key: string, body: Buffer | Readable, opts: PutOptions): Promise<void> {
    const file = this.pathOf(key);
    const checked = withExpectedLength(body, opts.contentLength);
    await mkdir(dirname(file), { recursive: true });
    // Same directory as the target, so the rename stays on one filesystem and is atomic.
    const temp = join(dirname(file), `.${basename(file)}.${randomUUID()}.tmp`);
    try {
      if (Buffer.isBuffer(checked)) {
        await writeFile(temp, checked, { flag: 'wx', flush: true });
      } else {
        await pipeline(checked, createWriteStream(temp, { flags: 'wx', flush: true }));
      }
      await rename(temp, file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    const file = this.pathOf(key);
    try {
      return await readFile(file);
    } catch (err) {
      throw this.missingOr(err, key);
    }
  }

  async getStream(key: string): Promise<StoredObjectStream> {
    const file = this.pathOf(key);
    // Opening before returning turns a missing file into a thrown error rather than a stream
    // error, and pins the inode, so a concurrent put cannot change what this stream reads.
    const handle = await open(file, 'r').catch((err: unknown) => {
      throw this.missingOr(err, key);
    });
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new ObjectNotFoundError(key);
      return {
        stream: handle.createReadStream(),
        contentType: contentTypeOf(key),
        contentLength: info.size,
      };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    const file = this.pathOf(key);
    try {
      return (await stat(file)).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await unlink(file);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  location(key: string): string {
    return pathToFileURL(this.pathOf(key)).href;
  }

  /** Proves the directory exists and takes writes by creating and removing a probe file. */
  async ping(): Promise<void> {
    const probe = join(this.dataDir, `.ping-${randomUUID()}`);
    try {
      await mkdir(this.dataDir, { recursive: true });
      await writeFile(probe, '');
      await rm(probe, { force: true });
    } catch (err) {
      throw new StorageUnavailableError(`Data directory ${this.dataDir} is not writable: ${describe(err)}`, {
        cause: err,
      });
    }
  }

  /** Maps a key to a path inside dataDir, refusing any key that could point elsewhere. */
  private pathOf(key: string): string {
    const segments = key.split('/');
    if (
      key.includes('\\') ||
      key.includes('\0') ||
      isAbsolute(key) ||
      segments.some((s) => s === '' || s === '.' || s === '..')
    ) {
      throw new Error(`Invalid storage key "${key}": use relative, slash-separated names without "." or ".." segments`);
    }
    const file = join(this.dataDir, ...segments);
    const root = this.dataDir.endsWith(sep) ? this.dataDir : this.dataDir + sep;
    if (!file.startsWith(root)) throw new Error(`Invalid storage key "${key}": outside the data directory`);
    return file;
  }

  private missingOr(err: unknown, key: string): unknown {
    return isMissing(err) ? new ObjectNotFoundError(key, { cause: err }) : err;
  }
}

function contentTypeOf(key: string): string {
  return CONTENT_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream';
}

function isMissing(err: unknown): boolean {
  return MISSING_CODES.has((err as NodeJS.ErrnoException | undefined)?.code ?? '');
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
