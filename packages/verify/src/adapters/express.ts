import type { IncomingMessage } from 'node:http';
import { OssCallbackVerificationError } from '../errors.js';
import type { CallbackPayload } from '../types.js';
import { createVerifier } from '../verify.js';
import { type NodeVerifyOptions, readRawBody } from './node.js';

/** The parts of an Express request used here (an Express `Request` satisfies it). */
export interface ExpressRequestLike extends IncomingMessage {
  /** Set by body parsers; a Buffer (from `express.raw()`) is used as the raw body. */
  body?: unknown;
  /** The URL before routers stripped their mount path; the signature covers this one. */
  originalUrl?: string;
  ossCallback?: CallbackPayload;
}

export type ExpressNextLike = (error?: unknown) => void;

export type ExpressOssCallbackOptions = NodeVerifyOptions;

/**
 * Express middleware: verifies the callback and stores the result in `req.ossCallback`
 * (read it with `getOssCallback(req)` for typing). On failure it calls `next(err)` with an
 * `OssCallbackVerificationError` whose `status` is 400.
 *
 * Mount it before any JSON/urlencoded body parser for the callback route, or put `express.raw({ type: '*\/*' })`
 * in front of it: the signature covers the exact bytes, which a parsed body no longer has.
 */
export function ossCallback(
  options: ExpressOssCallbackOptions = {},
): (req: ExpressRequestLike, res: unknown, next: ExpressNextLike) => void {
  const verifier = createVerifier(options);
  return (req, _res, next) => {
    rawBodyOf(req, options.maxBodyBytes)
      .then((body) =>
        verifier.verify({
          method: req.method ?? 'GET',
          url: req.originalUrl ?? req.url ?? '/',
          headers: req.headers,
          body,
        }),
      )
      .then(
        (payload) => {
          req.ossCallback = payload;
          next();
        },
        (error: unknown) => next(error),
      );
  };
}

/** The verified payload stored by `ossCallback()`; throws if the middleware did not run. */
export function getOssCallback(req: object): CallbackPayload {
  const payload = (req as ExpressRequestLike).ossCallback;
  if (!payload) throw new Error('req.ossCallback is not set: mount ossCallback() before this handler');
  return payload;
}

function rawBodyOf(req: ExpressRequestLike, maxBodyBytes: number | undefined): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) return Promise.resolve(req.body);
  if (!req.readableEnded) return readRawBody(req, maxBodyBytes);
  return Promise.reject(
    new OssCallbackVerificationError(
      'BAD_REQUEST',
      'The request body was already parsed by another middleware; OSS callbacks must be verified over the raw ' +
        "bytes: use express.raw({ type: '*/*' }) on the callback route or mount ossCallback() before body parsers",
    ),
  );
}
