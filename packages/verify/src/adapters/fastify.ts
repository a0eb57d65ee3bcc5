import { OssCallbackVerificationError } from '../errors.js';
import type { CallbackPayload, HeadersLike, Verifier, VerifyOptions } from '../types.js';
import { createVerifier, verifyOssCallback } from '../verify.js';

/** The parts of a Fastify request used here (a `FastifyRequest` satisfies it). */
export interface FastifyRequestLike {
  method: string;
  url: string;
  /** Fastify ≥ 4.x: the URL before any `rewriteUrl`. */
  originalUrl?: string;
  headers: HeadersLike;
  body: unknown;
  ossCallback?: CallbackPayload | null;
}

/** The parts of a Fastify reply used here. */
export interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  send(payload: unknown): FastifyReplyLike;
}

/** The parts of a Fastify instance used here (a `FastifyInstance` satisfies it). */
export interface FastifyInstanceLike {
  removeAllContentTypeParsers(): unknown;
  addContentTypeParser(
    contentType: string,
    options: { parseAs: 'buffer'; bodyLimit?: number },
    parser: (request: unknown, body: Buffer, done: (error: Error | null, body?: Buffer) => void) => void,
  ): unknown;
  hasRequestDecorator(name: string): boolean;
  decorateRequest(name: string, value: null): unknown;
  addHook(
    name: 'preHandler',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>,
  ): unknown;
}

export interface FastifyOssCallbackOptions extends VerifyOptions {
  /** Largest body accepted, in bytes (default 1 MB). */
  maxBodyBytes?: number;
}

/**
 * Makes every route of `scope` an OSS callback endpoint:
 * - replaces the scope's body parsers with one that keeps the raw bytes of any content type
 *   (so `request.body` is a Buffer there);
 * - adds a `preHandler` hook that verifies the callback, answers 400 `{"error":code,"message":…}` when
 *   it does not verify, and otherwise sets `request.ossCallback`.
 *
 * Call it inside an encapsulated plugin, before declaring the routes, so other routes keep their parsers:
 * ```ts
 * app.register(async (scope) => {
 *   registerOssCallback(scope, { trustedKeyUrlPrefixes: ['http://localhost:18080/'] });
 *   scope.post('/oss-callback', async (request) => ({ Status: 'OK', ...getOssCallback(request).variables }));
 * });
 * ```
 */
export function registerOssCallback(scope: FastifyInstanceLike, options: FastifyOssCallbackOptions = {}): void {
  const verifier = createVerifier(options);
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.maxBodyBytes ?? 1024 * 1024 },
    (_r, body, done) => done(null, body),
  );
  if (!scope.hasRequestDecorator('ossCallback')) scope.decorateRequest('ossCallback', null);
  scope.addHook('preHandler', async (request, reply) => {
    try {
      request.ossCallback = await verifyFastifyRequest(request, verifier);
    } catch (error) {
      if (error instanceof OssCallbackVerificationError) return reply.code(400).send(error.toJSON());
      throw error;
    }
    return undefined;
  });
}

/**
 * Verifies a Fastify request whose body was parsed as a Buffer (`parseAs: 'buffer'`, as
 * `registerOssCallback` sets up). Throws `OssCallbackVerificationError`. Given options rather than a
 * verifier, keys go to the process-wide cache of `verifyOssCallback`.
 */
export function verifyFastifyRequest(
  request: FastifyRequestLike,
  verifierOrOptions: Verifier | VerifyOptions = {},
): Promise<CallbackPayload> {
  const { body } = request;
  if (body !== undefined && body !== null && !Buffer.isBuffer(body)) {
    return Promise.reject(
      new OssCallbackVerificationError(
        'BAD_REQUEST',
        "The body was parsed; OSS callbacks must be verified over the raw bytes: use registerOssCallback() or a parseAs: 'buffer' content-type parser",
      ),
    );
  }
  const callbackRequest = {
    method: request.method,
    url: request.originalUrl ?? request.url,
    headers: request.headers,
    body: body ?? Buffer.alloc(0),
  };
  return 'verify' in verifierOrOptions
    ? verifierOrOptions.verify(callbackRequest)
    : verifyOssCallback(callbackRequest, verifierOrOptions);
}

/** The verified payload set by `registerOssCallback`'s hook; throws if it did not run. */
export function getOssCallback(request: object): CallbackPayload {
  const payload = (request as FastifyRequestLike).ossCallback;
  if (!payload) throw new Error('request.ossCallback is not set: call registerOssCallback() on this scope first');
  return payload;
}
