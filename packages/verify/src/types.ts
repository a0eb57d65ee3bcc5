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
}

export interface Verifier {
  verify(request: CallbackRequest): Promise<CallbackPayload>;
}
