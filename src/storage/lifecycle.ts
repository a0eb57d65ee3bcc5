/**
 * Applying buckets' lifecycle rules: expiring current objects (through the DeleteObject path), recording
 * transitions as the object's storage class (ossd has one tier), aborting old multipart uploads. Work goes
 * in bounded pages with a yield to the event loop between them, so a run does not stall requests.
 * The periodic worker runs it on one node at a time (MetadataStore.runExclusive).
 */
import type { Logger } from '../observability/logger.js';
import { deleteCurrentObject } from './delete-object.js';
import {
  coldness,
  currentObjectAction,
  dueAfterDays,
  isDue,
  type LifecycleRule,
  loadLifecycle,
  objectMatches,
  type TransitionClass,
} from './lifecycle-rules.js';
import { type PeriodicJob, startPeriodic } from './periodic.js';
import type { BlobStore, MetadataStore, VersionCursor } from './types.js';

/**
 * expire / transition: a current object; expire-noncurrent / transition-noncurrent: a noncurrent version
 * (or noncurrent delete marker); expire-delete-marker: a delete marker left alone; abort: an upload.
 */
export type LifecycleActionKind =
  | 'expire'
  | 'transition'
  | 'abort'
  | 'expire-noncurrent'
  | 'transition-noncurrent'
  | 'expire-delete-marker';

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
  /** Noncurrent versions and delete markers: the version ('null' = the null version). */
  versionId?: string;
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
  /**
   * Called (not in a dry run) with the expirations of one bucket (current objects, noncurrent versions,
   * delete markers) after they have committed, in batches of at most `pageSize`: where the caller queues
   * `ObjectRemoved:Expire` event notifications. A rejection is logged by the caller's own means only; it
   * does not stop the run.
   */
  onExpired?: (bucket: string, actions: LifecycleAction[]) => Promise<void>;
}

