import type { Logger } from '../observability/logger.js';
import { type PeriodicJob, startPeriodic } from './periodic.js';
import type { BlobStore, MetadataStore } from './types.js';

/** Blobs are looked up in the metadata store this many at a time. */
const PAGE = 1000;

export interface CollectOptions {
  /**
   * Only blobs written more than this long ago (ms) are collected. 0 at the start of a single node (nothing
   * else writes); across nodes it must exceed the longest upload, which the blob store enforces (see
   * docs/scale-out.md): a blob another node is still writing or about to commit is never older than this.
   */
  graceMs: number;
  now?: number;
}

/**
 * Deletes blobs no object or part references: the remains of uploads that crashed or failed before their
 * metadata commit. Walks the blob store page by page and asks the metadata store about each page, so memory
 * stays bounded whatever the number of objects.
 */
export async function collectOrphanBlobs(
  meta: MetadataStore,
  blobs: BlobStore,
  options: CollectOptions = { graceMs: 0 },
): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - options.graceMs;
  let removed = 0;
  let page: string[] = [];
  const flush = async () => {
    const referenced = await meta.referencedAmong(page);
    const busy = blobs.inFlight();
    const orphans = page.filter((b) => !referenced.has(b) && !busy.has(b));
    page = [];
    if (orphans.length) await blobs.delete(orphans);
    removed += orphans.length;
  };
  for await (const b of blobs.list()) {
    if (options.graceMs > 0 && b.modifiedAt > cutoff) continue;
    page.push(b.blob);
    if (page.length >= PAGE) await flush();
  }
  if (page.length) await flush();
  return removed;
}

/**
 * Collection on stores shared by several nodes: unreferenced blobs older than `graceMs`, every quarter of
 * it (at most hourly), on one node at a time.
 */
export function startBlobCollector(
  meta: MetadataStore,
  blobs: BlobStore,
  graceMs: number,
  logger: Logger,
): PeriodicJob {
  return startPeriodic(
    'orphan blobs',
    Math.min(3_600_000, Math.max(1000, graceMs / 4)),
    async () => (await meta.runExclusive('blob-gc', () => collectOrphanBlobs(meta, blobs, { graceMs }))) ?? 0,
    logger,
  );
}
