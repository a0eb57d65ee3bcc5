/**
 * PostObject (HTML form upload) authentication: the V1/V4 policy signatures and the policy document
 * (`expiration` + `conditions`), spec oss-api.md §3. Pure apart from the key lookup.
 */
import { OssError } from '../errors/oss-error.js';
import type { AccessKey } from '../storage/types.js';
import { type Principal, safeEqual } from './authenticate.js';
import { signPolicyV1 } from './signature-v1.js';
import { parseCredentialV4, parseV4Date, signingKeyV4, signV4 } from './signature-v4.js';

/** Reads a form field by lower-cased name ('' and absent are different). */
export type FieldLookup = (lowerName: string) => string | undefined;

export type PolicyCondition =
  | { op: 'eq' | 'starts-with'; field: string; name: string; value: string }
  | { op: 'in' | 'not-in'; field: string; name: string; values: string[] }
  | { op: 'content-length-range'; min: number; max: number };

export interface PostPolicy {
  expiration: number;
  conditions: PolicyCondition[];
}

export interface LengthRange {
  min: number;
  max: number;
}

function invalidPolicy(detail: string, ec?: string): OssError {
  return new OssError('InvalidPolicyDocument', { message: `Invalid Policy: ${detail}`, ec });
}

/** ISO 8601 date-time (`2030-01-01T00:00:00.000Z`, offset or Z, fraction optional). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function fieldName(raw: unknown): { field: string; name: string } {
  if (typeof raw !== 'string' || raw === '' || raw === '$') throw invalidPolicy('Invalid field name in condition.');
  const bare = raw.startsWith('$') ? raw.slice(1) : raw;
  return { field: bare.toLowerCase(), name: raw.startsWith('$') ? raw : `$${raw}` };
}

function lengthBound(v: unknown): number {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw invalidPolicy('Invalid content-length-range condition.', '0006-00000224');
  }
  return n;
}

function parseCondition(c: unknown): PolicyCondition {
  if (c !== null && typeof c === 'object' && !Array.isArray(c)) {
    const entries = Object.entries(c);
    if (entries.length !== 1) {
      throw invalidPolicy('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
    }
    const [k, v] = entries[0];
    if (typeof v !== 'string')
      throw invalidPolicy('Invalid Simple-Condition: value must be a string.', '0006-00000224');
    return { op: 'eq', ...fieldName(k), value: v };
  }
  if (!Array.isArray(c) || c.length === 0 || typeof c[0] !== 'string') {
    throw invalidPolicy('Invalid condition: a condition must be an object or an array.');
  }
  const op = c[0].toLowerCase();
  if (op === 'content-length-range') {
    if (c.length !== 3) throw invalidPolicy('Invalid content-length-range condition.');
    const min = lengthBound(c[1]);
    const max = lengthBound(c[2]);
    if (min > max) throw invalidPolicy('Invalid content-length-range condition: min is greater than max.');
    return { op, min, max };
  }
  if (c.length !== 3) throw invalidPolicy(`Invalid ${c[0]} condition: it must have exactly three elements.`);
  if (op === 'eq' || op === 'starts-with') {
    if (typeof c[2] !== 'string')
      throw invalidPolicy(`Invalid ${op} condition: value must be a string.`, '0006-00000224');
    return { op, ...fieldName(c[1]), value: c[2] };
  }
  if (op === 'in' || op === 'not-in') {
    const list = c[2];
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
      throw invalidPolicy(`Invalid ${op} condition: value must be a list of strings.`, '0006-00000224');
    }
    return { op, ...fieldName(c[1]), values: list as string[] };
  }
  throw invalidPolicy(`Invalid condition operator: ${c[0]}`);
}

/** Decodes and validates the base64 policy document (InvalidPolicyDocument when malformed). */
export function parsePostPolicy(policyB64: string): PostPolicy {
  const text = policyB64.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) throw invalidPolicy('Policy is not base64.');
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(text, 'base64')));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalidPolicy('Invalid JSON.');
  const { expiration, conditions } = doc as Record<string, unknown>;
  if (expiration === undefined) throw invalidPolicy('Policy is missing the expiration field.', '0006-00000208');
  if (typeof expiration !== 'string' || !ISO_8601.test(expiration) || Number.isNaN(Date.parse(expiration))) {
    throw invalidPolicy('Invalid expiration: it must be an ISO 8601 GMT date.');
  }
  if (conditions === undefined) throw invalidPolicy('Policy is missing the conditions field.');
  if (!Array.isArray(conditions)) throw invalidPolicy('Invalid conditions: it must be a list.');
  return { expiration: Date.parse(expiration), conditions: conditions.map(parseCondition) };
}

/** A condition as OSS quotes it in error messages: `["eq", "$key", "x"]`. */
export function formatCondition(c: PolicyCondition): string {
  const q = (v: string) => JSON.stringify(v);
  switch (c.op) {
    case 'content-length-range':
      return `[${q(c.op)}, ${c.min}, ${c.max}]`;
    case 'in':
    case 'not-in':
      return `[${q(c.op)}, ${q(c.name)}, [${c.values.map(q).join(', ')}]]`;
    default:
      return `[${q(c.op)}, ${q(c.name)}, ${q(c.value)}]`;
  }
}

function conditionFailed(c: PolicyCondition): OssError {
  return new OssError('AccessDenied', {
    message: `Invalid according to Policy: Policy Condition failed: ${formatCondition(c)}`,
  });
}

function holds(c: Exclude<PolicyCondition, { op: 'content-length-range' }>, value: string | undefined): boolean {
  switch (c.op) {
    case 'eq':
      return (value ?? '') === c.value;
    case 'starts-with':
      return (value ?? '').startsWith(c.value);
    case 'in':
      return value !== undefined && c.values.includes(value);
    case 'not-in':
      return value === undefined || !c.values.includes(value);
  }
}

