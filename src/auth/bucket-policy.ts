import { OssError } from '../errors/oss-error.js';
import type { Principal } from './authenticate.js';
import type { RequestFacts } from './policy/conditions.js';
import {
  type CompiledPolicy,
  compileDocument,
  type Decision,
  evaluatePolicy,
  type PolicyRequest,
  type PolicyStatement,
} from './policy/document.js';
import { PolicyError } from './policy/errors.js';

/**
 * Bucket policies (docs/access-control.md): a RAM document with Principal, stored per bucket as the text
 * the owner sent, compiled by the same module as STS policies and evaluated on every request to the bucket.
 */

/** The largest bucket policy OSS accepts (16 KB). */
export const MAX_BUCKET_POLICY_BYTES = 16 * 1024;

function invalid(message: string, ec = '0030-00000005'): OssError {
  return new OssError('InvalidPolicyDocument', { message: `Invalid Policy: ${message}`, ec });
}

/** Parses and compiles a PutBucketPolicy body for the bucket of `owner`; throws OSS's InvalidPolicyDocument. */
export function compileBucketPolicy(body: Buffer | string, owner: string): CompiledPolicy {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  if (bytes.length === 0) throw invalid('the policy is empty');
  if (bytes.length > MAX_BUCKET_POLICY_BYTES)
    throw invalid(`the policy is longer than ${MAX_BUCKET_POLICY_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid('the policy must be UTF-8', '0030-00000004');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid('the policy is not valid JSON');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid('the policy must be a JSON object');
  try {
    return compileDocument(doc as Record<string, unknown>, {
      accountId: owner,
      principals: true,
      strictActions: false,
    });
  } catch (err) {
    if (err instanceof PolicyError) {
      throw invalid(err.message, err.message.startsWith('Version') ? '0030-00000002' : undefined);
    }
    throw err;
  }
}

const compiled = new Map<string, CompiledPolicy | null>();

/** The compiled form of a stored policy (cached by text); null when the stored text no longer compiles. */
export function storedBucketPolicy(text: string, owner: string): CompiledPolicy | null {
  const cacheKey = `${owner}\n${text}`;
  let p = compiled.get(cacheKey);
  if (p === undefined) {
    try {
      p = compileBucketPolicy(text, owner);
    } catch {
      p = null;
    }
    if (compiled.size > 256) compiled.clear();
    compiled.set(cacheKey, p);
  }
  return p;
}

/**
 * Whether a statement applies to the caller. OSS: a named principal (an account id) applies to that account;
 * `*` applies to everyone else, anonymous callers included, and to the bucket owner only when the statement
 * has a Condition.
 */
function applies(s: PolicyStatement, principal: Principal | null, owner: string): boolean {
  const list = s.principals ?? [];
  const everyone = list.includes('*');
  if (principal && principal.accountId === owner) {
    return list.includes(owner) || (everyone && s.conditions !== undefined);
  }
  if (everyone) return true;
  return principal !== null && list.includes(principal.accountId);
}

/**
 * The bucket policy's word on a request (every part on this bucket): Deny if any part is denied, Allow if
 * every part is allowed, else None. A stored policy that no longer compiles denies everyone but the owner.
 */
export function bucketPolicyDecision(
  policy: CompiledPolicy | null,
  principal: Principal | null,
  owner: string,
  requests: PolicyRequest[],
  facts: RequestFacts,
): Decision {
  if (policy === null) return principal?.accountId === owner ? 'None' : 'Deny';
  let all = requests.length > 0;
  for (const q of requests) {
    const d = evaluatePolicy(policy, q, facts, (s) => applies(s, principal, owner));
    if (d === 'Deny') return 'Deny';
    if (d !== 'Allow') all = false;
  }
  return all ? 'Allow' : 'None';
}

/**
 * GetBucketPolicyStatus: the policy makes the bucket public when an Allow statement applies to everyone
 * (Principal `*`) without a source-network condition (acs:SourceIp / acs:SourceVpc) confining it.
 */
export function policyIsPublic(policy: CompiledPolicy): boolean {
  return policy.statements.some(
    (s) =>
      s.effect === 'Allow' &&
      (s.principals ?? []).includes('*') &&
      !(s.conditions ?? []).some(
        (c) => (c.key === 'acs:sourceip' || c.key === 'acs:sourcevpc') && !c.op.startsWith('Not'),
      ),
  );
}

export function bucketPolicyDenied(): OssError {
  return new OssError('AccessDenied', { message: 'Access denied by bucket policy.' });
}
