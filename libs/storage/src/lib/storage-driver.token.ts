/** Injection token of the StorageDriver: `@Inject(STORAGE_DRIVER) storage: StorageDriver`. */
export const STORAGE_DRIVER = Symbol('STORAGE_DRIVER');
