import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthIndicatorService } from '@nestjs/terminus';
import { LocalStorageDriver } from './local-storage.driver';
import { S3StorageDriver } from './s3-storage.driver';
import { StorageHealthIndicator } from './storage.health';

describe('StorageHealthIndicator', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-health-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is up when the store takes a write', async () => {
    const indicator = new StorageHealthIndicator(new LocalStorageDriver({ dataDir }), new HealthIndicatorService());
    expect(await indicator.isHealthy('storage')).toEqual({ storage: { status: 'up' } });
  });

  it("is down with the store's own reason when it refuses", async () => {
    const blocker = join(dataDir, 'a-file');
    await writeFile(blocker, 'x');
    const driver = new LocalStorageDriver({ dataDir: join(blocker, 'data') });
    const result = await new StorageHealthIndicator(driver, new HealthIndicatorService()).isHealthy('storage');
    expect(result).toEqual({
      storage: { status: 'down', message: expect.stringContaining(`${join(blocker, 'data')} is not writable`) },
    });
  });

  it('reports a store that hangs as the store, after its own timeout', async () => {
    // Accepts the connection and never answers.
    const hung = createServer(() => undefined);
    await new Promise<void>((listening) => hung.listen(0, '127.0.0.1', listening));
    const driver = new S3StorageDriver({
      bucket: 'hung',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`,
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
    try {
      const started = Date.now();
      const result = await new StorageHealthIndicator(driver, new HealthIndicatorService()).isHealthy('storage');
      expect(result).toEqual({ storage: { status: 'down', message: 'storage check timed out after 2000 ms' } });
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await driver.close();
      hung.closeAllConnections();
      hung.close();
    }
  });
});
