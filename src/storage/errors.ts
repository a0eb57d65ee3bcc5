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

/** Error codes that mean the disk (or the user's quota) under the data directory is full. */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** Whether `err`, or an error in its `cause` chain, says the disk is full (fs errno or SQLite's SQLITE_FULL). */
export function isDiskFull(err: unknown): boolean {
  let e = err;
  for (let depth = 0; e instanceof Error && depth < 8; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && DISK_FULL_CODES.has(code)) return true;
    e = e.cause;
  }
  return false;
}
