import {
  type DynamicModule,
  type FactoryProvider,
  Global,
  Inject,
  Module,
  type ModuleMetadata,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createStorageDriver } from './create-storage-driver';
import type { StorageDriver } from './storage-driver';
import type { StorageOptions } from './storage-options';

/** Injection token of the StorageDriver: `@Inject(STORAGE_DRIVER) storage: StorageDriver`. */
export const STORAGE_DRIVER = Symbol('STORAGE_DRIVER');

export interface StorageModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: FactoryProvider<StorageOptions | Promise<StorageOptions>>['useFactory'];
}

/** Provides one StorageDriver to the whole app and closes it when the app shuts down. */
@Global()
@Module({})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(STORAGE_DRIVER) private readonly driver: StorageDriver) {}

  static forRoot(options: StorageOptions): DynamicModule {
    return {
      module: StorageModule,
      providers: [
        {
          provide: STORAGE_DRIVER,
          useFactory: () => createStorageDriver(options),
        },
      ],
      exports: [STORAGE_DRIVER],
    };
  }

  static forRootAsync(options: StorageModuleAsyncOptions): DynamicModule {
    return {
      module: StorageModule,
      imports: options.imports ?? [],
      providers: [
        {
          provide: STORAGE_DRIVER,
          inject: options.inject ?? [],
          useFactory: async (...deps: unknown[]) => createStorageDriver(await options.useFactory(...deps)),
        },
      ],
      exports: [STORAGE_DRIVER],
    };
  }

  /** Last of the shutdown hooks: a draining worker still writes its results. */
  async onApplicationShutdown(): Promise<void> {
    await this.driver.close?.();
  }
}
