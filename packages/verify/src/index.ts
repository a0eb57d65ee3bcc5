export { isOssCallbackVerificationError, type OssCallbackErrorCode, OssCallbackVerificationError } from './errors.js';
export { parsePublicKey } from './key-cache.js';
export { fillMissingJsonValues } from './parse-body.js';
export { buildStringsToSign } from './string-to-sign.js';
export { DEFAULT_OSS_KEY_URL_PREFIXES } from './trust.js';
export type {
  CallbackPayload,
  CallbackRequest,
  FetchLike,
  HeadersLike,
  SeenIdStore,
  Verifier,
  VerifyOptions,
} from './types.js';
export { createMemorySeenIdStore, createVerifier, verifyOssCallback } from './verify.js';
