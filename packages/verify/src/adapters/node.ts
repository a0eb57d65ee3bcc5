import type { IncomingMessage, ServerResponse } from 'node:http';
import { OssCallbackVerificationError } from '../errors.js';
import type { CallbackPayload, Verifier, VerifyOptions } from '../types.js';
import { createVerifier, verifyOssCallback } from '../verify.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface NodeVerifyOptions extends VerifyOptions {
  /** Largest body accepted, in bytes (default 1 MB). */
  maxBodyBytes?: number;
}

/** Reads a request's raw body, refusing more than `maxBodyBytes`. */
export function readRawBody(req: IncomingMessage, maxBodyBytes = DEFAULT_MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (req.readableEnded) {
      reject(new OssCallbackVerificationError('BAD_REQUEST', 'Request body was already consumed'));
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (declared > maxBodyBytes) {
      reject(tooLarge(maxBodyBytes));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > maxBodyBytes) {
        cleanup();
        req.resume();
        reject(tooLarge(maxBodyBytes));
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(
        new OssCallbackVerificationError('BAD_REQUEST', `Could not read body: ${error.message}`, { cause: error }),
      );
    };
    const onAborted = () => onError(new Error('request aborted'));
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function tooLarge(limit: number): OssCallbackVerificationError {
  return new OssCallbackVerificationError('BAD_REQUEST', `Body larger than ${limit} bytes`);
}

/** Reads the body of a node:http request and verifies it (shared key cache, or `verifier`'s own). */
export async function verifyNodeRequest(
  req: IncomingMessage,
  options: NodeVerifyOptions = {},
  verifier?: Verifier,
): Promise<CallbackPayload> {
  const body = await readRawBody(req, options.maxBodyBytes);
  const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
  return verifier ? verifier.verify(request) : verifyOssCallback(request, options);
}

export type OssCallbackNodeHandler = (
  payload: CallbackPayload,
  req: IncomingMessage,
  res: ServerResponse,
) => unknown | Promise<unknown>;

/**
 * A node:http request listener. Unverified requests get 400 `{"error":code,"message":…}`.
 * For verified ones `handler` runs: if it returns a value other than `undefined`, that value is sent
 * as JSON (200, with Content-Length, as OSS requires); if it returns `undefined` it must answer itself.
 * A throwing handler yields 500.
 */
export function ossCallbackHandler(
  options: NodeVerifyOptions,
  handler: OssCallbackNodeHandler,
): (req: IncomingMessage, res: ServerResponse) => void {
  const verifier = createVerifier(options);
  return (req, res) => {
    verifyNodeRequest(req, options, verifier).then(
      async (payload) => {
        let result: unknown;
        try {
          result = await handler(payload, req, res);
        } catch (error) {
          if (!res.headersSent) sendJson(res, 500, { error: 'HANDLER_FAILED', message: describe(error) });
          else res.destroy();
          return;
        }
        if (result !== undefined && !res.headersSent) sendJson(res, 200, result);
      },
      (error: unknown) => {
        if (res.headersSent) return;
        if (error instanceof OssCallbackVerificationError) sendJson(res, error.status, error.toJSON());
        else sendJson(res, 500, { error: 'INTERNAL', message: describe(error) });
      },
    );
  };
}

/** Writes `value` as a JSON response with Content-Length. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value) ?? 'null');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
