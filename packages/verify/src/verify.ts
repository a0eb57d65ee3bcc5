import { type KeyObject, verify as rsaVerify } from 'node:crypto';
import { OssCallbackVerificationError } from './errors.js';
import { getHeader } from './headers.js';
import { type CachedKey, KeyCache, parsePublicKey } from './key-cache.js';
import { parseVariables } from './parse-body.js';
import { buildStringsToSign } from './string-to-sign.js';
import { checkKeyUrl, compileTrustedPrefixes } from './trust.js';
import type { CallbackPayload, CallbackRequest, FetchLike, SeenIdStore, Verifier, VerifyOptions } from './types.js';

const DEFAULT_TTL_MS = 60 * 60 * 1000;
const DEFAULT_FETCH_TIMEOUT_MS = 5000;
const DEFAULT_REFETCH_COOLDOWN_MS = 60 * 1000;
const DEFAULT_TIMESTAMP_TOLERANCE_MS = 5 * 60 * 1000;

/** Key caches for `verifyOssCallback`: one for the global fetch, one per injected fetch function. */
const sharedCaches = new WeakMap<FetchLike, KeyCache>();
const globalFetchCache = new KeyCache();

function sharedCacheFor(fetchFn: FetchLike | undefined): KeyCache {
  if (!fetchFn) return globalFetchCache;
  let cache = sharedCaches.get(fetchFn);
  if (!cache) {
    cache = new KeyCache();
    sharedCaches.set(fetchFn, cache);
  }
  return cache;
}

/**
 * Creates a verifier with its own key cache. Options are validated here: a malformed trusted prefix
 * or pinned key throws a TypeError immediately.
 */
export function createVerifier(options: VerifyOptions = {}): Verifier & { clearKeyCache(): void } {
  const cache = new KeyCache();
  const verify = compile(options, cache);
  return { verify, clearKeyCache: () => cache.clear() };
}

/**
 * Verifies one callback request (see `createVerifier`); fetched keys go to a process-wide cache
 * (separate per injected `fetch`).
 */
export function verifyOssCallback(request: CallbackRequest, options: VerifyOptions = {}): Promise<CallbackPayload> {
  return compile(options, sharedCacheFor(options.fetch))(request);
}

function compile(options: VerifyOptions, cache: KeyCache): (request: CallbackRequest) => Promise<CallbackPayload> {
  const prefixes = compileTrustedPrefixes(options.trustedKeyUrlPrefixes, options.trustDefaultOss);
  const pinned = options.publicKey === undefined ? undefined : parsePublicKey(options.publicKey);
  const ttlMs = options.keyCacheTtlMs ?? DEFAULT_TTL_MS;
  const cooldownMs = options.keyRefetchCooldownMs ?? DEFAULT_REFETCH_COOLDOWN_MS;
  const jsonMissingValuesAsNull = options.jsonMissingValuesAsNull ?? false;
  const fetchOptions = () => ({
    fetch: options.fetch ?? (globalThis.fetch as FetchLike),
    timeoutMs: options.keyFetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
  });

  return async (request) => {
    if (request.method.toUpperCase() !== 'POST') {
      throw new OssCallbackVerificationError('BAD_REQUEST', `OSS callbacks are POST requests, got ${request.method}`);
    }
    const authorization = getHeader(request.headers, 'authorization');
    if (!authorization) {
      throw new OssCallbackVerificationError('MISSING_SIGNATURE', 'Missing authorization header');
    }
    const signature = Buffer.from(authorization, 'base64');
    const encodedKeyUrl = getHeader(request.headers, 'x-oss-pub-key-url');
    const keyUrl = encodedKeyUrl ? Buffer.from(encodedKeyUrl, 'base64').toString('utf8') : '';
    const rawBody = toBuffer(request.body);
    const candidates = buildStringsToSign(request.url, rawBody);

    let key: KeyObject;
    if (pinned) {
      if (!matches(candidates, pinned, signature)) throw badSignature();
      key = pinned;
    } else {
      if (!keyUrl) throw new OssCallbackVerificationError('MISSING_KEY_URL', 'Missing x-oss-pub-key-url header');
      const url = checkKeyUrl(keyUrl, prefixes); // throws before any fetch
      const cached = cache.get(url, ttlMs);
      const entry: CachedKey = cached ?? (await cache.fetch(url, fetchOptions()));
      key = entry.key;
      if (!matches(candidates, entry.key, signature)) {
        // Maybe the key was rotated since we cached it: fetch once more, at most once per cooldown.
        const stale = cached !== undefined && Date.now() - cached.fetchedAt >= cooldownMs;
        if (!stale) throw badSignature();
        const fresh = await cache.fetch(url, fetchOptions());
        if (!matches(candidates, fresh.key, signature)) throw badSignature();
        key = fresh.key;
      }
    }
    const deliveryId = getHeader(request.headers, 'x-ossd-delivery-id');
    const attemptText = getHeader(request.headers, 'x-ossd-attempt');
    const v2 = await checkV2(request, candidates, key, deliveryId, options);

    const contentType = getHeader(request.headers, 'content-type') ?? '';
    const body = rawBody.toString('utf8');
    return {
      body,
      rawBody,
      contentType,
      variables: parseVariables(body, contentType, jsonMissingValuesAsNull),
      keyUrl,
      ...(deliveryId === undefined ? {} : { deliveryId }),
      ...(attemptText !== undefined && /^\d+$/.test(attemptText) ? { attempt: Number(attemptText) } : {}),
      ...(v2 === undefined ? {} : { timestamp: v2 }),
      signatureV2: v2 !== undefined,
    };
  };
}