/**
 * Checks expiry and every field condition. `candidates(field)` lists the values a field may be judged by
 * (the key has two: as submitted and after `${filename}` substitution; either may satisfy a condition).
 * Returns the intersection of the content-length-range conditions, checked later against the real size.
 */
export function checkPostPolicy(
  policy: PostPolicy,
  candidates: (lowerName: string) => (string | undefined)[],
  now: number,
): LengthRange | undefined {
  if (policy.expiration < now) {
    throw new OssError('AccessDenied', { message: 'Invalid according to Policy: Policy expired.' });
  }
  let range: LengthRange | undefined;
  for (const c of policy.conditions) {
    if (c.op === 'content-length-range') {
      range = range ? { min: Math.max(range.min, c.min), max: Math.min(range.max, c.max) } : { min: c.min, max: c.max };
      continue;
    }
    if (!candidates(c.field).some((v) => holds(c, v))) throw conditionFailed(c);
  }
  return range;
}

/** The real size against the policy's content-length-range (EntityTooLarge / EntityTooSmall). */
export function checkContentLength(range: LengthRange | undefined, size: number): void {
  if (!range) return;
  if (size > range.max) throw new OssError('EntityTooLarge', { ec: '0006-00000003' });
  if (size < range.min) throw new OssError('EntityTooSmall', { ec: '0006-00000004' });
}

function missingField(name: string): OssError {
  return new OssError('InvalidArgument', {
    message: `Bucket POST must contain a field named '${name}'. If it is specified, please check the order of the fields.`,
    extra: { ArgumentName: name, ArgumentValue: '' },
  });
}

function mismatch(policyB64: string, provided: string, accessKeyId: string): OssError {
  return new OssError('SignatureDoesNotMatch', {
    ec: '0002-00000040',
    extra: { StringToSign: policyB64, SignatureProvided: provided, OSSAccessKeyId: accessKeyId },
  });
}

async function resolveKey(
  id: string,
  field: FieldLookup,
  lookupKey: (id: string) => Promise<AccessKey | undefined>,
  now: number,
): Promise<AccessKey> {
  const key = await lookupKey(id);
  if (!key) throw new OssError('InvalidAccessKeyId', { ec: '0002-00000902', extra: { OSSAccessKeyId: id } });
  if (key.securityToken !== undefined) {
    const token = field('x-oss-security-token');
    if (!token || !safeEqual(token, key.securityToken)) {
      throw new OssError('InvalidSecurityToken', { ec: '0002-00000006' });
    }
    if (key.expiresAt !== undefined && key.expiresAt < now) {
      throw new OssError('SecurityTokenExpired', { ec: '0002-00000007' });
    }
  }
  return key;
}

export const POST_V4_ALGORITHM = 'OSS4-HMAC-SHA256';

/**
 * Verifies the form's V1 (`OSSAccessKeyId` + `Signature`) or V4 (`x-oss-signature-version` …) signature
 * over the base64 policy. Returns null for an unsigned form (allowed only on public-read-write buckets).
 */
export async function verifyPostSignature(
  field: FieldLookup,
  o: { lookupKey: (id: string) => Promise<AccessKey | undefined>; now: number },
): Promise<Principal | null> {
  const principalOf = (key: AccessKey): Principal => ({
    accountId: key.accountId,
    accessKeyId: key.id,
    temporary: key.securityToken !== undefined ? key : undefined,
  });
  const version = field('x-oss-signature-version');
  if (version !== undefined) {
    if (version !== POST_V4_ALGORITHM) {
      throw new OssError('InvalidArgument', {
        message: `Unsupported x-oss-signature-version: ${version}`,
        extra: { ArgumentName: 'x-oss-signature-version', ArgumentValue: version },
      });
    }
    for (const name of ['x-oss-credential', 'x-oss-date', 'x-oss-signature', 'policy']) {
      if (!field(name)) throw missingField(name);
    }
    const credential = field('x-oss-credential')!;
    const cred = parseCredentialV4(credential);
    if (!cred) {
      throw new OssError('InvalidArgument', {
        message: 'Invalid x-oss-credential.',
        extra: { ArgumentName: 'x-oss-credential', ArgumentValue: credential },
      });
    }
    const date = field('x-oss-date')!;
    if (parseV4Date(date) === undefined || date.slice(0, 8) !== cred.day) {
      throw new OssError('InvalidArgument', {
        message: 'Invalid x-oss-date: it must be yyyymmddTHHMMSSZ on the day of the credential.',
        extra: { ArgumentName: 'x-oss-date', ArgumentValue: date },
      });
    }
    const key = await resolveKey(cred.accessKeyId, field, o.lookupKey, o.now);
    const policy = field('policy')!;
    const provided = field('x-oss-signature')!;
    const expected = signV4(signingKeyV4(key.secret, cred.day, cred.region, cred.product), policy);
    if (!safeEqual(expected, provided.toLowerCase())) throw mismatch(policy, provided, cred.accessKeyId);
    return principalOf(key);
  }
  const id = field('ossaccesskeyid');
  const signature = field('signature');
  if (id === undefined && signature === undefined) return null;
  if (!id) throw missingField('OSSAccessKeyId');
  if (!signature) throw missingField('Signature');
  const policy = field('policy');
  if (!policy) throw missingField('policy');
  const key = await resolveKey(id, field, o.lookupKey, o.now);
  if (!safeEqual(signPolicyV1(key.secret, policy), signature)) throw mismatch(policy, signature, id);
  return principalOf(key);
}
