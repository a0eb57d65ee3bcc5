/**
 * A thin S3 client: undici (keep-alive connection pool) + SigV4 signing by `aws4`. Only the few calls the
 * blob store needs. Bodies are always in memory (replayable, known length), sent with UNSIGNED-PAYLOAD so
 * no body is hashed twice; response bodies are streamed. Chosen over @aws-sdk/client-s3 by measurement
 * (docs/scale-out.md, "Object bytes in an S3 store").
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import aws4 from 'aws4';
import { XMLParser } from 'fast-xml-parser';
import { Agent, type Dispatcher } from 'undici';
import { StorageError } from '../errors.js';

export interface S3ClientOptions {
  /** e.g. http://127.0.0.1:7480 */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Bucket in the path (default) or in the host name. */
  pathStyle: boolean;
  /** Give up connecting after this long (ms). */
  connectTimeoutMs: number;
  /** Give up on a response's headers, or on a stalled body, after this long (ms). */
  responseTimeoutMs: number;
  /** Keep-alive connections per endpoint. */
  connections: number;
}

export interface S3Request {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  bucket: string;
  key?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A buffer, or buffers sent back to back (a part gathered in batches); replayable either way. */
  body?: Buffer | Buffer[];
  /** Aborts the request (e.g. a health probe's short deadline). */
  signal?: AbortSignal;
}

export interface S3Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

/** An error answer from the S3 store (status and its XML error code). */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly s3Code: string,
    message: string,
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

const xml = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name, jpath) =>
    ['Contents', 'Upload', 'Deleted', 'Part', 'CommonPrefixes'].includes(name) || jpath === 'DeleteResult.Error',
});

/** Parses an XML response body (small: listings, upload ids, errors). */
export function parseXml(text: string): Record<string, unknown> {
  return xml.parse(text) as Record<string, unknown>;
}

/** RFC 3986 encoding, as SigV4 canonicalises it (aws4 encodes the query this way). */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Network failures that mean the store is not reachable right now. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function unreachable(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string }; name?: string };
  return (
    UNREACHABLE.has(e.code ?? '') ||
    UNREACHABLE.has(e.cause?.code ?? '') ||
    e.name === 'AbortError' ||
    e.name === 'TimeoutError'
  );
}

export class S3Client {
  private readonly agent: Agent;
  private readonly origin: URL;

  constructor(private readonly options: S3ClientOptions) {
    this.origin = new URL(options.endpoint);
    this.agent = new Agent({
      connections: options.connections,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.responseTimeoutMs,
      bodyTimeout: options.responseTimeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  /**
   * Sends one signed request. Resolves with any 2xx/3xx answer and with 404 (callers tell a missing key
   * from an error); a 5xx or a network failure rejects with StorageError 'unavailable', any other error
   * answer with S3Error. A request whose reused keep-alive socket was closed under it is sent once more
   * (bodies are Buffers, so replayable).
   */
  async send(req: S3Request): Promise<S3Response> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.sendOnce(req);
      } catch (err) {
        const code = (err as { code?: string }).code;
        const stale = code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
        if (stale && attempt === 0 && !req.signal?.aborted) continue;
        if (err instanceof StorageError || err instanceof S3Error) throw err;
        if (unreachable(err)) {
          throw new StorageError('unavailable', `S3 store ${this.origin.host} unreachable: ${(err as Error).message}`, {
            cause: err,
          });
        }
        throw err;
      }
    }
  }

  private async sendOnce(req: S3Request): Promise<S3Response> {
    const { pathStyle } = this.options;
    const keyPath = req.key === undefined ? '' : `/${req.key.split('/').map(encode).join('/')}`;
    const path = pathStyle ? `/${encode(req.bucket)}${keyPath}` : keyPath || '/';
    const host = pathStyle ? this.origin.host : `${req.bucket}.${this.origin.host}`;
    const query = Object.entries(req.query ?? {})
      .map(([k, v]) => (v === '' ? encode(k) : `${encode(k)}=${encode(v)}`))
      .join('&');
    const fullPath = query ? `${path}?${query}` : path;
    const headers: Record<string, string> = { ...req.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    const length = Array.isArray(req.body) ? req.body.reduce((n, b) => n + b.length, 0) : req.body?.length;
    if (length !== undefined) headers['content-length'] = String(length);
    const signed = aws4.sign(
      { host, path: fullPath, method: req.method, service: 's3', region: this.options.region, headers },
      {
        accessKeyId: this.options.accessKeyId,
        secretAccessKey: this.options.secretAccessKey,
        sessionToken: this.options.sessionToken,
      },
    );
    const res = await this.agent.request({
      origin: `${this.origin.protocol}//${host}`,
      path: fullPath,
      method: req.method,
      headers: signed.headers as Record<string, string>,
      // undici sends an iterable body chunk by chunk (its types only name streams and buffers).
      body: Array.isArray(req.body) ? (iterate(req.body) as unknown as Readable) : req.body,
      signal: req.signal,
    });
    if (res.statusCode < 400 || res.statusCode === 404) {
      return { status: res.statusCode, headers: res.headers, body: res.body };
    }
    const text = await res.body.text().catch(() => '');
    const detail = (parseXmlSafe(text)?.Error ?? {}) as { Code?: string; Message?: string };
    const code = detail.Code ?? `HTTP${res.statusCode}`;
    const message = `S3 ${req.method} ${req.bucket}/${req.key ?? ''}: ${res.statusCode} ${code}${detail.Message ? ` ${detail.Message}` : ''}`;
    if (res.statusCode >= 500) throw new StorageError('unavailable', message);
    throw new S3Error(res.statusCode, code, message);
  }

  /** Sends a request whose answer is a small XML document (404 included: it is an error here). */
  async sendXml(req: S3Request): Promise<Record<string, unknown>> {
    const res = await this.send(req);
    const text = await res.body.text();
    if (res.status === 404) {
      const detail = (parseXmlSafe(text)?.Error ?? {}) as { Code?: string };
      throw new S3Error(404, detail.Code ?? 'NotFound', `S3 ${req.method} ${req.bucket}/${req.key ?? ''}: 404`);
    }
    return text ? parseXml(text) : {};
  }

  /** A request body for calls that need Content-MD5 (DeleteObjects). */
  static md5Header(body: Buffer): Record<string, string> {
    return { 'content-md5': createHash('md5').update(body).digest('base64'), 'content-type': 'application/xml' };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function* iterate(bufs: Buffer[]): Generator<Buffer> {
  yield* bufs;
}

function parseXmlSafe(text: string): Record<string, unknown> | undefined {
  try {
    return text ? parseXml(text) : undefined;
  } catch {
    return undefined;
  }
}
