import type { Logger } from '../observability/logger.js';
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

export interface UploadCollector {
  /** Runs one collection now (waits for a run already in progress first). */
  runNow(): Promise<number>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Collects abandoned uploads periodically: every half of `maxAgeMs`, between 100 ms and one hour.
 * `maxAgeMs <= 0` disables collection. The timer does not keep the process alive.
 */
export function startUploadCollector(
  meta: MetadataStore,
  blobs: BlobStore,
  maxAgeMs: number,
  logger: Logger,
): UploadCollector {
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;
  const runNow = (): Promise<number> => {
    if (maxAgeMs <= 0 || stopped) return running;
    running = running
      .catch(() => 0)
      .then(() => (stopped ? 0 : collectAbandonedUploads(meta, blobs, maxAgeMs)))
      .then((n) => {
        if (n) logger.info({ uploads: n }, 'collected abandoned multipart uploads');
        return n;
      });
    return running;
  };
  const timer =
    maxAgeMs > 0
      ? setInterval(
          () => {
            runNow().catch((err) => logger.warn({ err }, 'multipart upload collection failed'));
          },
          Math.min(3_600_000, Math.max(100, maxAgeMs / 2)),
        )
      : undefined;
  timer?.unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running.catch(() => 0);
    },
  };
}
