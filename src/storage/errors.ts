/** Errors the storage layer throws; one function in errors/ maps them to OSS errors. */
export class StorageError extends Error {
  constructor(
    /** 'unavailable': the shared metadata store (PostgreSQL) does not answer; the request may be retried. */
    readonly kind: 'too-large' | 'client-aborted' | 'conflict' | 'io' | 'unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}
