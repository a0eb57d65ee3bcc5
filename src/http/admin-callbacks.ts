import type { IncomingMessage } from 'node:http';
import { DeliveryNotFoundError, DeliveryNotResendableError } from '../callback/service.js';
import { OssError } from '../errors/oss-error.js';
import type { Services } from '../services.js';
import type { AccessKey } from '../storage/types.js';

/**
 * Admin HTTP API for the callback delivery log (JSON):
 *   GET  /-/admin/callbacks?bucket=&key=&ok=true|false&requestId=&kind=callback|notification&state=pending|done&limit=&before=
 *   GET  /-/admin/callbacks/ID
 *   POST /-/admin/callbacks/ID/resend
 * Only deliveries of buckets the caller's account owns are visible.
 */
export async function handleCallbackAdmin(
  req: IncomingMessage,
  path: string,
  q: Map<string, string>,
  key: AccessKey,
  s: Services,
): Promise<{ status: number; body: unknown }> {
  const owned = new Set((await s.meta.listBuckets(key.accountId)).map((b) => b.name));
  const method = req.method ?? 'GET';
  if (path === '/callbacks' && method === 'GET') {
    const ok = q.get('ok');
    const bucket = q.get('bucket');
    if (bucket && !owned.has(bucket)) return { status: 200, body: { deliveries: [] } };
    const list = await s.callbacks.deliveries.list({
      bucket,
      key: q.get('key'),
      requestId: q.get('requestId'),
      kind: q.get('kind') === 'notification' ? 'notification' : q.get('kind') === 'callback' ? 'callback' : undefined,
      state: q.get('state') === 'pending' ? 'pending' : q.get('state') === 'done' ? 'done' : undefined,
      ok: ok === undefined ? undefined : ok === 'true',
      limit: q.has('limit') ? Number(q.get('limit')) : undefined,
      before: q.get('before'),
    });
    return { status: 200, body: { deliveries: list.filter((d) => owned.has(d.bucket)) } };
  }
  const m = /^\/callbacks\/([0-9a-f]+)(\/resend)?$/.exec(path);
  if (m) {
    const d = await s.callbacks.deliveries.get(m[1]);
    if (!d || !owned.has(d.bucket))
      return { status: 404, body: { code: 'NoSuchDelivery', message: `No delivery ${m[1]}` } };
    if (!m[2] && method === 'GET') return { status: 200, body: d };
    if (m[2] && method === 'POST') {
      try {
        const r = await s.callbacks.service.resend(d.id);
        return { status: 200, body: await s.callbacks.deliveries.get(r.id) };
      } catch (err) {
        if (err instanceof DeliveryNotFoundError)
          return { status: 404, body: { code: 'NoSuchDelivery', message: err.message } };
        if (err instanceof DeliveryNotResendableError)
          return { status: 409, body: { code: 'DeliveryNotResendable', message: err.message } };
        throw err;
      }
    }
  }
  throw new OssError('MethodNotAllowed', { message: `No admin operation ${method} ${path}` });
}
