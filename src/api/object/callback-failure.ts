/**
 * Veto mode (an ossd extension; OSS always keeps the object): a bucket whose `callback-failure` setting
 * is `discard` delivers an upload's callback BEFORE the metadata commit. The bytes are already written
 * (and fsynced), but no reader can see the new object until the application has answered 200 with JSON;
 * when the callback fails the commit never happens, the previous version stays current, the bytes are
 * released and the uploader gets 203 CallbackFailed saying the object was not stored.
 */
import type { PreparedCallback } from '../../callback/service.js';
import { OssError } from '../../errors/oss-error.js';
import type { OssResponse } from '../../http/context.js';
import type { Services } from '../../services.js';
import type { MetadataStore } from '../../storage/types.js';

/** Bucket configuration document: `discard` when set; absent means `keep` (OSS behaviour). */
export const CALLBACK_FAILURE_CONFIG = 'callback-failure';
export type CallbackFailureMode = 'keep' | 'discard';

export function parseCallbackFailureMode(value: string): CallbackFailureMode {
  if (value === 'keep' || value === 'discard') return value;
  throw new Error(`callback-failure must be keep or discard, not "${value}"`);
}

export async function loadCallbackFailure(meta: MetadataStore, bucket: string): Promise<CallbackFailureMode> {
  return (await meta.getBucketConfig(bucket, CALLBACK_FAILURE_CONFIG)) === 'discard' ? 'discard' : 'keep';
}

export async function saveCallbackFailure(
  meta: MetadataStore,
  bucket: string,
  mode: CallbackFailureMode,
): Promise<void> {
  await meta.putBucketConfig(bucket, CALLBACK_FAILURE_CONFIG, mode === 'discard' ? 'discard' : undefined);
}

/** Whether an upload with a callback to `bucket` must wait for it before committing. */
export async function callbackVetoes(s: Services, bucket: string): Promise<boolean> {
  return (await loadCallbackFailure(s.meta, bucket)) === 'discard';
}

/** Appended to the OSS 203 message when the upload was discarded. */
export const NOT_STORED = 'The object was not stored: this bucket discards uploads whose callback fails.';

/**
 * Veto mode, before the commit: delivers the callback and returns the 200 response with the application's
 * JSON for after the commit; throws 203 CallbackFailed (object not stored) when it fails. The caller then
 * does not commit and releases the bytes it wrote.
 */
export async function deliverBeforeCommit(
  s: Services,
  callback: PreparedCallback,
  headers: Record<string, string | number | undefined>,
): Promise<OssResponse> {
  const outcome = await callback.run();
  s.metrics.callbacks.inc({ outcome: outcome.ok ? 'ok' : (outcome.cause ?? 'failed') });
  if (outcome.ok && outcome.body) {
    return { status: 200, headers: { ...headers, 'content-type': 'application/json' }, body: outcome.body };
  }
  throw new OssError('CallbackFailed', {
    message: `${outcome.message ?? 'Callback failed.'} ${NOT_STORED}`,
    ec: '0007-00000203',
    headers: { 'x-ossd-upload-discarded': 'true' },
  });
}
