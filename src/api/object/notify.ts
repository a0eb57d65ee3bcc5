/**
 * The one hook upload and delete handlers call after their commit: queues the bucket's event
 * notifications (an ossd extension; see callback/notifier.ts). Awaited before the answer, so an
 * answered request's events are in the delivery log; costs one cached rule lookup when a bucket has none.
 */
import type { NotificationEventName } from '../../callback/notification-rules.js';
import type { ObjectEvent } from '../../callback/notifier.js';
import type { RequestContext } from '../../http/context.js';
import type { Services } from '../../services.js';
import type { ObjectRecord } from '../../storage/types.js';

function base(ctx: RequestContext, bucket: string): Omit<ObjectEvent, 'name' | 'key'> {
  return {
    bucket,
    bucketOwner: ctx.bucketRecord?.owner ?? '',
    requestId: ctx.requestId,
    sourceIp: ctx.clientIp,
    principalId: ctx.principal?.accountId ?? 'anonymous',
  };
}

/** After an object was written (PutObject, PostObject, CopyObject, CompleteMultipartUpload, AppendObject). */
export async function notifyObjectCreated(
  ctx: RequestContext,
  s: Services,
  name: NotificationEventName,
  object: ObjectRecord,
  deltaSize?: number,
): Promise<void> {
  await s.callbacks.notifier.emit([
    {
      ...base(ctx, object.bucket),
      name,
      key: object.key,
      size: object.size,
      eTag: object.etag,
      ...(deltaSize === undefined ? {} : { deltaSize }),
    },
  ]);
}

/** After objects were deleted (DeleteObject, DeleteObjects): `keys` are those that existed. */
export async function notifyObjectsRemoved(
  ctx: RequestContext,
  s: Services,
  name: NotificationEventName,
  bucket: string,
  keys: string[],
): Promise<void> {
  await s.callbacks.notifier.emit(keys.map((key) => ({ ...base(ctx, bucket), name, key })));
}
