import {
  type DynamicModule,
  type FactoryProvider,
  Global,
  Inject,
  Module,
  type ModuleMetadata,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { createStorageDriver } from './create-storage-driver';
import type { StorageDriver } from './storage-driver';
import { STORAGE_DRIVER } from './storage-driver.token';
import type { StorageOptions } from './storage-options';
import { StorageHealthIndicator } from './storage.health';

export { STORAGE_DRIVER };

export interface StorageModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: FactoryProvider<StorageOptions | Promise<StorageOptions>>['useFactory'];
}

/** Provides one StorageDriver and its health indicator to the whole app, and closes the driver when the app shuts down. */
@Global()
@Module({})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(STORAGE_DRIVER) private readonly driver: StorageDriver) {}

  static forRoot(options: StorageOptions): DynamicModule {
    return {
      module: StorageModule,
      imports: [TerminusModule],
      providers: [
        {
          provide: STORAGE_DRIVER,
          useFactory: () => createStorageDriver(options),
        },
        StorageHealthIndicator,
      ],
      exports: [STORAGE_DRIVER, StorageHealthIndicator],
    };
  }

  static forRootAsync(options: StorageModuleAsyncOptions): DynamicModule {
    return {
      module: StorageModule,
      imports: [TerminusModule, ...(options.imports ?? [])],
      providers: [
        {
          provide: STORAGE_DRIVER,
          inject: options.inject ?? [],
          useFactory: async (...deps: unknown[]) => createStorageDriver(await options.useFactory(...deps)),
        },
        StorageHealthIndicator,
      ],
      exports: [STORAGE_DRIVER, StorageHealthIndicator],
    };
  }

  /** Last of the shutdown hooks: a draining worker still writes its results. */
  async onApplicationShutdown(): Promise<void> {
    await this.driver.close?.();
  }
}
