/**
 * A bucket's lifecycle rules as ossd stores them (JSON, bucket configuration `lifecycle`), and the
 * arithmetic of when a rule is due. The XML form of PutBucketLifecycle/GetBucketLifecycle lives in the API
 * layer (api/bucket/lifecycle-xml.ts); the worker (storage/lifecycle.ts) only reads this form.
 */
import type { MetadataStore, ObjectRecord } from './types.js';

/** Storage classes a transition may name, coldest last. */
export const TRANSITION_CLASSES = ['IA', 'Archive', 'ColdArchive', 'DeepColdArchive'] as const;
export type TransitionClass = (typeof TRANSITION_CLASSES)[number];

/** How cold a storage class is: Standard 0, IA 1, … DeepColdArchive 4 (unknown classes count as Standard). */
export function coldness(storageClass: string): number {
  return TRANSITION_CLASSES.indexOf(storageClass as TransitionClass) + 1;
}

export interface LifecycleTag {
  key: string;
  value: string;
}

/** When an action applies: `days` after the last modification (rounded as OSS does), or before a date. */
export interface LifecycleWhen {
  days?: number;
  /** ISO date at midnight UTC (YYYY-MM-DDT00:00:00.000Z): objects modified before it. */
  createdBeforeDate?: string;
}

export interface LifecycleTransition extends LifecycleWhen {
  storageClass: TransitionClass;
  /** Kept and echoed (ossd records no access times: the last-modified time is used). */
  isAccessTime?: boolean;
  returnToStdWhenVisit?: boolean;
}

export interface NoncurrentTransition {
  noncurrentDays: number;
  storageClass: TransitionClass;
  isAccessTime?: boolean;
  returnToStdWhenVisit?: boolean;
}

export interface LifecycleRule {
  id: string;
  /** Keys starting with this ('' = every key). */
  prefix: string;
  status: 'Enabled' | 'Disabled';
  /** Every tag must be on the object. */
  tags: LifecycleTag[];
  /** Filter/Not: objects under this prefix (and, when given, with this tag) are left alone. */
  not?: { prefix: string; tag?: LifecycleTag };
  /** Filter/ObjectSizeGreaterThan / ObjectSizeLessThan (bytes, exclusive). */
  sizeGreaterThan?: number;
  sizeLessThan?: number;
  expiration?: LifecycleWhen & { expiredObjectDeleteMarker?: boolean };
  transitions: LifecycleTransition[];
  abortMultipartUpload?: LifecycleWhen;
  noncurrentVersionExpiration?: { noncurrentDays: number };
  noncurrentVersionTransitions: NoncurrentTransition[];
}

export const LIFECYCLE_CONFIG = 'lifecycle';
export const MAX_LIFECYCLE_RULES = 1000;
export const DAY_MS = 86_400_000;

export async function loadLifecycle(meta: MetadataStore, bucket: string): Promise<LifecycleRule[] | undefined> {
  const raw = await meta.getBucketConfig(bucket, LIFECYCLE_CONFIG);
  if (raw === undefined) return undefined;
  return (JSON.parse(raw) as { rules: LifecycleRule[] }).rules;
}

export async function saveLifecycle(meta: MetadataStore, bucket: string, rules: LifecycleRule[] | undefined) {
  await meta.putBucketConfig(bucket, LIFECYCLE_CONFIG, rules === undefined ? undefined : JSON.stringify({ rules }));
}

/**
 * The moment an action `days` after `modifiedMs` is due, as OSS counts: the last-modified time is rounded
 * up to the next midnight UTC (a time exactly at midnight stays), then `days` whole days are added.
 */
export function dueAfterDays(modifiedMs: number, days: number): number {
  return Math.ceil(modifiedMs / DAY_MS) * DAY_MS + days * DAY_MS;
}

/** Whether an action with `when` applies now to something modified (or initiated) at `modifiedMs`. */
export function isDue(when: LifecycleWhen, modifiedMs: number, now: number): boolean {
  if (when.createdBeforeDate !== undefined) return modifiedMs < Date.parse(when.createdBeforeDate);
  if (when.days !== undefined) return now >= dueAfterDays(modifiedMs, when.days);
  return false;
}

function hasTags(tags: Record<string, string>, wanted: LifecycleTag[]): boolean {
  return wanted.every((t) => tags[t.key] === t.value);
}

/** Whether the rule selects this object: prefix, tags, Filter/Not and size. */
export function objectMatches(rule: LifecycleRule, o: Pick<ObjectRecord, 'key' | 'tags' | 'size'>): boolean {
  if (!o.key.startsWith(rule.prefix)) return false;
  if (!hasTags(o.tags, rule.tags)) return false;
  if (rule.not && o.key.startsWith(rule.not.prefix) && (!rule.not.tag || hasTags(o.tags, [rule.not.tag]))) return false;
  if (rule.sizeGreaterThan !== undefined && !(o.size > rule.sizeGreaterThan)) return false;
  if (rule.sizeLessThan !== undefined && !(o.size < rule.sizeLessThan)) return false;
  return true;
}

export type CurrentAction =
  | { kind: 'expire'; rule: string }
  | { kind: 'transition'; rule: string; storageClass: TransitionClass };

/**
 * What the enabled rules do to a current object now: expiration wins; otherwise the coldest due
 * transition colder than the object's class (classes only get colder); otherwise nothing.
 */
export function currentObjectAction(rules: LifecycleRule[], o: ObjectRecord, now: number): CurrentAction | undefined {
  let transition: CurrentAction | undefined;
  let best = coldness(o.storageClass);
  for (const r of rules) {
    if (r.status !== 'Enabled' || !objectMatches(r, o)) continue;
    const e = r.expiration;
    if (e && !e.expiredObjectDeleteMarker && isDue(e, o.lastModified, now)) return { kind: 'expire', rule: r.id };
    for (const t of r.transitions) {
      const c = coldness(t.storageClass);
      if (c > best && isDue(t, o.lastModified, now)) {
        best = c;
        transition = { kind: 'transition', rule: r.id, storageClass: t.storageClass };
      }
    }
  }
  return transition;
}
