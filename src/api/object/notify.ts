/**
 * The one hook upload and delete handlers call after their commit: queues the bucket's event
 * notifications (an ossd extension; see callback/notifier.ts). Awaited before the answer, so an
 * answered request's events are in the delivery log; costs one cached rule lookup when a bucket has none.
 */
import type { NotificationEventName } from '../../callback/notification-rules.js';
import type { Notifier, ObjectEvent } from '../../callback/notifier.js';
import type { RequestContext } from '../../http/context.js';
import { newRequestId } from '../../http/request-id.js';
import type { Services } from '../../services.js';
import type { LifecycleAction } from '../../storage/lifecycle.js';
import type { MetadataStore, ObjectRecord } from '../../storage/types.js';

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

/**
 * For lifecycle expiration (call after the expired objects' deletes have committed): queues
 * `ObjectRemoved:Expire` notifications for `objects` of `bucket`, as done by ossd itself (principal
 * `ossd-lifecycle`, source address empty). `requestId` identifies the lifecycle run. `versionId` is set
 * for a noncurrent version or delete marker removed (a current object's expiry has none).
 */
export async function notifyObjectsExpired(
  s: { callbacks: { notifier: Pick<Notifier, 'emit'> } },
  bucket: { name: string; owner: string },
  objects: { key: string; versionId?: string }[],
  requestId: string,
): Promise<void> {
  await s.callbacks.notifier.emit(
    objects.map(({ key, versionId }) => ({
      name: 'ObjectRemoved:Expire' as const,
      bucket: bucket.name,
      bucketOwner: bucket.owner,
      key,
      requestId,
      sourceIp: '',
      principalId: 'ossd-lifecycle',
      ...(versionId === undefined ? {} : { versionId }),
    })),
  );
}

/**
 * The lifecycle runner's `onExpired` hook for one run (the server's worker, `ossd lifecycle run`): queues
 * `ObjectRemoved:Expire` notifications for what expired, under one request id for the run.
 */
export function lifecycleExpiryHook(
  meta: Pick<MetadataStore, 'getBucket'>,
  notifier: Pick<Notifier, 'emit'>,
  requestId: string = newRequestId(),
): (bucket: string, actions: LifecycleAction[]) => Promise<void> {
  return async (bucket, actions) => {
    const record = await meta.getBucket(bucket).catch(() => undefined); // the owner only names the ARN
    const objects = actions.map((a) => (a.kind === 'expire' ? { key: a.key } : { key: a.key, versionId: a.versionId }));
    await notifyObjectsExpired(
      { callbacks: { notifier } },
      { name: bucket, owner: record?.owner ?? '' },
      objects,
      requestId,
    );
  };
}
