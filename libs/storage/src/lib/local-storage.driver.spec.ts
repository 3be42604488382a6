import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { text } from 'node:stream/consumers';
import { LocalStorageDriver } from './local-storage.driver';
import { ObjectNotFoundError, StorageUnavailableError } from './storage-errors';

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

describe('LocalStorageDriver', () => {
  let dataDir: string;
  let driver: LocalStorageDriver;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-local-'));
    driver = new LocalStorageDriver({ dataDir });
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resolves a relative dataDir to an absolute path', () => {
    const relativeDriver = new LocalStorageDriver({ dataDir: './data' });
    expect(relativeDriver.dataDir).toBe(join(process.cwd(), 'data'));
  });

  it('round-trips a Buffer, creating the key directories', async () => {
    const body = Buffer.from('{"faces":2}');
    await driver.put('metadata/job-1.json', body, {
      contentType: 'application/json',
    });

    expect(await driver.getBuffer('metadata/job-1.json')).toEqual(body);
    expect(await listFiles(dataDir)).toEqual([join('metadata', 'job-1.json')]);
  });

  it('round-trips a stream and reports type and length on read', async () => {
    const chunks = [Buffer.alloc(70_000, 1), Buffer.alloc(30_000, 2)];
    await driver.put('original/job-2.jpg', Readable.from(chunks), {
      contentType: 'image/jpeg',
      contentLength: 100_000,
    });

    const { stream, contentType, contentLength } = await driver.getStream('original/job-2.jpg');
    const read: Buffer[] = [];
    for await (const chunk of stream) read.push(chunk as Buffer);
    expect(Buffer.concat(read)).toEqual(Buffer.concat(chunks));
    expect(contentType).toBe('image/jpeg');
    expect(contentLength).toBe(100_000);
  });

  it.each([
    ['processed/a.png', 'image/png'],
    ['processed/a.webp', 'image/webp'],
    ['metadata/a.json', 'application/json'],
    ['other/a.bin', 'application/octet-stream'],
  ])('derives the content type of %s from its extension', async (key, type) => {
    await driver.put(key, Buffer.from('x'), { contentType: 'ignored/here' });
    const { stream, contentType } = await driver.getStream(key);
    expect(await text(stream)).toBe('x');
    expect(contentType).toBe(type);
  });

  it('replaces an object atomically and leaves no temporary files', async () => {
    await driver.put('processed/job-3.jpg', Buffer.from('first'), {
      contentType: 'image/jpeg',
    });
    const before = await driver.getStream('processed/job-3.jpg');
    await driver.put('processed/job-3.jpg', Buffer.from('second version'), {
      contentType: 'image/jpeg',
    });

    // A reader that opened the old file keeps reading the old file, never a mix.
    expect(await text(before.stream)).toBe('first');
    expect((await driver.getBuffer('processed/job-3.jpg')).toString()).toBe('second version');
    expect(await listFiles(dataDir)).toEqual([join('processed', 'job-3.jpg')]);
  });

  it('never shows a half-written object to readers', async () => {
    const body = new PassThrough();
    const putting = driver.put('original/job-7.jpg', body, {
      contentType: 'image/jpeg',
    });
    body.write(Buffer.alloc(4096, 7));
    while (!(await listFiles(dataDir)).some((f) => f.endsWith('.tmp'))) await sleep(5);

    expect(await driver.exists('original/job-7.jpg')).toBe(false);
    await expect(driver.getBuffer('original/job-7.jpg')).rejects.toBeInstanceOf(ObjectNotFoundError);

    body.end(Buffer.alloc(4096, 8));
    await putting;
    expect(await driver.getBuffer('original/job-7.jpg')).toEqual(
      Buffer.concat([Buffer.alloc(4096, 7), Buffer.alloc(4096, 8)]),
    );
    expect(await listFiles(dataDir)).toEqual([join('original', 'job-7.jpg')]);
  });

  it('removes the temporary file and keeps the old object when a stream fails mid-way', async () => {
    await driver.put('original/job-4.jpg', Buffer.from('old'), {
      contentType: 'image/jpeg',
    });
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1024));
        this.destroy(new Error('client went away'));
      },
    });

    await expect(driver.put('original/job-4.jpg', failing, { contentType: 'image/jpeg' })).rejects.toThrow(
      'client went away',
    );
    expect((await driver.getBuffer('original/job-4.jpg')).toString()).toBe('old');
    expect(await listFiles(dataDir)).toEqual([join('original', 'job-4.jpg')]);
  });

  it('rejects a body whose length differs from contentLength, storing nothing', async () => {
    await expect(
      driver.put('original/short.jpg', Readable.from([Buffer.alloc(10)]), {
        contentType: 'image/jpeg',
        contentLength: 11,
      }),
    ).rejects.toThrow('Body is 10 bytes long, but contentLength says 11');
    await expect(
      driver.put('original/long.jpg', Buffer.alloc(12), {
        contentType: 'image/jpeg',
        contentLength: 11,
      }),
    ).rejects.toThrow('contentLength says 11');
    expect(await listFiles(dataDir)).toEqual([]);
  });

  it('reports locations as file:// URLs of absolute paths', () => {
    expect(driver.location('original/job-5.jpg')).toBe(`file://${dataDir}/original/job-5.jpg`);
    expect(new LocalStorageDriver({ dataDir: '/srv/data dir' }).location('a/b c.json')).toBe(
      'file:///srv/data%20dir/a/b%20c.json',
    );
  });

  it.each(['../escape.jpg', 'original/../../escape.jpg', '/etc/passwd', 'original\\x.jpg', 'a\0b', 'a//b', './a', ''])(
    'rejects the key %j before touching the disk',
    async (key) => {
      await expect(driver.put(key, Buffer.from('x'), { contentType: 'image/jpeg' })).rejects.toThrow(
        'Invalid storage key',
      );
      await expect(driver.getBuffer(key)).rejects.toThrow('Invalid storage key');
      expect(() => driver.location(key)).toThrow('Invalid storage key');
      expect(await listFiles(dataDir)).toEqual([]);
    },
  );

  it('throws ObjectNotFoundError with the key for a missing object', async () => {
    await expect(driver.getBuffer('processed/none.jpg')).rejects.toMatchObject({
      name: 'ObjectNotFoundError',
      key: 'processed/none.jpg',
    });
    await expect(driver.getStream('processed/none.jpg')).rejects.toBeInstanceOf(ObjectNotFoundError);
    // A directory is not an object either.
    await driver.put('processed/sub/x.jpg', Buffer.from('x'), {
      contentType: 'image/jpeg',
    });
    await expect(driver.getStream('processed/sub')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(driver.getBuffer('processed/sub')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('answers exists and deletes idempotently', async () => {
    await driver.put('metadata/job-6.json', Buffer.from('{}'), {
      contentType: 'application/json',
    });
    expect(await driver.exists('metadata/job-6.json')).toBe(true);
    expect(await driver.exists('metadata')).toBe(false);
    expect(await driver.exists('metadata/job-6.json/deeper')).toBe(false);

    await driver.delete('metadata/job-6.json');
    expect(await driver.exists('metadata/job-6.json')).toBe(false);
    await expect(driver.delete('metadata/job-6.json')).resolves.toBeUndefined();
  });

  it('ping creates a missing dataDir and leaves no probe behind', async () => {
    const fresh = new LocalStorageDriver({
      dataDir: join(dataDir, 'not', 'yet'),
    });
    await fresh.ping();
    expect(await readdir(fresh.dataDir)).toEqual([]);
  });

  it('ping throws StorageUnavailableError when dataDir cannot be created', async () => {
    const blocker = join(dataDir, 'a-file');
    await writeFile(blocker, 'x');
    const broken = new LocalStorageDriver({ dataDir: join(blocker, 'data') });
    await expect(broken.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});
