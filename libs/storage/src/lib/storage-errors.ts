/** The key names no object; callers answer 404, not 503. */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  readonly code = 'OBJECT_NOT_FOUND';

  constructor(
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`No object stored under key "${key}"`, options);
  }
}

/** The store itself did not answer (refused, timed out, 5xx): worth retrying later, not a missing object. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  readonly code = 'STORAGE_UNAVAILABLE';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