/**
 * ossd's v2 signature: RSA-SHA256 over `timestamp + "\n" + deliveryId + "\n" + the OSS string to sign`.
 * Returns the verified timestamp, or undefined when absent (and not required).
 */
async function checkV2(
  request: CallbackRequest,
  candidates: readonly Buffer[],
  key: KeyObject,
  deliveryId: string | undefined,
  options: VerifyOptions,
): Promise<number | undefined> {
  const signatureText = getHeader(request.headers, 'x-ossd-signature');
  const timestampText = getHeader(request.headers, 'x-ossd-timestamp');
  if (signatureText === undefined && timestampText === undefined) {
    if (options.requireSignatureV2)
      throw new OssCallbackVerificationError('BAD_SIGNATURE_V2', 'Missing x-ossd-signature (ossd signature v2)');
    return undefined;
  }
  if (signatureText === undefined || timestampText === undefined || deliveryId === undefined)
    throw new OssCallbackVerificationError(
      'BAD_SIGNATURE_V2',
      'An ossd v2 signature needs x-ossd-signature, x-ossd-timestamp and x-ossd-delivery-id',
    );
  if (!/^\d{1,16}$/.test(timestampText))
    throw new OssCallbackVerificationError('BAD_SIGNATURE_V2', 'x-ossd-timestamp is not a number of milliseconds');
  const prefix = Buffer.from(`${timestampText}\n${deliveryId}\n`, 'utf8');
  const signature = Buffer.from(signatureText, 'base64');
  const ok = candidates.some((c) => {
    try {
      return rsaVerify('sha256', Buffer.concat([prefix, c]), key, signature);
    } catch {
      return false;
    }
  });
  if (!ok) throw new OssCallbackVerificationError('BAD_SIGNATURE_V2', 'x-ossd-signature does not verify');
  const timestamp = Number(timestampText);
  const tolerance = options.timestampToleranceMs ?? DEFAULT_TIMESTAMP_TOLERANCE_MS;
  if (Math.abs(Date.now() - timestamp) > tolerance)
    throw new OssCallbackVerificationError(
      'STALE_TIMESTAMP',
      `x-ossd-timestamp is ${Math.round((Date.now() - timestamp) / 1000)} s from now (tolerance ${tolerance / 1000} s)`,
    );
  if (options.seenIds) {
    const fresh = await options.seenIds.remember(`${deliveryId}/${timestampText}`, timestamp + tolerance);
    if (!fresh)
      throw new OssCallbackVerificationError('REPLAYED', `Delivery ${deliveryId} at ${timestampText} was already seen`);
  }
  return timestamp;
}

/**
 * A SeenIdStore in this process's memory: entries are dropped once expired (the tolerance makes an
 * older replay stale anyway); at most `maxEntries` (default 100 000) are kept, the oldest dropped first.
 */
export function createMemorySeenIdStore(maxEntries = 100_000): SeenIdStore & { size(): number } {
  const seen = new Map<string, number>();
  return {
    remember(id, expiresAt) {
      const now = Date.now();
      for (const [k, exp] of seen) {
        if (exp > now && seen.size < maxEntries) break;
        seen.delete(k);
      }
      if ((seen.get(id) ?? 0) > now) return false;
      seen.set(id, expiresAt);
      return true;
    },
    size: () => seen.size,
  };
}

function matches(candidates: readonly Buffer[], key: KeyObject, signature: Buffer): boolean {
  return candidates.some((data) => {
    try {
      return rsaVerify('md5', data, key, signature);
    } catch {
      return false;
    }
  });
}

function badSignature(): OssCallbackVerificationError {
  return new OssCallbackVerificationError('BAD_SIGNATURE', 'Callback signature does not verify');
}

function toBuffer(body: Buffer | Uint8Array | string): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
