export type { StorageDriver, PutOptions, StoredObjectStream } from './lib/storage-driver';
export type { StorageOptions, S3StorageOptions, S3Encryption, LocalStorageOptions } from './lib/storage-options';
export { ObjectNotFoundError, StorageUnavailableError } from './lib/storage-errors';
export { createStorageDriver } from './lib/create-storage-driver';
export { S3StorageDriver, DEFAULT_PART_SIZE_BYTES, MIN_PART_SIZE_BYTES } from './lib/s3-storage.driver';
export { LocalStorageDriver } from './lib/local-storage.driver';
export { StorageModule, STORAGE_DRIVER, type StorageModuleAsyncOptions } from './lib/storage.module';
export { StorageHealthIndicator } from './lib/storage.health';
