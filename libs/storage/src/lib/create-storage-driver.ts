import { LocalStorageDriver } from './local-storage.driver';
import { S3StorageDriver } from './s3-storage.driver';
import type { StorageDriver } from './storage-driver';
import type { StorageOptions } from './storage-options';

export function createStorageDriver(options: StorageOptions): StorageDriver {
  switch (options.driver) {
    case 's3':
      return new S3StorageDriver(options);
    case 'local':
      return new LocalStorageDriver(options);
  }
}
