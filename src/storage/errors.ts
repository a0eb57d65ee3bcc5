/**
 * Errors the storage layer throws; one function in errors/ maps them to OSS errors. 'unavailable': a shared
 * store (S3 object store) cannot be reached or answers 5xx — the request may succeed later (503).
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
