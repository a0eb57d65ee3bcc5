import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services.js';

export const METRICS_PATH = '/-/metrics';

/** 127.0.0.0/8, ::1 and their IPv4-mapped IPv6 forms. */
export function isLoopbackAddress(ip: string): boolean {
  const a = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** `Authorization: Bearer TOKEN`, compared in constant time (both sides hashed first, so lengths leak nothing). */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization ?? '');
  const digest = (v: string) => createHash('sha256').update(v).digest();
  const equal = timingSafeEqual(digest(m?.[1] ?? ''), digest(token));
  return m !== null && equal;
}

export type MetricsAccess = 'allow' | 'unauthorized' | 'forbidden';

/**
 * Who may read the metrics. With a token (`--metrics-token`): whoever sends it, nobody else (401).
 * Without one: any client of the dedicated `--metrics-address` listener (the operator chose where it
 * listens), and on the main and console listeners loopback clients only (403 otherwise) — on a
 * loopback listener that is everyone, so nothing changes for a local ossd.
 */
export function metricsAccess(o: {
  token?: string;
  authorization?: string;
  clientAddress: string;
  dedicated: boolean;
}): MetricsAccess {
  if (o.token) return bearerMatches(o.authorization, o.token) ? 'allow' : 'unauthorized';
  if (o.dedicated || isLoopbackAddress(o.clientAddress)) return 'allow';
  return 'forbidden';
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': buf.length, ...headers });
  res.end(buf);
}

/** Answers GET /-/metrics after the access check; `dedicated` = on the --metrics-address listener. */
export async function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  s: Services,
  dedicated: boolean,
): Promise<void> {
  const access = metricsAccess({
    token: s.config.metricsToken,
    authorization: req.headers.authorization,
    clientAddress: req.socket.remoteAddress ?? '',
    dedicated,
  });
  if (access === 'unauthorized') {
    json(
      res,
      401,
      { code: 'Unauthorized', message: 'The metrics endpoint needs Authorization: Bearer <metrics token>.' },
      { 'www-authenticate': 'Bearer realm="ossd-metrics"' },
    );
    return;
  }
  if (access === 'forbidden') {
    json(res, 403, {
      code: 'AccessDenied',
      message: 'Metrics are served to loopback clients only; set --metrics-token to scrape from elsewhere.',
    });
    return;
  }
  const body = Buffer.from(await s.metrics.registry.metrics());
  res.writeHead(200, { 'content-type': s.metrics.registry.contentType, 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Whether the main (and console) listener answers /-/metrics: not when --metrics-address is set (a port or off). */
export function metricsOnMainListener(s: Services): boolean {
  return s.config.metricsAddress === undefined;
}
