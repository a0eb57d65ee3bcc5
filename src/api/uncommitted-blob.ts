import type { Services } from '../services.js';
import { StorageError } from '../storage/errors.js';

/**
 * Deletes the blobs of a write whose metadata commit failed — unless the failure leaves the commit's outcome
 * unknown. A shared metadata store that goes away mid-commit (connection lost after COMMIT was sent, server
 * stopped: StorageError 'unavailable') may have committed: deleting the bytes then would leave a committed
 * object without them. Such blobs stay; if the commit did not happen they are orphans, which garbage
 * collection deletes after its grace window.
 */
export async function releaseUncommitted(s: Services, blobs: string[], commitError: unknown): Promise<void> {
  if (blobs.length === 0) return;
  if (commitError instanceof StorageError && commitError.kind === 'unavailable') {
    s.logger.warn({ blobs: blobs.length }, 'metadata commit outcome unknown: blobs kept for garbage collection');
    return;
  }
  try {
    await s.blobs.delete(blobs);
  } catch (err) {
    s.logger.warn({ err, blobs: blobs.length }, 'could not delete the blobs of a failed write');
  }
}
