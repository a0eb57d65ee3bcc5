import type { IncomingMessage, ServerResponse } from 'node:http';
import { safeEqual } from '../auth/authenticate.js';
import { OssError } from '../errors/oss-error.js';
import { METRICS_PATH, metricsOnMainListener, serveMetrics } from '../observability/metrics-endpoint.js';
import type { Services } from '../services.js';
import type { AccessKey } from '../storage/types.js';
import { CALLBACK_FAILURE_PATH, handleCallbackFailureAdmin } from './admin-callback-failure.js';
import { handleCallbackTest } from './admin-callback-test.js';
import { handleCallbackAdmin } from './admin-callbacks.js';
import { handleKeysAdmin } from './admin-keys.js';
import { handleNotificationAdmin } from './admin-notifications.js';
import { handleRelayAdmin, RELAY_PATH } from './admin-relay.js';
import { handleStsAdmin } from './admin-sts.js';
import { health } from './health.js';

function json(res: ServerResponse, status: number, body: unknown): void {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': buf.length });
  res.end(buf);
}

/** `Authorization: Basic base64(accessKeyId:secret)` with a key of any account. */
export async function adminPrincipal(req: IncomingMessage, s: Services): Promise<AccessKey> {
  const h = req.headers.authorization ?? '';
  const m = /^Basic (.+)$/.exec(h);
  if (m) {
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) {
      const key = await s.meta.getAccessKey(decoded.slice(0, i));
      if (key && key.securityToken === undefined && safeEqual(key.secret, decoded.slice(i + 1))) return key;
    }
  }
  throw new OssError('AccessDenied', { message: 'The admin API needs Basic credentials of an access key.' });
}

/**
 * Paths no bucket can collide with: /-/health, /-/metrics, /-/admin/…, and the callback public key
 * at /callback_pub_key_v1.pem (an invalid bucket name: it contains '.' and '_').
 */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: [string, string][],
  s: Services,
): Promise<{ operation: string }> {
  if (path === '/-/health') {
    const h = await health(s);
    json(res, h.status === 'unavailable' ? 503 : 200, h);
    return { operation: 'Health' };
  }
  if (path === METRICS_PATH && metricsOnMainListener(s)) {
    await serveMetrics(req, res, s, false);
    return { operation: 'Metrics' };
  }
  if (path === '/callback_pub_key_v1.pem') {
    const pem = Buffer.from(s.callbacks.publicKeyPem);
    res.writeHead(200, { 'content-type': 'application/x-pem-file', 'content-length': pem.length });
    res.end(pem);
    return { operation: 'GetCallbackPublicKey' };
  }
  if (path.startsWith('/-/admin/')) {
    try {
      const key = await adminPrincipal(req, s);
      const relay = RELAY_PATH.exec(path);
      const failure = CALLBACK_FAILURE_PATH.exec(path);
      const r = relay
        ? await handleRelayAdmin(req, res, relay, new Map(query), key, s)
        : failure
          ? await handleCallbackFailureAdmin(req, decodeURIComponent(failure[1]), new Map(query), key, s)
          : path === '/-/admin/sts'
            ? await handleStsAdmin(req, key, s)
            : path === '/-/admin/callbacks/test' && req.method === 'POST'
              ? await handleCallbackTest(req, key, s)
              : path === '/-/admin/keys' || path.startsWith('/-/admin/keys/')
                ? await handleKeysAdmin(req, path.slice('/-/admin'.length), key, s)
                : ((await handleNotificationAdmin(req, path.slice('/-/admin'.length), key, s)) ??
                  (await handleCallbackAdmin(req, path.slice('/-/admin'.length), new Map(query), key, s)));
      json(res, r.status, r.body);
    } catch (err) {
      const e = err instanceof OssError ? err : new OssError('InternalError', { cause: err });
      if (e.code === 'InternalError') s.logger.error({ err }, 'admin API failure');
      json(res, e.status, { code: e.code, message: e.message });
    }
    return { operation: 'Admin' };
  }
  json(res, 404, { code: 'NotFound', message: 'No such admin path.' });
  return { operation: 'Admin' };
}
