import type { IncomingMessage } from 'node:http';
import {
  type CallbackFailureMode,
  loadCallbackFailure,
  parseCallbackFailureMode,
  saveCallbackFailure,
} from '../api/object/callback-failure.js';
import { OssError } from '../errors/oss-error.js';
import type { Services } from '../services.js';
import type { AccessKey } from '../storage/types.js';

/** `/-/admin/buckets/NAME/callback-failure` */
export const CALLBACK_FAILURE_PATH = /^\/-\/admin\/buckets\/([^/]+)\/callback-failure$/;

/**
 * Veto mode setting of a bucket the caller's account owns (JSON):
 *   GET /-/admin/buckets/NAME/callback-failure              → { bucket, callbackFailure: keep|discard }
 *   PUT /-/admin/buckets/NAME/callback-failure?mode=discard → the same, after setting it (POST too: the console)
 */
export async function handleCallbackFailureAdmin(
  req: IncomingMessage,
  bucket: string,
  q: Map<string, string>,
  key: AccessKey,
  s: Services,
): Promise<{ status: number; body: unknown }> {
  const record = await s.meta.getBucket(bucket);
  if (!record || record.owner !== key.accountId) {
    return { status: 404, body: { code: 'NoSuchBucket', message: `No bucket ${bucket} of this account.` } };
  }
  const method = req.method ?? 'GET';
  if (method === 'PUT' || method === 'POST') {
    let mode: CallbackFailureMode;
    try {
      mode = parseCallbackFailureMode(q.get('mode') ?? '');
    } catch (err) {
      throw new OssError('InvalidArgument', { message: (err as Error).message });
    }
    await saveCallbackFailure(s.meta, bucket, mode);
    s.logger.info({ bucket, callbackFailure: mode, accessKeyId: key.id }, 'bucket callback-failure set');
  } else if (method !== 'GET') {
    throw new OssError('MethodNotAllowed', { message: `No admin operation ${method} on callback-failure` });
  }
  return { status: 200, body: { bucket, callbackFailure: await loadCallbackFailure(s.meta, bucket) } };
}
