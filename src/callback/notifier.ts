/**
 * Event notifications (an ossd extension): after a write or delete has committed, `emit` finds the
 * bucket's matching rules and queues one delivery per target URL in the delivery log (kind
 * `notification`, state `pending`); the queue worker POSTs them, signed like callbacks, and retries.
 *
 * Durability: the event is queued right after the write's commit, before the client gets its answer
 * (not in the same transaction). A crash between the two loses that event (the write stays): delivery
 * is at-least-once for every event whose request was answered, at-most-once for one cut off by a crash.
 */

import { parseCallbackUrl } from './callback-url.js';
import type { DeliveryRecordInput, DeliveryStore, RetryPolicy, StoredCallbackSpec } from './delivery-store.js';
import {
  loadNotificationRules,
  type NotificationEventName,
  type NotificationRule,
  ruleMatches,
} from './notification-rules.js';
import type { DeliveryOutcome } from './send.js';
import { type CallbackService, newDeliveryId } from './service.js';

/** A committed change to one object. */
export interface ObjectEvent {
  name: NotificationEventName;
  bucket: string;
  /** The bucket owner's account id. */
  bucketOwner: string;
  key: string;
  /** Of the object written (0 for a removal). */
  size?: number;
  /** The object's ETag, without quotes. */
  eTag?: string;
  /** Size change (the new size minus the old; minus the old size for a removal) when known. */
  deltaSize?: number;
  requestId: string;
  sourceIp: string;
  /** The account (or key owner) that made the request. */
  principalId: string;
  /** Default: now. */
  time?: number;
  /** The version removed, when the event is about one version (lifecycle's noncurrent-version expiry). */
  versionId?: string;
}

/** OSS's region id from ossd's region setting: `oss-cn-hangzhou` → `cn-hangzhou`. */
export function regionId(region: string): string {
  return region.replace(/^oss-/, '');
}

/**
 * The message in OSS's event-notification format (the JSON OSS publishes to MNS and EventBridge),
 * one event per message.
 */
export function notificationMessage(e: ObjectEvent, rule: NotificationRule, region: string): string {
  const r = regionId(region);
  const removed = e.name.startsWith('ObjectRemoved:');
  const object: Record<string, unknown> = {
    deltaSize: e.deltaSize ?? (removed ? 0 : (e.size ?? 0)),
    key: e.key,
    size: removed ? 0 : (e.size ?? 0),
  };
  if (e.eTag !== undefined) object.eTag = e.eTag;
  if (e.versionId !== undefined) object.versionId = e.versionId;
  return JSON.stringify({
    events: [
      {
        eventName: e.name,
        eventSource: 'acs:oss',
        eventTime: new Date(e.time ?? Date.now()).toISOString(),
        eventVersion: '1.0',
        oss: {
          bucket: {
            arn: `acs:oss:${r}:${e.bucketOwner}:${e.bucket}`,
            name: e.bucket,
            ownerIdentity: e.bucketOwner,
            virtualBucket: '',
          },
          object,
          ossSchemaVersion: '1.0',
          ruleId: rule.id,
        },
        region: r,
        requestParameters: { sourceIPAddress: e.sourceIp },
        responseElements: { requestId: e.requestId },
        userIdentity: { principalId: e.principalId },
      },
    ],
  });
}

export interface NotifierDeps {
  deliveries: DeliveryStore;
  rules: (bucket: string) => Promise<NotificationRule[]>;
  retryPolicy: (bucket: string) => Promise<RetryPolicy>;
  region: string;
  /** Told after deliveries were queued. */
  onQueued?: () => void;
  logger?: { warn(obj: object, msg?: string): void };
}

/**
 * How long a bucket's rules (and retry policy, for notifications) are reused before being read again:
 * a change made elsewhere (another node, the CLI) applies after it.
 */
export const RULE_CACHE_MS = 2000;

export class Notifier {
  private readonly cache = new Map<
    string,
    { at: number; config: Promise<{ rules: NotificationRule[]; policy?: RetryPolicy }> }
  >();

  constructor(private readonly deps: NotifierDeps) {}

  /** Forgets cached rules (after a change through this process). */
  invalidate(bucket?: string): void {
    if (bucket === undefined) this.cache.clear();
    else this.cache.delete(bucket);
  }

