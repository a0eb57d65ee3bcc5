/**
 * Applying buckets' lifecycle rules: expiring current objects (through the DeleteObject path), recording
 * transitions as the object's storage class (ossd has one tier), aborting old multipart uploads. Work goes
 * in bounded pages with a yield to the event loop between them, so a run does not stall requests.
 * The periodic worker runs it on one node at a time (MetadataStore.runExclusive).
 */
import type { Logger } from '../observability/logger.js';
import { deleteCurrentObject } from './delete-object.js';
import {
  currentObjectAction,
  isDue,
  type LifecycleRule,
  loadLifecycle,
  type TransitionClass,
} from './lifecycle-rules.js';
import { type PeriodicJob, startPeriodic } from './periodic.js';
import type { BlobStore, MetadataStore } from './types.js';

export type LifecycleActionKind = 'expire' | 'transition' | 'abort';

export interface LifecycleAction {
  kind: LifecycleActionKind;
  bucket: string;
  key: string;
  /** The rule that caused it. */
  rule: string;
  /** transition: the new storage class. */
  storageClass?: TransitionClass;
  /** abort: the multipart upload. */
  uploadId?: string;
}

export interface LifecycleOptions {
  /** The time the rules are judged at (ms; default now). */
  now?: number;
  /** Only this bucket (default every bucket). */
  bucket?: string;
  /** Report what would be done, change nothing. */
  dryRun?: boolean;
  /** Objects or uploads read per page (default 250). */
  pageSize?: number;
  /** Called for every action, after it is done (or, dry-run, instead of doing it). */
  onAction?: (action: LifecycleAction) => void;
}

