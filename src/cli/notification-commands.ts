/** `ossd callbacks policy …` and `ossd notifications …`: ossd's callback extensions, on the data directory. */
import {
  addNotificationRule,
  InvalidNotificationRuleError,
  loadNotificationRules,
  parseNotificationRule,
  removeNotificationRule,
} from '../callback/notification-rules.js';
import { testNotificationRule } from '../callback/notifier.js';
import {
  InvalidRetryPolicyError,
  loadRetryPolicy,
  parseRetryPolicy,
  saveRetryPolicy,
} from '../callback/retry-policy.js';
import type { CallbackService } from '../callback/service.js';
import { newRequestId } from '../http/request-id.js';
import type { MetadataStore } from '../storage/types.js';

type Flags = Record<string, unknown>;

/** One string flag (the last when repeated). */
function one(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

function many(flags: Flags, name: string): string[] {
  const v = flags[name];
  if (Array.isArray(v)) return v.map(String);
  return typeof v === 'string' ? [v] : [];
}

function describePolicy(bucket: string, p: { retries: number; baseDelayMs: number; maxDelayMs: number } | undefined) {
  return p
    ? `${bucket}: failed upload callbacks retried up to ${p.retries} times, backoff ${p.baseDelayMs} ms doubling to at most ${p.maxDelayMs} ms`
    : `${bucket}: failed upload callbacks are not retried (as OSS)`;
}

/** `ossd callbacks policy BUCKET [--retries N --base-delay MS --max-delay MS | --off]`. */
export async function retryPolicyCommand(
  meta: MetadataStore,
  bucket: string,
  flags: Flags,
  out: (line: string) => void,
): Promise<number> {
  if (!(await meta.getBucket(bucket))) {
    out(`no such bucket ${bucket}`);
    return 1;
  }
  const setting = ['retries', 'base-delay', 'max-delay'].some((f) => one(flags, f) !== undefined);
  if (flags.off && setting) {
    out('give either --off or --retries/--base-delay/--max-delay');
    return 2;
  }
  if (flags.off) await saveRetryPolicy(meta, bucket, undefined);
  else if (setting) {
    try {
      const p = parseRetryPolicy({
        retries: one(flags, 'retries'),
        baseDelayMs: one(flags, 'base-delay'),
        maxDelayMs: one(flags, 'max-delay'),
      });
      await saveRetryPolicy(meta, bucket, p.retries > 0 ? p : undefined);
    } catch (err) {
      if (!(err instanceof InvalidRetryPolicyError)) throw err;
      out(err.message);
      return 2;
    }
  }
  out(describePolicy(bucket, await loadRetryPolicy(meta, bucket)));
  return 0;
}

const USAGE =
  'usage: ossd notifications add BUCKET --target URL [--target URL2 …] [--events E1,E2] [--prefix P] [--suffix S] | list BUCKET [--json] | remove BUCKET RULE | test BUCKET RULE';

/** `ossd notifications add|list|remove|test`. */
export async function notificationsCommand(
  meta: MetadataStore,
  sub: string | undefined,
  args: string[],
  flags: Flags,
  region: string,
  service: () => Promise<Pick<CallbackService, 'sendNotificationNow'>>,
  out: (line: string) => void,
): Promise<number> {
  const [bucketName, ruleId] = args;
  if (!sub || !bucketName) {
    out(USAGE);
    return 2;
  }
  const bucket = await meta.getBucket(bucketName);
  if (!bucket) {
    out(`no such bucket ${bucketName}`);
    return 1;
  }
  if (sub === 'add') {
    try {
      const rule = parseNotificationRule({
        events: one(flags, 'events') ?? '*',
        prefix: one(flags, 'prefix'),
        suffix: one(flags, 'suffix'),
        targets: many(flags, 'target'),
      });
      await addNotificationRule(meta, bucketName, rule);
      out(`added rule ${rule.id} to ${bucketName}`);
      printRule(rule, out);
      return 0;
    } catch (err) {
      if (!(err instanceof InvalidNotificationRuleError)) throw err;
      out(err.message);
      return 2;
    }
  }
  if (sub === 'list') {
    const rules = await loadNotificationRules(meta, bucketName);
    if (flags.json) out(JSON.stringify(rules, null, 2));
    else if (rules.length === 0) out(`${bucketName}: no notification rules`);
    else for (const r of rules) printRule(r, out);
    return 0;
  }
  if (sub === 'remove' && ruleId) {
    const removed = await removeNotificationRule(meta, bucketName, ruleId);
    out(removed ? `removed rule ${ruleId}` : `no rule ${ruleId} on ${bucketName}`);
    return removed ? 0 : 1;
  }
  if (sub === 'test' && ruleId) {
    const rule = (await loadNotificationRules(meta, bucketName)).find((r) => r.id === ruleId);
    if (!rule) {
      out(`no rule ${ruleId} on ${bucketName}`);
      return 1;
    }
    const results = await testNotificationRule(await service(), rule, bucket, region, newRequestId());
    for (const r of results) {
      const a = r.outcome.attempts.at(-1);
      out(
        `${r.url}  ${r.outcome.ok ? 'ok' : 'FAILED'}  ${a?.status ?? '-'}  ${a?.latencyMs ?? 0} ms  delivery ${r.deliveryId ?? '-'}${r.outcome.ok ? '' : `  ${r.outcome.message ?? ''}`}`,
      );
    }
    return results.every((r) => r.outcome.ok) ? 0 : 1;
  }
  out(USAGE);
  return 2;
}

function printRule(
  r: { id: string; events: string[]; prefix?: string; suffix?: string; targets: string[] },
  out: (line: string) => void,
): void {
  const filter = [
    r.prefix !== undefined ? `prefix ${JSON.stringify(r.prefix)}` : '',
    r.suffix !== undefined ? `suffix ${JSON.stringify(r.suffix)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  out(`${r.id}  ${r.events.join(',')}  ${filter || 'all keys'}  → ${r.targets.join(' ')}`);
}
