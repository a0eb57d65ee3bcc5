/** Errors the storage layer throws; one function in errors/ maps them to OSS errors. */
export class StorageError extends Error {
  constructor(
    readonly kind: 'too-large' | 'client-aborted' | 'conflict' | 'io',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}