export interface LifecycleReport {
  expired: number;
  transitioned: number;
  aborted: number;
  /** Buckets whose run failed (the others still ran), with the error. */
  failed: { bucket: string; error: Error }[];
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The shortest distinct prefixes among `prefixes` (one scan of each covers every rule). */
function scanPrefixes(prefixes: string[]): string[] {
  const out: string[] = [];
  for (const p of [...new Set(prefixes)].sort()) if (!out.some((q) => p.startsWith(q))) out.push(p);
  return out;
}

async function currentObjects(
  meta: MetadataStore,
  blobs: BlobStore,
  bucket: string,
  rules: LifecycleRule[],
  o: Required<Pick<LifecycleOptions, 'now' | 'dryRun' | 'pageSize'>>,
  done: (a: LifecycleAction) => void,
): Promise<void> {
  const acting = rules.filter((r) => (r.expiration && !r.expiration.expiredObjectDeleteMarker) || r.transitions.length);
  for (const prefix of scanPrefixes(acting.map((r) => r.prefix))) {
    let after = '';
    // Ends when a page is not truncated; every page moves `after` forward, so at most (objects / page) pages.
    for (;;) {
      const page = await meta.listObjects(bucket, { prefix, delimiter: '', after, maxKeys: o.pageSize });
      for (const obj of page.objects) {
        const action = currentObjectAction(acting, obj, o.now);
        if (!action) continue;
        if (action.kind === 'expire') {
          if (!o.dryRun) {
            const { existed } = await deleteCurrentObject(
              meta,
              blobs,
              bucket,
              obj.key,
              (now) => now.lastModified === obj.lastModified && now.etag === obj.etag,
            );
            if (!existed) continue;
          }
          done({ kind: 'expire', bucket, key: obj.key, rule: action.rule });
        } else {
          if (!o.dryRun && !(await meta.updateObject(bucket, obj.key, { storageClass: action.storageClass }))) continue;
          done({ kind: 'transition', bucket, key: obj.key, rule: action.rule, storageClass: action.storageClass });
        }
      }
      const last = page.nextMarker ?? page.objects.at(-1)?.key;
      // Keys order by UTF-8 bytes in every store.
      if (!page.isTruncated || last === undefined || Buffer.compare(Buffer.from(last), Buffer.from(after)) <= 0) break;
      after = last;
      await yieldToEventLoop();
    }
  }
}

async function uploads(
  meta: MetadataStore,
  blobs: BlobStore,
  bucket: string,
  rules: LifecycleRule[],
  o: Required<Pick<LifecycleOptions, 'now' | 'dryRun' | 'pageSize'>>,
  done: (a: LifecycleAction) => void,
): Promise<void> {
  const acting = rules.filter((r) => r.abortMultipartUpload);
  for (const prefix of scanPrefixes(acting.map((r) => r.prefix))) {
    let keyMarker = '';
    let uploadIdMarker = '';
    for (;;) {
      const page = await meta.multipart.listUploads(bucket, {
        prefix,
        delimiter: '',
        keyMarker,
        uploadIdMarker,
        maxUploads: o.pageSize,
      });
      for (const u of page.uploads) {
        const rule = acting.find(
          (r) =>
            u.key.startsWith(r.prefix) &&
            !(r.not && !r.not.tag && u.key.startsWith(r.not.prefix)) &&
            isDue(r.abortMultipartUpload ?? {}, u.initiated, o.now),
        );
        if (!rule) continue;
        if (!o.dryRun) {
          const r = await meta.multipart.abortUpload(u.uploadId);
          if (r === 'no-upload') continue;
          await blobs.delete(r.released);
        }
        done({ kind: 'abort', bucket, key: u.key, rule: rule.id, uploadId: u.uploadId });
      }
      if (!page.isTruncated || page.nextKeyMarker === undefined) break;
      if (page.nextKeyMarker === keyMarker && (page.nextUploadIdMarker ?? '') === uploadIdMarker) break;
      keyMarker = page.nextKeyMarker;
      uploadIdMarker = page.nextUploadIdMarker ?? '';
      await yieldToEventLoop();
    }
  }
}

/** Applies the enabled lifecycle rules of every bucket (or one) once, as if the time were `now`. */
export async function applyLifecycle(
  meta: MetadataStore,
  blobs: BlobStore,
  options: LifecycleOptions = {},
): Promise<LifecycleReport> {
  const o = { now: options.now ?? Date.now(), dryRun: options.dryRun ?? false, pageSize: options.pageSize ?? 250 };
  const report: LifecycleReport = { expired: 0, transitioned: 0, aborted: 0, failed: [] };
  const done = (a: LifecycleAction) => {
    if (a.kind === 'expire') report.expired++;
    else if (a.kind === 'transition') report.transitioned++;
    else report.aborted++;
    options.onAction?.(a);
  };
  const buckets = options.bucket !== undefined ? [options.bucket] : (await meta.listBuckets()).map((b) => b.name);
  for (const bucket of buckets) {
    try {
      const rules = (await loadLifecycle(meta, bucket))?.filter((r) => r.status === 'Enabled');
      if (!rules?.length) continue;
      await currentObjects(meta, blobs, bucket, rules, o, done);
      await uploads(meta, blobs, bucket, rules, o, done);
    } catch (error) {
      report.failed.push({ bucket, error: error as Error });
    }
    await yieldToEventLoop();
  }
  return report;
}

/** What `ossd lifecycle run` prints for one action. */
export function describeAction(a: LifecycleAction, dryRun: boolean): string {
  const verb = {
    expire: dryRun ? 'would expire' : 'expired',
    transition: dryRun ? 'would transition' : 'transitioned',
    abort: dryRun ? 'would abort' : 'aborted',
  }[a.kind];
  const what =
    a.kind === 'transition'
      ? `${a.bucket}/${a.key} to ${a.storageClass}`
      : a.kind === 'abort'
        ? `${a.bucket}/${a.key} upload ${a.uploadId}`
        : `${a.bucket}/${a.key}`;
  return `${verb} ${what} (rule ${a.rule})`;
}

export interface LifecycleCounters {
  inc(labels: { action: LifecycleActionKind }): void;
}

/**
 * Applies the rules every `everyMs` (and once soon after start), on one node at a time when several share
 * the store; logs each action (debug) and each run's totals (info), and counts actions in `counter`.
 */
export function startLifecycleWorker(
  meta: MetadataStore,
  blobs: BlobStore,
  everyMs: number,
  logger: Logger,
  counter?: LifecycleCounters,
): PeriodicJob {
  return startPeriodic(
    'lifecycle',
    Math.min(everyMs, 2 ** 31 - 1), // setInterval's limit (~24.8 days)
    async () => {
      const report = await meta.runExclusive('lifecycle', () =>
        applyLifecycle(meta, blobs, {
          onAction: (a) => {
            counter?.inc({ action: a.kind });
            logger.debug({ job: 'lifecycle', ...a }, describeAction(a, false));
          },
        }),
      );
      if (!report) return 0;
      for (const f of report.failed) logger.warn({ err: f.error, bucket: f.bucket }, 'lifecycle: bucket failed');
      const n = report.expired + report.transitioned + report.aborted;
      if (n) {
        logger.info(
          { job: 'lifecycle', expired: report.expired, transitioned: report.transitioned, aborted: report.aborted },
          `lifecycle: expired ${report.expired}, transitioned ${report.transitioned}, aborted ${report.aborted}`,
        );
      }
      return n;
    },
    logger,
    { quiet: true },
  );
}
