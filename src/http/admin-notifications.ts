import type { IncomingMessage } from 'node:http';
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
import { OssError } from '../errors/oss-error.js';
import type { Services } from '../services.js';
import type { AccessKey } from '../storage/types.js';
import { readJson } from './admin-callback-test.js';
import { newRequestId } from './request-id.js';

type AdminResult = { status: number; body: unknown };

/**
 * Admin HTTP API for ossd's callback extensions (JSON), on buckets the caller's account owns:
 *   GET|PUT|DELETE /-/admin/callbacks/policy/BUCKET      retry policy {retries, baseDelayMs, maxDelayMs}
 *   GET  /-/admin/notifications/BUCKET                    notification rules
 *   POST /-/admin/notifications/BUCKET                    add a rule {events, prefix, suffix, targets}
 *   DELETE /-/admin/notifications/BUCKET/RULE             remove a rule
 *   POST /-/admin/notifications/BUCKET/RULE/test          send a sample event to the rule's targets
 * Returns undefined for other paths.
 */
export async function handleNotificationAdmin(
  req: IncomingMessage,
  path: string,
  key: AccessKey,
  s: Services,
): Promise<AdminResult | undefined> {
  const method = req.method ?? 'GET';
  const policy = /^\/callbacks\/policy\/([^/]+)$/.exec(path);
  const rules = /^\/notifications\/([^/]+)(?:\/([0-9a-f]+)(\/test)?)?$/.exec(path);
  if (!policy && !rules) return undefined;
  const bucketName = decodeURIComponent((policy ?? rules)![1]);
  const bucket = await s.meta.getBucket(bucketName);
  if (!bucket || bucket.owner !== key.accountId)
    return { status: 404, body: { code: 'NoSuchBucket', message: `No bucket ${bucketName} of this account` } };
  try {
    if (policy) {
      if (method === 'GET')
        return {
          status: 200,
          body: { bucket: bucketName, policy: (await loadRetryPolicy(s.meta, bucketName)) ?? null },
        };
      if (method === 'PUT') {
        const p = parseRetryPolicy(await readJson(req));
        await saveRetryPolicy(s.meta, bucketName, p.retries > 0 ? p : undefined);
        s.callbacks.notifier.invalidate(bucketName);
        return { status: 200, body: { bucket: bucketName, policy: p.retries > 0 ? p : null } };
      }
      if (method === 'DELETE') {
        await saveRetryPolicy(s.meta, bucketName, undefined);
        s.callbacks.notifier.invalidate(bucketName);
        return { status: 200, body: { bucket: bucketName, policy: null } };
      }
    } else if (rules) {
      const [, , id, test] = rules;
      if (id === undefined && method === 'GET')
        return { status: 200, body: { bucket: bucketName, rules: await loadNotificationRules(s.meta, bucketName) } };
      if (id === undefined && method === 'POST') {
        const rule = parseNotificationRule(await readJson(req));
        await addNotificationRule(s.meta, bucketName, rule);
        s.callbacks.notifier.invalidate(bucketName);
        return { status: 200, body: rule };
      }
      if (id !== undefined && !test && method === 'DELETE') {
        const removed = await removeNotificationRule(s.meta, bucketName, id);
        s.callbacks.notifier.invalidate(bucketName);
        return removed
          ? { status: 200, body: { removed: id } }
          : { status: 404, body: { code: 'NoSuchRule', message: `No notification rule ${id}` } };
      }
      if (id !== undefined && test && method === 'POST') {
        const rule = (await loadNotificationRules(s.meta, bucketName)).find((r) => r.id === id);
        if (!rule) return { status: 404, body: { code: 'NoSuchRule', message: `No notification rule ${id}` } };
        const results = await testNotificationRule(s.callbacks.service, rule, bucket, s.config.region, newRequestId());
        return {
          status: 200,
          body: {
            results: results.map((r) => ({
              url: r.url,
              deliveryId: r.deliveryId,
              ok: r.outcome.ok,
              status: r.outcome.attempts.at(-1)?.status,
              message: r.outcome.message,
            })),
          },
        };
      }
    }
  } catch (err) {
    if (err instanceof InvalidRetryPolicyError || err instanceof InvalidNotificationRuleError)
      return { status: 400, body: { code: 'InvalidArgument', message: err.message } };
    throw err;
  }
  throw new OssError('MethodNotAllowed', { message: `No admin operation ${method} ${path}` });
}
