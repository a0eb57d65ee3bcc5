import type { BlobStore, MetadataStore } from './types.js';

/**
 * Deletes blobs no object or part references: the remains of uploads that crashed or failed
 * before their metadata commit. Run at start, before serving.
 */
export async function collectOrphanBlobs(meta: MetadataStore, blobs: BlobStore): Promise<number> {
  const referenced = await meta.referencedBlobs();
  const busy = blobs.inFlight();
  const orphans: string[] = [];
  for await (const b of blobs.list()) if (!referenced.has(b) && !busy.has(b)) orphans.push(b);
  await blobs.delete(orphans);
  return orphans.length;
}
