/**
 * Event notification rules (an ossd extension modelled on OSS event notifications): per bucket, which
 * events (ObjectCreated:PutObject, ObjectRemoved:*, …) for which keys (prefix, suffix) are POSTed to
 * which URLs. Kept as the bucket configuration document `ossd-notifications` (a JSON array).
 */
import { randomBytes } from 'node:crypto';
import { parseCallbackUrl } from './callback-url.js';

export const NOTIFICATION_EVENTS = [
  'ObjectCreated:PutObject',
  'ObjectCreated:PostObject',
  'ObjectCreated:CopyObject',
  'ObjectCreated:CompleteMultipartUpload',
  'ObjectCreated:AppendObject',
  'ObjectRemoved:DeleteObject',
  'ObjectRemoved:DeleteObjects',
  'ObjectRemoved:Expire',
] as const;

export type NotificationEventName = (typeof NOTIFICATION_EVENTS)[number];

/** What a rule may list: an event name, or a wildcard (`ObjectCreated:*`, `ObjectRemoved:*`, `*`). */
export const NOTIFICATION_EVENT_PATTERNS: readonly string[] = [
  ...NOTIFICATION_EVENTS,
  'ObjectCreated:*',
  'ObjectRemoved:*',
  '*',
];

export interface NotificationRule {
  /** 12 hex digits, given by ossd. */
  id: string;
  events: string[];
  prefix?: string;
  suffix?: string;
  /** One or more http(s) URLs; each gets every matching event. */
  targets: string[];
}

export const NOTIFICATION_CONFIG = 'ossd-notifications';
export const MAX_RULES_PER_BUCKET = 20;
export const MAX_TARGETS_PER_RULE = 5;

export class InvalidNotificationRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidNotificationRuleError';
  }
}

/** Validates a rule as given to the admin API or the CLI; the id is assigned. */
export function parseNotificationRule(input: {
  events?: unknown;
  prefix?: unknown;
  suffix?: unknown;
  targets?: unknown;
}): NotificationRule {
  const list = (v: unknown, name: string): string[] => {
    const items = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : undefined;
    if (!items || items.length === 0 || !items.every((x) => typeof x === 'string'))
      throw new InvalidNotificationRuleError(`${name}: give one or more`);
    return (items as string[]).map((x) => x.trim()).filter(Boolean);
  };
  const events = [...new Set(list(input.events ?? '*', 'events'))];
  for (const e of events) {
    if (!NOTIFICATION_EVENT_PATTERNS.includes(e))
      throw new InvalidNotificationRuleError(
        `events: unknown event ${e} (one of ${NOTIFICATION_EVENT_PATTERNS.join(', ')})`,
      );
  }
  const targets = [...new Set(list(input.targets, 'targets'))];
  if (targets.length > MAX_TARGETS_PER_RULE)
    throw new InvalidNotificationRuleError(`targets: at most ${MAX_TARGETS_PER_RULE} URLs per rule`);
  const normalized = targets.map((t) => {
    if (!/^https?:\/\//i.test(t)) throw new InvalidNotificationRuleError(`targets: ${t} is not an http(s) URL`);
    const parsed = parseCallbackUrl(t);
    if (!parsed) throw new InvalidNotificationRuleError(`targets: ${t} is not a valid URL`);
    return parsed.url;
  });
  const text = (v: unknown, name: string): string | undefined => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string' || Buffer.byteLength(v) > 1023)
      throw new InvalidNotificationRuleError(`${name}: a string of at most 1023 bytes`);
    return v;
  };
  const rule: NotificationRule = { id: randomBytes(6).toString('hex'), events, targets: normalized };
  const prefix = text(input.prefix, 'prefix');
  const suffix = text(input.suffix, 'suffix');
  if (prefix !== undefined) rule.prefix = prefix;
  if (suffix !== undefined) rule.suffix = suffix;
  return rule;
}

/** Does `rule` want event `name` on `key`? */
export function ruleMatches(rule: NotificationRule, name: NotificationEventName, key: string): boolean {
  if (rule.prefix !== undefined && !key.startsWith(rule.prefix)) return false;
  if (rule.suffix !== undefined && !key.endsWith(rule.suffix)) return false;
  const family = name.slice(0, name.indexOf(':'));
  return rule.events.some((e) => e === '*' || e === name || e === `${family}:*`);
}

interface BucketConfigStore {
  getBucketConfig(bucket: string, name: string): Promise<string | undefined>;
  putBucketConfig(bucket: string, name: string, value: string | undefined): Promise<void>;
}

export async function loadNotificationRules(meta: BucketConfigStore, bucket: string): Promise<NotificationRule[]> {
  const raw = await meta.getBucketConfig(bucket, NOTIFICATION_CONFIG);
  if (raw === undefined) return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? (parsed as NotificationRule[]) : [];
  } catch {
    return [];
  }
}

export async function saveNotificationRules(
  meta: BucketConfigStore,
  bucket: string,
  rules: NotificationRule[],
): Promise<void> {
  await meta.putBucketConfig(bucket, NOTIFICATION_CONFIG, rules.length ? JSON.stringify(rules) : undefined);
}

/** Adds a rule (validated by parseNotificationRule); throws when the bucket has MAX_RULES_PER_BUCKET. */
export async function addNotificationRule(
  meta: BucketConfigStore,
  bucket: string,
  rule: NotificationRule,
): Promise<NotificationRule[]> {
  const rules = await loadNotificationRules(meta, bucket);
  if (rules.length >= MAX_RULES_PER_BUCKET)
    throw new InvalidNotificationRuleError(`a bucket has at most ${MAX_RULES_PER_BUCKET} notification rules`);
  rules.push(rule);
  await saveNotificationRules(meta, bucket, rules);
  return rules;
}

/** Removes rule `id`; false when the bucket has no such rule. */
export async function removeNotificationRule(meta: BucketConfigStore, bucket: string, id: string): Promise<boolean> {
  const rules = await loadNotificationRules(meta, bucket);
  const kept = rules.filter((r) => r.id !== id);
  if (kept.length === rules.length) return false;
  await saveNotificationRules(meta, bucket, kept);
  return true;
}
