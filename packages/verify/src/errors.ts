/** Why a callback was rejected. */
export type OssCallbackErrorCode =
  | 'MISSING_SIGNATURE'
  | 'MISSING_KEY_URL'
  | 'UNTRUSTED_KEY_URL'
  | 'KEY_FETCH_FAILED'
  | 'BAD_SIGNATURE'
  | 'BAD_REQUEST'
  /** ossd v2: x-ossd-signature missing where required, or it does not verify. */
  | 'BAD_SIGNATURE_V2'
  /** ossd v2: x-ossd-timestamp outside the tolerance. */
  | 'STALE_TIMESTAMP'
  /** ossd v2: this exact delivery (id and timestamp) was seen before. */
  | 'REPLAYED';

/**
 * Thrown (or passed to `next`) when a request is not a genuine OSS callback.
 * `status` / `statusCode` are 400 so frameworks' default error handlers answer 400.
 */
export class OssCallbackVerificationError extends Error {
  override readonly name = 'OssCallbackVerificationError';
  readonly code: OssCallbackErrorCode;
  readonly status = 400;
  readonly statusCode = 400;

  constructor(code: OssCallbackErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** A JSON-serialisable description, safe to send back to the caller. */
  toJSON(): { error: OssCallbackErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }
}

export function isOssCallbackVerificationError(value: unknown): value is OssCallbackVerificationError {
  return value instanceof OssCallbackVerificationError;
}
