import type { Logger } from '../observability/logger.js';
import { type PeriodicJob, startPeriodic } from './periodic.js';
import type { BlobStore, MetadataStore } from './types.js';

/**
 * Aborts multipart uploads initiated more than `maxAgeMs` ago and deletes their part blobs (after the
 * commit). Returns the number of uploads collected.
 */
export async function collectAbandonedUploads(
  meta: MetadataStore,
  blobs: BlobStore,
  maxAgeMs: number,
  now = Date.now(),
): Promise<number> {
  const { released, uploads } = await meta.multipart.abortUploadsBefore(now - maxAgeMs);
  await blobs.delete(released);
  return uploads.length;
}

export type UploadCollector = PeriodicJob;

/**
 * Collects abandoned uploads periodically: every half of `maxAgeMs`, between 100 ms and one hour, on one
 * node at a time when several share the store. `maxAgeMs <= 0` disables collection.
 */
export function startUploadCollector(
  meta: MetadataStore,
  blobs: BlobStore,
  maxAgeMs: number,
  logger: Logger,
): UploadCollector {
  const everyMs = maxAgeMs > 0 ? Math.min(3_600_000, Math.max(100, maxAgeMs / 2)) : 0;
  return startPeriodic(
    'abandoned multipart uploads',
    everyMs,
    async () => (await meta.runExclusive('multipart-gc', () => collectAbandonedUploads(meta, blobs, maxAgeMs))) ?? 0,
    logger,
  );
}
