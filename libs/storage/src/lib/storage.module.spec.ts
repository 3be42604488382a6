import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorageDriver } from './local-storage.driver';
import { S3StorageDriver } from './s3-storage.driver';
import type { StorageDriver } from './storage-driver';
import { STORAGE_DRIVER, StorageModule } from './storage.module';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const SETTINGS = Symbol('SETTINGS');

@Module({
  providers: [{ provide: SETTINGS, useValue: { dataDir: '' } }],
  exports: [SETTINGS],
})
class SettingsModule {}

/** Lives in a module that does not import StorageModule: proves the driver is global. */
@Injectable()
class UsesStorage {
  constructor(@Inject(STORAGE_DRIVER) readonly storage: StorageDriver) {}
}

@Module({ providers: [UsesStorage] })
class FeatureModule {}

describe('StorageModule', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-module-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  afterEach(() => jest.restoreAllMocks());

  it('forRootAsync builds the driver from injected dependencies and shares it globally', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRootAsync({
          imports: [SettingsModule],
          inject: [SETTINGS],
          useFactory: async (settings: { dataDir: string }) => ({
            driver: 'local',
            dataDir: join(dataDir, settings.dataDir, 'from-factory'),
          }),
        }),
        FeatureModule,
      ],
    }).compile();

    const storage = moduleRef.get<StorageDriver>(STORAGE_DRIVER);
    expect(storage).toBeInstanceOf(LocalStorageDriver);
    expect(storage.location('a/b.json')).toBe(`file://${dataDir}/from-factory/a/b.json`);
    expect(moduleRef.get(UsesStorage).storage).toBe(storage);
    await moduleRef.close();
  });

  it('forRoot picks the S3 driver and closes it on shutdown', async () => {
    const close = jest.spyOn(S3StorageDriver.prototype, 'close');
    const moduleRef = await Test.createTestingModule({
      imports: [
        StorageModule.forRoot({
          driver: 's3',
          bucket: 'photos',
          region: 'us-east-1',
        }),
      ],
    }).compile();

    const storage = moduleRef.get<StorageDriver>(STORAGE_DRIVER);
    expect(storage.kind).toBe('s3');
    expect(storage.location('original/x.jpg')).toBe('s3://photos/original/x.jpg');
    expect(close).not.toHaveBeenCalled();
    await moduleRef.close();
    expect(close).toHaveBeenCalledTimes(1);
  });
});
