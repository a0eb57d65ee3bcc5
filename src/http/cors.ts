/**
 * Bucket CORS (oss-api.md §4 "CORS"): the stored rules, the OPTIONS preflight, and the CORS headers
 * added to every real response to a request that carries `Origin`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OssError } from '../errors/oss-error.js';
import type { Services } from '../services.js';
import type { BucketRecord } from '../storage/types.js';
import type { OssResponse, RequestContext } from './context.js';

export interface CorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

export interface CorsConfiguration {
  rules: CorsRule[];
  responseVary?: boolean;
}

export const CORS_METHODS = ['GET', 'PUT', 'DELETE', 'POST', 'HEAD'] as const;
export const MAX_CORS_RULES = 10;

/** Headers browsers must be able to read from every response (ali-oss needs ETag for multipart). */
export const ALWAYS_EXPOSED = [
  'ETag',
  'x-oss-request-id',
  'x-oss-hash-crc64ecma',
  'x-oss-next-append-position',
  'x-oss-symlink-target',
];

/** The bucket's CORS configuration, or undefined when none is set (or the stored JSON is unreadable). */
export function corsConfigOf(bucket: BucketRecord | undefined): CorsConfiguration | undefined {
  if (!bucket?.cors) return undefined;
  try {
    const parsed = JSON.parse(bucket.cors) as CorsConfiguration;
    return Array.isArray(parsed.rules) && parsed.rules.length > 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function wildcardMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern.toLowerCase() === value.toLowerCase();
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i');
  return re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function requestedHeaders(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
}

/** The first rule allowing this origin, method and (for a preflight) every requested header. */
export function matchCorsRule(
  config: CorsConfiguration | undefined,
  origin: string,
  method: string,
  headers: string[] = [],
): CorsRule | undefined {
  if (!config) return undefined;
  return config.rules.find(
    (r) =>
      r.allowedOrigins.some((o) => wildcardMatch(o, origin)) &&
      r.allowedMethods.includes(method.toUpperCase()) &&
      headers.every((h) => r.allowedHeaders.some((p) => wildcardMatch(p, h))),
  );
}

function exposeHeaders(rule: CorsRule): string {
  const out = [...ALWAYS_EXPOSED];
  const seen = new Set(out.map((h) => h.toLowerCase()));
  for (const h of rule.exposeHeaders) {
    if (!seen.has(h.toLowerCase())) {
      seen.add(h.toLowerCase());
      out.push(h);
    }
  }
  return out.join(', ');
}

function forbidden(message: string): OssError {
  return new OssError('AccessForbidden', { message: `CORSResponse: ${message}` });
}

/** OPTIONS: the preflight, answered from the bucket's rules (no authentication). */
export async function preflight(ctx: RequestContext): Promise<OssResponse> {
  const origin = ctx.headers.origin;
  const method = ctx.headers['access-control-request-method'];
  if (!origin || !method) {
    throw forbidden('Insufficient information. Origin and Access-Control-Request-Method headers are required.');
  }
  const config = corsConfigOf(ctx.bucketRecord);
  if (!config) throw forbidden('CORS is not enabled for this bucket.');
  const wanted = requestedHeaders(ctx.headers['access-control-request-headers']);
  const rule = matchCorsRule(config, origin, method, wanted);
  if (!rule) {
    throw forbidden(
      "This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    );
  }
  const headers: Record<string, string | number | undefined> = {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    'access-control-allow-headers': wanted.length ? wanted.join(', ') : undefined,
    'access-control-expose-headers': exposeHeaders(rule),
    'access-control-max-age': rule.maxAgeSeconds,
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  };
  return { status: 200, headers };
}

/**
 * Adds CORS headers to the response of a real (non-OPTIONS) request that carries `Origin`, before the
 * handler runs, so that error responses carry them too. Never throws.
 */
export async function applyCorsHeaders(
  req: IncomingMessage,
  res: ServerResponse,
  s: Services,
  bucketName: string | undefined,
): Promise<void> {
  const origin = req.headers.origin;
  const method = (req.method ?? 'GET').toUpperCase();
  if (!origin || method === 'OPTIONS' || bucketName === undefined) return;
  try {
    const config = corsConfigOf(await s.meta.getBucket(bucketName));
    if (!config) return;
    res.setHeader('vary', 'Origin');
    const rule = matchCorsRule(config, origin, method);
    if (!rule) return;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-methods', rule.allowedMethods.join(', '));
    res.setHeader('access-control-expose-headers', exposeHeaders(rule));
    if (rule.maxAgeSeconds !== undefined) res.setHeader('access-control-max-age', rule.maxAgeSeconds);
  } catch {
    // CORS headers are best effort; the request itself decides the response.
  }
}
