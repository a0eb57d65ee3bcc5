/**
 * Errors the storage layer throws; one function in errors/ maps them to OSS errors. `unavailable`: a backend
 * (PostgreSQL, the S3 store) cannot be reached or answers with a server error — the request answers 503.
 */
export class StorageError extends Error {
  constructor(
    readonly kind: 'too-large' | 'client-aborted' | 'conflict' | 'io' | 'unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}