  /** A bucket's rules, and its retry policy when it has rules (both cached for RULE_CACHE_MS). */
  private configOf(bucket: string): Promise<{ rules: NotificationRule[]; policy?: RetryPolicy }> {
    const hit = this.cache.get(bucket);
    if (hit && Date.now() - hit.at < RULE_CACHE_MS) return hit.config;
    const config = (async () => {
      const rules = await this.deps.rules(bucket);
      return rules.length ? { rules, policy: await this.deps.retryPolicy(bucket) } : { rules };
    })().catch((err: unknown) => {
      this.cache.delete(bucket);
      throw err;
    });
    this.cache.set(bucket, { at: Date.now(), config });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return config;
  }

  /**
   * Queues the notifications `events` trigger (events of one bucket). Resolves once they are in the
   * delivery log; never rejects (a failure is logged: the write has committed already).
   */
  async emit(events: ObjectEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    try {
      const { rules, policy } = await this.configOf(events[0].bucket);
      if (rules.length === 0 || !policy) return 0;
      const now = Date.now();
      const queued: Promise<unknown>[] = [];
      for (const e of events) {
        for (const rule of rules) {
          if (!ruleMatches(rule, e.name, e.key)) continue;
          const body = notificationMessage(e, rule, this.deps.region);
          for (const url of rule.targets) {
            const target = parseCallbackUrl(url);
            if (!target) continue;
            queued.push(this.deps.deliveries.record(queuedNotification(e, rule, body, target, policy, now)));
          }
        }
      }
      await Promise.all(queued);
      if (queued.length) this.deps.onQueued?.();
      return queued.length;
    } catch (err) {
      this.deps.logger?.warn(
        { err: err instanceof Error ? err.message : String(err), bucket: events[0].bucket },
        'event notification not queued',
      );
      return 0;
    }
  }
}

function queuedNotification(
  e: ObjectEvent,
  rule: NotificationRule,
  body: string,
  target: NonNullable<ReturnType<typeof parseCallbackUrl>>,
  retry: RetryPolicy,
  now: number,
): DeliveryRecordInput {
  const spec: StoredCallbackSpec = {
    targets: [target],
    bodyType: 'application/json',
    additionalHeaders: { 'x-ossd-notification-rule': rule.id },
    sni: true,
  };
  return {
    id: newDeliveryId(),
    kind: 'notification',
    state: 'pending',
    attempt: 0,
    nextAttemptAt: now,
    retry,
    requestId: e.requestId,
    bucket: e.bucket,
    key: e.key,
    operation: e.name,
    ...(e.versionId === undefined ? {} : { versionId: e.versionId }),
    spec,
    renderedBody: body,
    stringToSign: '',
    attempts: [],
    ok: false,
    latencyMs: 0,
    createdAt: now,
  };
}

export { loadNotificationRules };

/**
 * Sends a sample `ObjectCreated:PutObject` event (key `ossd-notification-test`) through rule `rule` to
 * each of its targets now, recording each delivery: the `test` command and the console's Test button.
 */
export async function testNotificationRule(
  service: Pick<CallbackService, 'sendNotificationNow'>,
  rule: NotificationRule,
  bucket: { name: string; owner: string },
  region: string,
  requestId: string,
): Promise<{ url: string; deliveryId?: string; outcome: DeliveryOutcome }[]> {
  const event: ObjectEvent = {
    name: 'ObjectCreated:PutObject',
    bucket: bucket.name,
    bucketOwner: bucket.owner,
    key: 'ossd-notification-test',
    size: 0,
    eTag: 'D41D8CD98F00B204E9800998ECF8427E',
    requestId,
    sourceIp: '127.0.0.1',
    principalId: bucket.owner,
  };
  const body = notificationMessage(event, rule, region);
  const results: { url: string; deliveryId?: string; outcome: DeliveryOutcome }[] = [];
  for (const url of rule.targets) {
    const target = parseCallbackUrl(url);
    if (!target) continue;
    const { record, outcome } = await service.sendNotificationNow(
      {
        targets: [target],
        bodyType: 'application/json',
        additionalHeaders: { 'x-ossd-notification-rule': rule.id },
        sni: true,
      },
      body,
      { requestId, bucket: bucket.name, key: event.key, operation: event.name },
    );
    results.push({ url, deliveryId: record?.id, outcome });
  }
  return results;
}
