import { normalizeAction, RAM_ACTIONS } from './policy/actions.js';
import type { RequestFacts } from './policy/conditions.js';
import {
  type CompiledPolicy,
  checkBucketPattern,
  compileDocument,
  evaluatePolicy,
  type PolicyRequest,
  type PolicyResource,
  type PolicyStatement,
  stringList,
} from './policy/document.js';
import { PolicyError } from './policy/errors.js';

export { globMatch } from './policy/glob.js';
export type { PolicyRequest, PolicyResource, PolicyStatement };
export { PolicyError, RAM_ACTIONS };

/**
 * The policy of a temporary credential (docs/sts.md). Two input forms compile to one shape:
 *
 * - simple: `{ "buckets": ["b"], "prefixes": ["uploads/"], "actions": ["PutObject", "oss:Get*"] }`
 *   (every field optional; omitted = no restriction on that axis) → one Allow statement;
 * - an Alibaba RAM policy document:
 *   `{ "Version": "1", "Statement": [{ "Effect": "Allow"|"Deny", "Action": [...], "Resource": [...], "Condition": {...} }] }`
 *   with resources `acs:oss:<region>:<account>:<bucket>[/<key>]` (`*` and `?` wildcards), compiled and
 *   evaluated by the policy module bucket policies use too (src/auth/policy/).
 *
 * Evaluation is RAM's: an explicit Deny wins, otherwise an Allow must match, otherwise denied. The policy
 * only narrows: the ACL / ownership check of the issuing account still applies to every request.
 */
export type StsPolicy = CompiledPolicy;

/** The longest compiled policy (JSON) accepted; it travels inside every request's security token. */
export const MAX_POLICY_BYTES = 2048;

function compileSimple(doc: Record<string, unknown>): StsPolicy {
  for (const k of Object.keys(doc)) {
    if (!['buckets', 'prefixes', 'actions'].includes(k)) {
      throw new PolicyError(`policy field ${k} is unknown (expected buckets, prefixes, actions or a RAM Statement)`);
    }
  }
  const buckets = doc.buckets === undefined ? ['*'] : stringList(doc.buckets, 'buckets').map(checkBucketPattern);
  const prefixes = doc.prefixes === undefined ? undefined : stringList(doc.prefixes, 'prefixes');
  const actions = doc.actions === undefined ? ['*'] : stringList(doc.actions, 'actions').map((a) => normalizeAction(a));
  const resources: PolicyResource[] = [];
  for (const bucket of buckets) {
    if (prefixes) for (const p of prefixes) resources.push({ bucket, key: `${p}*` });
    else resources.push({ bucket }, { bucket, key: '*' });
  }
  return { statements: [{ effect: 'Allow', actions, resources }] };
}

/** Compiles either input form (an object or its JSON text); undefined/null → no policy. */
export function compilePolicy(input: unknown, accountId: string): StsPolicy | undefined {
  if (input === undefined || input === null || input === '') return undefined;
  let doc = input;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      throw new PolicyError('policy is not valid JSON');
    }
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new PolicyError('policy must be a JSON object');
  const obj = doc as Record<string, unknown>;
  const policy =
    'Statement' in obj || 'Version' in obj
      ? compileDocument(obj, { accountId, principals: false, strictActions: true })
      : compileSimple(obj);
  if (Buffer.byteLength(JSON.stringify(policy)) > MAX_POLICY_BYTES) {
    throw new PolicyError(`policy is longer than ${MAX_POLICY_BYTES} bytes`);
  }
  return policy;
}

/** Whether the policy allows the request: no matching Deny and a matching Allow. */
export function policyAllows(policy: StsPolicy, q: PolicyRequest, facts?: RequestFacts): boolean {
  return evaluatePolicy(policy, q, facts) === 'Allow';
}
