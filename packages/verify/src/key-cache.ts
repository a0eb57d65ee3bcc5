import { createPublicKey, type KeyObject } from 'node:crypto';
import { OssCallbackVerificationError } from './errors.js';
import type { FetchLike } from './types.js';

/** Keys larger than this are not PEM public keys. */
const MAX_KEY_BYTES = 64 * 1024;

export interface CachedKey {
  key: KeyObject;
  fetchedAt: number;
}

export interface KeyFetchOptions {
  fetch: FetchLike;
  timeoutMs: number;
}

/**
 * Public keys by URL. Only URLs that already passed the trust check are ever looked up.
 * Concurrent look-ups of the same URL share one download; failures are not cached.
 */
export class KeyCache {
  readonly #entries = new Map<string, CachedKey>();
  readonly #inFlight = new Map<string, Promise<CachedKey>>();

  /** The cached key if it is younger than `ttlMs`. */
  get(url: string, ttlMs: number, now = Date.now()): CachedKey | undefined {
    const entry = this.#entries.get(url);
    if (entry && now - entry.fetchedAt < ttlMs) return entry;
    return undefined;
  }

  /** Downloads the key (joining a download already in progress) and caches it. */
  fetch(url: string, options: KeyFetchOptions): Promise<CachedKey> {
    const pending = this.#inFlight.get(url);
    if (pending) return pending;
    const promise = downloadKey(url, options)
      .then((key) => {
        const entry = { key, fetchedAt: Date.now() };
        this.#entries.set(url, entry);
        return entry;
      })
      .finally(() => this.#inFlight.delete(url));
    this.#inFlight.set(url, promise);
    return promise;
  }

  clear(): void {
    this.#entries.clear();
  }
}

async function downloadKey(url: string, { fetch, timeoutMs }: KeyFetchOptions): Promise<KeyObject> {
  let pem: Buffer;
  try {
    const response = await fetch(url, {
      // A trusted URL must not be able to send us to an untrusted one.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/x-pem-file, text/plain, */*' },
    });
    if (!response.ok) throw new Error(`HTTP status ${response.status}`);
    pem = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new OssCallbackVerificationError(
      'KEY_FETCH_FAILED',
      `Could not fetch public key from ${url}: ${describe(error)}`,
      {
        cause: error,
      },
    );
  }
  if (pem.length > MAX_KEY_BYTES) {
    throw new OssCallbackVerificationError('KEY_FETCH_FAILED', `Public key at ${url} is too large`);
  }
  try {
    return parsePublicKey(pem);
  } catch (error) {
    throw new OssCallbackVerificationError('KEY_FETCH_FAILED', `No RSA public key at ${url}: ${describe(error)}`, {
      cause: error,
    });
  }
}

/** Parses a PEM (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`) and insists on RSA. */
export function parsePublicKey(pem: string | Buffer | KeyObject): KeyObject {
  // createPublicKey also accepts a private key (PEM or KeyObject) and derives its public half.
  const key =
    typeof pem === 'string' || Buffer.isBuffer(pem)
      ? createPublicKey({ key: pem, format: 'pem' })
      : pem.type === 'private'
        ? createPublicKey(pem)
        : pem;
  if (key.type !== 'public' || key.asymmetricKeyType !== 'rsa') {
    throw new TypeError(`Expected an RSA public key, got a ${key.asymmetricKeyType ?? 'unknown'} ${key.type} key`);
  }
  return key;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
