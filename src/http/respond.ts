import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OssError } from '../errors/oss-error.js';
import { isDiskFull, StorageError } from '../storage/errors.js';
import type { OssResponse } from './context.js';
import { settleUnreadBody } from './unread-body.js';
import { renderXml } from './xml.js';

export function errorXml(err: OssError, requestId: string, hostId: string): string {
  return renderXml('Error', {
    Code: err.code,
    Message: err.message,
    RequestId: requestId,
    HostId: hostId,
    ...err.extra,
    EC: err.ec,
  });
}

/** Writes an OSS error; HEAD gets no body and the XML base64-encoded in x-oss-err. */
export function sendError(
  res: ServerResponse,
  method: string,
  err: OssError,
  requestId: string,
  hostId: string,
): number {
  const xml = errorXml(err, requestId, hostId);
  if (res.headersSent) {
    res.destroy(err);
    return 0;
  }
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  res.setHeader('x-oss-ec', err.ec);
  settleUnreadBody(res);
  if (err.status === 304) {
    res.writeHead(304);
    res.end();
    return 0;
  }
  if (method === 'HEAD') {
    res.setHeader('x-oss-err', Buffer.from(xml).toString('base64'));
    res.writeHead(err.status, { 'content-length': 0 });
    res.end();
    return 0;
  }
  const body = Buffer.from(xml);
  res.writeHead(err.status, { 'content-type': 'application/xml', 'content-length': body.length });
  res.end(body);
  return body.length;
}

/** Writes a handler's response; resolves with the body bytes sent. */
export async function sendResponse(res: ServerResponse, method: string, r: OssResponse): Promise<number> {
  for (const [k, v] of Object.entries(r.headers ?? {})) if (v !== undefined) res.setHeader(k, v);
  settleUnreadBody(res);
  const status = r.status ?? 200;
  const body = r.body;
  if (body === undefined || method === 'HEAD' || status === 204 || status === 304) {
    if (body instanceof Readable) body.destroy();
    if (!res.hasHeader('content-length') && status !== 204 && status !== 304) res.setHeader('content-length', 0);
    res.writeHead(status);
    res.end();
    return 0;
  }
  if (typeof body === 'string') {
    // Written as a string: Node encodes it straight into the socket write (no Buffer copy of a large listing).
    const length = Buffer.byteLength(body);
    res.setHeader('content-length', length);
    res.writeHead(status);
    res.end(body, 'utf8');
    return length;
  }
  if (Buffer.isBuffer(body)) {
    res.setHeader('content-length', body.length);
    res.writeHead(status);
    res.end(body);
    return body.length;
  }
  res.writeHead(status);
  let sent = 0;
  body.on('data', (c: Buffer) => {
    sent += c.length;
  });
  await pipeline(body, res);
  return sent;
}

/**
 * The one place an unexpected error becomes an OSS error: a full disk (ENOSPC, EDQUOT, SQLITE_FULL,
 * also as the cause of an InternalError) is 507 InsufficientStorage; anything else is InternalError.
 */
export function toOssError(err: unknown): OssError {
  if (err instanceof OssError && err.code !== 'InternalError') return err;
  if (isDiskFull(err)) return new OssError('InsufficientStorage', { cause: err });
  if (err instanceof OssError) return err;
  if (err instanceof StorageError && err.kind === 'unavailable') {
    return new OssError('ServiceUnavailable', {
      message: 'The service is temporarily unavailable: a storage backend cannot be reached. Please try again.',
      cause: err,
    });
  }
  return new OssError('InternalError', { cause: err });
}