export interface LifecycleReport {
  /** Current objects, noncurrent versions and delete markers removed. */
  expired: number;
  /** Current objects and noncurrent versions moved to a colder class. */
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
  o: RunOptions,
  done: (a: LifecycleAction) => Promise<void>,
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
          await done({ kind: 'expire', bucket, key: obj.key, rule: action.rule });
        } else {
          if (!o.dryRun && !(await meta.updateObject(bucket, obj.key, { storageClass: action.storageClass }))) continue;
          await done({
            kind: 'transition',
            bucket,
            key: obj.key,
            rule: action.rule,
            storageClass: action.storageClass,
          });
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

type RunOptions = Required<Pick<LifecycleOptions, 'now' | 'dryRun' | 'pageSize'>>;

/** NoncurrentVersionExpiration / NoncurrentVersionTransition, counted from when a version became noncurrent. */
async function noncurrentVersions(
  meta: MetadataStore,
  blobs: BlobStore,
  bucket: string,
  rules: LifecycleRule[],
  o: RunOptions,
  done: (a: LifecycleAction) => Promise<void>,
): Promise<void> {
  const acting = rules.filter((r) => r.noncurrentVersionExpiration || r.noncurrentVersionTransitions.length);
  for (const prefix of scanPrefixes(acting.map((r) => r.prefix))) {
    let after: VersionCursor | undefined;
    // Ends when a page has no `next`; the cursor is a position, so deleting what a page returned is safe.
    for (let pages = 0; pages < Number.MAX_SAFE_INTEGER; pages++) {
      const page = await meta.listNoncurrentVersions(bucket, { prefix, after, limit: o.pageSize });
      for (const v of page.versions) {
        const since = v.noncurrentSince ?? v.lastModified;
        const versionId = v.versionId ?? 'null';
        let transition: { rule: string; storageClass: TransitionClass } | undefined;
        let expire: string | undefined;
        let best = coldness(v.storageClass);
        for (const r of acting) {
          if (!objectMatches(r, v)) continue;
          const e = r.noncurrentVersionExpiration;
          if (e && o.now >= dueAfterDays(since, e.noncurrentDays)) {
            expire = r.id;
            break;
          }
          if (v.deleteMarker) continue;
          for (const t of r.noncurrentVersionTransitions) {
            const c = coldness(t.storageClass);
            if (c > best && o.now >= dueAfterDays(since, t.noncurrentDays)) {
              best = c;
              transition = { rule: r.id, storageClass: t.storageClass };
            }
          }
        }
        if (expire !== undefined) {
          if (!o.dryRun) {
            const r = await meta.deleteObjectVersion(bucket, v.key, versionId);
            await blobs.delete(r.released);
            if (!r.found) continue;
          }
          await done({ kind: 'expire-noncurrent', bucket, key: v.key, rule: expire, versionId });
        } else if (transition) {
          if (
            !o.dryRun &&
            !(await meta.updateObject(bucket, v.key, { storageClass: transition.storageClass }, versionId))
          )
            continue;
          await done({ kind: 'transition-noncurrent', bucket, key: v.key, versionId, ...transition });
        }
      }
      if (!page.next) break;
      after = page.next;
      await yieldToEventLoop();
    }
  }
}

/** Expiration/ExpiredObjectDeleteMarker: removes delete markers that are the only version left of their key. */
async function expiredDeleteMarkers(
  meta: MetadataStore,
  blobs: BlobStore,
  bucket: string,
  rules: LifecycleRule[],
  o: RunOptions,
  done: (a: LifecycleAction) => Promise<void>,
): Promise<void> {
  const acting = rules.filter((r) => r.expiration?.expiredObjectDeleteMarker);
  for (const prefix of scanPrefixes(acting.map((r) => r.prefix))) {
    let after: string | undefined;
    for (let pages = 0; pages < Number.MAX_SAFE_INTEGER; pages++) {
      const page = await meta.listExpiredDeleteMarkers(bucket, { prefix, after, limit: o.pageSize });
      for (const m of page.markers) {
        const rule = acting.find((r) => objectMatches(r, m));
        if (!rule) continue;
        const versionId = m.versionId ?? 'null';
        if (!o.dryRun) {
          const r = await meta.deleteObjectVersion(bucket, m.key, versionId);
          await blobs.delete(r.released);
          if (!r.found) continue;
        }
        await done({ kind: 'expire-delete-marker', bucket, key: m.key, rule: rule.id, versionId });
      }
      if (page.next === undefined || page.next === after) break;
      after = page.next;
      await yieldToEventLoop();
    }
  }
}

async function uploads(
  meta: MetadataStore,
  blobs: BlobStore,
  bucket: string,
  rules: LifecycleRule[],
  o: RunOptions,
  done: (a: LifecycleAction) => Promise<void>,
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
        await done({ kind: 'abort', bucket, key: u.key, rule: rule.id, uploadId: u.uploadId });
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
  let expired: LifecycleAction[] = [];
  const flush = async () => {
    const batch = expired;
    expired = [];
    if (batch.length && options.onExpired) await options.onExpired(batch[0].bucket, batch).catch(() => {});
  };
  const done = async (a: LifecycleAction) => {
    if (a.kind === 'abort') report.aborted++;
    else if (a.kind === 'transition' || a.kind === 'transition-noncurrent') report.transitioned++;
    else {
      report.expired++;
      if (!o.dryRun && options.onExpired) {
        expired.push(a);
        if (expired.length >= o.pageSize) await flush();
      }
    }
    options.onAction?.(a);
  };
  const buckets = options.bucket !== undefined ? [options.bucket] : (await meta.listBuckets()).map((b) => b.name);
  for (const bucket of buckets) {
    try {
      const rules = (await loadLifecycle(meta, bucket))?.filter((r) => r.status === 'Enabled');
      if (!rules?.length) continue;
      await currentObjects(meta, blobs, bucket, rules, o, done);
      await noncurrentVersions(meta, blobs, bucket, rules, o, done);
      await expiredDeleteMarkers(meta, blobs, bucket, rules, o, done);
      await uploads(meta, blobs, bucket, rules, o, done);
    } catch (error) {
      report.failed.push({ bucket, error: error as Error });
    }
    await flush(); // what expired before a failure was still removed
    await yieldToEventLoop();
  }
  return report;
}

/** What `ossd lifecycle run` prints for one action. */
export function describeAction(a: LifecycleAction, dryRun: boolean): string {
  const expire = dryRun ? 'would expire' : 'expired';
  const transition = dryRun ? 'would transition' : 'transitioned';
  const name = `${a.bucket}/${a.key}`;
  const line = {
    expire: `${expire} ${name}`,
    transition: `${transition} ${name} to ${a.storageClass}`,
    abort: `${dryRun ? 'would abort' : 'aborted'} ${name} upload ${a.uploadId}`,
    'expire-noncurrent': `${expire} ${name} noncurrent version ${a.versionId}`,
    'transition-noncurrent': `${transition} ${name} noncurrent version ${a.versionId} to ${a.storageClass}`,
    'expire-delete-marker': `${expire} ${name} delete marker ${a.versionId}`,
  }[a.kind];
  return `${line} (rule ${a.rule})`;
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
  /** Makes each run's `onExpired` hook (event notifications; see LifecycleOptions). */
  expiryHook?: () => LifecycleOptions['onExpired'],
): PeriodicJob {
  return startPeriodic(
    'lifecycle',
    Math.min(everyMs, 2 ** 31 - 1), // setInterval's limit (~24.8 days)
    async () => {
      const report = await meta.runExclusive('lifecycle', () =>
        applyLifecycle(meta, blobs, {
          onExpired: expiryHook?.(),
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
