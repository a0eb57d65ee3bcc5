import type { KeyObject } from 'node:crypto';

/** Header bag as node:http gives it (lower-case keys) or a WHATWG `Headers` object. */
export type HeadersLike = Record<string, string | string[] | undefined> | Headers;

/** The parts of an incoming HTTP request the verifier needs. */
export interface CallbackRequest {
  /** HTTP method; OSS always POSTs callbacks. */
  method: string;
  /**
   * The request target exactly as received: origin-form (`/index.php?id=1&index=2`) or an absolute URL
   * (`http://host/index.php?id=1&index=2`). Only the path and query are used.
   */
  url: string;
  headers: HeadersLike;
  /** The raw body bytes as received. A string is taken as UTF-8 text. Never pass a re-serialised body. */
  body: Buffer | Uint8Array | string;
}

/** Minimal `fetch` signature the verifier calls (compatible with the global `fetch`). */
export type FetchLike = (
  url: string,
  init: { redirect: 'error'; signal: AbortSignal; headers: Record<string, string> },
) => Promise<{
  ok: boolean;
  status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

export interface VerifyOptions {
  /**
   * Extra key-URL prefixes that may be fetched, e.g. `http://localhost:18080/` for an ossd endpoint.
   * They are added to the OSS defaults (`http://gosspublic.alicdn.com/`, `https://gosspublic.alicdn.com/`).
   * Matching compares the parsed origin (scheme, host, port) exactly and the path as a prefix.
   */
  trustedKeyUrlPrefixes?: readonly string[];
  /** Trust the real OSS key host `gosspublic.alicdn.com` (default `true`). */
  trustDefaultOss?: boolean;
  /**
   * A pinned public key (PEM text or a `KeyObject`). When set, no key is ever fetched and the
   * `x-oss-pub-key-url` header is ignored (it need not even be present).
   */
  publicKey?: string | KeyObject;
  /** How long a fetched key is reused, in ms (default 1 hour). */
  keyCacheTtlMs?: number;
  /** Timeout for fetching a key, in ms (default 5000). */
  keyFetchTimeoutMs?: number;
  /**
   * When a signature does not verify with a cached key that is at least this old (ms), the key is
   * fetched again once and the signature re-checked — so a rotated key (e.g. a fresh ossd data
   * directory) is picked up without waiting for the TTL. Default 60 000; `Infinity` disables it.
   */
  keyRefetchCooldownMs?: number;
  /** `fetch` implementation used to download keys (default: the global `fetch`). */
  fetch?: FetchLike;
  /**
   * The real OSS renders absent numeric variables as nothing (`"imageInfo.height":,`), which is not
   * valid JSON. By default such a body yields `variables: undefined`. Set this to `true` to parse it
   * with the missing values read as `null` instead.
   */
  jsonMissingValuesAsNull?: boolean;
  /**
   * ossd's replay-safe signature (`x-ossd-timestamp` + `x-ossd-signature`, sent by an ossd started with
   * `--callback-signature-v2`). It is always checked when present; `true` also rejects a request
   * without it (`BAD_SIGNATURE_V2`), e.g. once every sender you accept is such an ossd. Default false.
   */
  requireSignatureV2?: boolean;
  /**
   * How far `x-ossd-timestamp` may be from now, in ms, before a v2-signed request is rejected as
   * `STALE_TIMESTAMP` (default 300 000 = 5 minutes).
   */
  timestampToleranceMs?: number;
  /**
   * Where v2-signed deliveries already accepted are remembered, to reject replays (`REPLAYED`). Use
   * `createMemorySeenIdStore()` in one process, or your own store (e.g. Redis SET NX with expiry)
   * shared by several. Without one, replays within the tolerance are not detected.
   */
  seenIds?: SeenIdStore;
}

/**
 * Remembers v2-signed deliveries. `remember` records `id` until `expiresAt` (ms since the epoch) and
 * returns true when it was new, false when it was already there (a replay). Must be atomic per id.
 */
export interface SeenIdStore {
  remember(id: string, expiresAt: number): boolean | Promise<boolean>;
}

/** A verified callback. */
export interface CallbackPayload {
  /** The body as UTF-8 text. */
  body: string;
  /** The exact body bytes that were verified. */
  rawBody: Buffer;
  /** The request's `Content-Type` header ('' when absent). */
  contentType: string;
  /**
   * Parsed variables: for `application/x-www-form-urlencoded` an object of strings (last value wins
   * for repeated names); for JSON the parsed object. `undefined` when the body is neither, is not a
   * JSON object, or is invalid JSON (see `jsonMissingValuesAsNull`). The signature is valid either way.
   */
  variables: Record<string, unknown> | undefined;
  /** The decoded `x-oss-pub-key-url` ('' if absent, which is only accepted with a pinned key). */
  keyUrl: string;
  /**
   * ossd's `x-ossd-delivery-id`: the same for every attempt of one delivery, so an application can
   * deduplicate retried callbacks and notifications. Undefined from the real OSS.
   */
  deliveryId?: string;
  /** ossd's `x-ossd-attempt` (1 for the first try). Not signed: informative only. */
  attempt?: number;
  /** `x-ossd-timestamp` (ms since the epoch) when the request carried a verified v2 signature. */
  timestamp?: number;
  /** True when the ossd v2 signature was present and verified (timestamp and delivery id are signed). */
  signatureV2: boolean;
}

export interface Verifier {
  verify(request: CallbackRequest): Promise<CallbackPayload>;
}
