import { OssCallbackVerificationError } from '../errors.js';
import type { CallbackPayload, VerifyOptions } from '../types.js';
import { createVerifier } from '../verify.js';

/** Hono environment type for apps using this middleware: `new Hono<OssCallbackEnv>()`. */
export interface OssCallbackEnv {
  Variables: { ossCallback: CallbackPayload };
}

/** The parts of a Hono `Context` used here. */
export interface HonoContextLike {
  req: {
    method: string;
    url: string;
    raw: { headers: Headers };
    arrayBuffer(): Promise<ArrayBuffer>;
  };
  /** With @hono/node-server, `env.incoming` is the node:http request (its `url` is the raw target). */
  env?: unknown;
  set(key: 'ossCallback', value: CallbackPayload): void;
  json(value: unknown, status: 400): Response;
}

export interface HonoOssCallbackOptions extends VerifyOptions {
  /** Largest body accepted, in bytes (default 1 MB). */
  maxBodyBytes?: number;
}

/**
 * Hono middleware: verifies the callback, then `c.get('ossCallback')` holds the payload. Unverified
 * requests get 400 `{"error":code,"message":…}`. The body stays readable downstream (Hono caches it).
 */
export function ossCallback(
  options: HonoOssCallbackOptions = {},
): (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined> {
  const verifier = createVerifier(options);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  return async (c, next) => {
    let payload: CallbackPayload;
    try {
      const declared = Number(c.req.raw.headers.get('content-length'));
      if (declared > maxBodyBytes) {
        throw new OssCallbackVerificationError('BAD_REQUEST', `Body larger than ${maxBodyBytes} bytes`);
      }
      const body = Buffer.from(await c.req.arrayBuffer());
      if (body.length > maxBodyBytes) {
        throw new OssCallbackVerificationError('BAD_REQUEST', `Body larger than ${maxBodyBytes} bytes`);
      }
      payload = await verifier.verify({
        method: c.req.method,
        url: requestTarget(c),
        headers: c.req.raw.headers,
        body,
      });
    } catch (error) {
      if (error instanceof OssCallbackVerificationError) return c.json(error.toJSON(), 400);
      throw error;
    }
    c.set('ossCallback', payload);
    await next();
    return undefined;
  };
}

/**
 * The request target as received when the runtime exposes it (@hono/node-server's `env.incoming.url`),
 * else the Request URL (which the WHATWG parser may have normalised, e.g. resolving `..`).
 */
function requestTarget(c: HonoContextLike): string {
  const incoming = (c.env as { incoming?: { url?: unknown } } | undefined)?.incoming;
  return typeof incoming?.url === 'string' ? incoming.url : c.req.url;
}
