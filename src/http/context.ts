import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Requester } from '../auth/access.js';
import type { Principal } from '../auth/authenticate.js';
import type { HeaderBag } from '../auth/signature-v1.js';
import type { BucketRecord, ObjectRecord } from '../storage/types.js';
import type { OperationName } from './operations.js';

export interface RequestContext {
  req: IncomingMessage;
  requestId: string;
  startedAt: number;
  method: string;
  /** Lower-cased header names; values decoded as UTF-8 where the bytes were UTF-8. */
  headers: HeaderBag;
  /** Decoded query parameters in order. */
  query: [string, string][];
  params: Map<string, string>;
  bucket?: string;
  /** Decoded object key ('' for bucket-level requests). */
  key: string;
  operation: OperationName;
  principal: Principal | null;
  /** The principal with the request's condition facts and the access settings of the buckets it touches. */
  requester: Requester;
  /** Loaded for every bucket-level and object-level operation. */
  bucketRecord?: BucketRecord;
  /**
   * GetObject by a caller other than the bucket owner: the object (and inline bytes) read for the ACL
   * check, handed to the handler so it is read once (null: there was no such object).
   */
  objectRead?: { object: ObjectRecord; data?: Buffer } | null;
  clientIp: string;
  /** Static website: the status the document served answers with (its ErrorDocument HttpStatus). */
  websiteStatus?: number;
  /** HostId for error bodies. */
  hostId: string;
  /** Bytes of request body consumed (for logs and metrics). */
  bytesIn: number;
}

export interface OssResponse {
  status?: number;
  headers?: Record<string, string | number | undefined>;
  body?: string | Buffer | Readable;
}

export function xmlResponse(
  body: string,
  headers: Record<string, string | number | undefined> = {},
  status = 200,
): OssResponse {
  return { status, headers: { 'content-type': 'application/xml', ...headers }, body };
}

/** UTF-8 text in a header arrives as latin1-decoded bytes; recover it when the bytes are valid UTF-8. */
export function headerText(v: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
  if (/^[\x00-\x7f]*$/.test(v)) return v;
  const bytes = Buffer.from(v, 'latin1');
  const s = bytes.toString('utf8');
  return Buffer.from(s, 'utf8').equals(bytes) ? s : v;
}

/** Encodes a UTF-8 header value for Node, which writes header strings as latin1. */
export function headerValue(v: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
  if (/^[\x00-\x7f]*$/.test(v)) return v;
  return Buffer.from(v, 'utf8').toString('latin1');
}
