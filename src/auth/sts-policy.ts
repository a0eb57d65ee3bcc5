import { OPERATIONS, type OperationName } from '../http/operations.js';

/**
 * The policy of a temporary credential (docs/sts.md). Two input forms compile to one shape:
 *
 * - simple: `{ "buckets": ["b"], "prefixes": ["uploads/"], "actions": ["PutObject", "oss:Get*"] }`
 *   (every field optional; omitted = no restriction on that axis) → one Allow statement;
 * - a subset of an Alibaba RAM policy document:
 *   `{ "Version": "1", "Statement": [{ "Effect": "Allow"|"Deny", "Action": [...], "Resource": [...] }] }`
 *   with resources `acs:oss:<region>:<account>:<bucket>[/<key>]` (`*` and `?` wildcards). Conditions are
 *   rejected rather than ignored, because ignoring one would widen the grant.
 *
 * Evaluation is RAM's: an explicit Deny wins, otherwise an Allow must match, otherwise denied. The policy
 * only narrows: the ACL / ownership check of the issuing account still applies to every request.
 */
export interface PolicyResource {
  /** Glob over bucket names; the service (ListBuckets) matches only `*`. */
  bucket: string;
  /** Glob over object keys; absent = the bucket itself (bucket-level operations). */
  key?: string;
}

export interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  /** Action globs without the `oss:` prefix, matched against the RAM action and the operation name. */
  actions: string[];
  resources: PolicyResource[];
}

export interface StsPolicy {
  statements: PolicyStatement[];
}

export class PolicyError extends Error {}

/** The RAM action OSS authorises each operation with (OSS "authorization syntax and elements"). */
export const RAM_ACTIONS: Record<OperationName, string> = {
  ListBuckets: 'ListBuckets',
  PutBucket: 'PutBucket',
  DeleteBucket: 'DeleteBucket',
  GetBucketInfo: 'GetBucketInfo',
  GetBucketStat: 'GetBucketStat',
  GetBucketLocation: 'GetBucketLocation',
  PutBucketAcl: 'PutBucketAcl',
  GetBucketAcl: 'GetBucketAcl',
  PutBucketCors: 'PutBucketCors',
  GetBucketCors: 'GetBucketCors',
  DeleteBucketCors: 'DeleteBucketCors',
  PutBucketEncryption: 'PutBucketEncryption',
  GetBucketEncryption: 'GetBucketEncryption',
  DeleteBucketEncryption: 'DeleteBucketEncryption',
  PutStyle: 'PutStyle',
  GetStyle: 'GetStyle',
  ListStyle: 'ListStyle',
  DeleteStyle: 'DeleteStyle',
  ListObjects: 'ListObjects',
  ListObjectsV2: 'ListObjects',
  DeleteMultipleObjects: 'DeleteObject',
  ListMultipartUploads: 'ListMultipartUploads',
  PostObject: 'PutObject',
  PutObject: 'PutObject',
  CopyObject: 'PutObject',
  AppendObject: 'PutObject',
  GetObject: 'GetObject',
  ProcessObjectSave: 'PostProcessTask',
  HeadObject: 'GetObject',
  GetObjectMeta: 'GetObject',
  DeleteObject: 'DeleteObject',
  PutObjectAcl: 'PutObjectAcl',
  GetObjectAcl: 'GetObjectAcl',
  PutObjectTagging: 'PutObjectTagging',
  GetObjectTagging: 'GetObjectTagging',
  DeleteObjectTagging: 'DeleteObjectTagging',
  PutSymlink: 'PutObject',
  GetSymlink: 'GetObject',
  InitiateMultipartUpload: 'PutObject',
  UploadPart: 'PutObject',
  UploadPartCopy: 'PutObject',
  CompleteMultipartUpload: 'PutObject',
  AbortMultipartUpload: 'AbortMultipartUpload',
  ListParts: 'ListParts',
  RestoreObject: 'RestoreObject',
  Options: 'Options',
};

const KNOWN_NAMES = [...new Set([...Object.keys(OPERATIONS), ...Object.values(RAM_ACTIONS)])];

/** The longest compiled policy (JSON) accepted; it travels inside every request's security token. */
export const MAX_POLICY_BYTES = 2048;

const globCache = new Map<string, RegExp>();

/** RAM wildcard match: `*` any run of characters, `?` one character, everything else literal. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = globCache.get(cacheKey);
  if (!re) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'si' : 's');
    if (globCache.size > 1000) globCache.clear();
    globCache.set(cacheKey, re);
  }
  return re.test(value);
}

function stringList(v: unknown, field: string): string[] {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string' && x !== '')) {
    throw new PolicyError(`${field} must be a non-empty string or array of non-empty strings`);
  }
  return list as string[];
}

function normalizeAction(a: string): string {
  const colon = a.indexOf(':');
  if (colon >= 0) {
    if (a.slice(0, colon).toLowerCase() !== 'oss') throw new PolicyError(`action ${a} is not an oss: action`);
    a = a.slice(colon + 1);
  }
  if (!KNOWN_NAMES.some((n) => globMatch(a, n, true))) throw new PolicyError(`unknown action ${a}`);
  return a;
}

function checkBucketPattern(b: string): string {
  if (!/^[a-z0-9_*?-]{1,63}$/.test(b)) throw new PolicyError(`bucket ${b} is not a bucket name or pattern`);
  return b;
}

function parseResource(r: string, accountId: string): PolicyResource | undefined {
  const m = /^acs:oss:([^:]*):([^:]*):(.+)$/.exec(r);
  if (!m) throw new PolicyError(`resource ${r} is not of the form acs:oss:<region>:<account>:<bucket>[/<key>]`);
  const [, , account, path] = m;
  // A resource of another account can never match this account's requests.
  if (account !== '*' && account !== '' && account !== accountId) return undefined;
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: checkBucketPattern(path) };
  return { bucket: checkBucketPattern(path.slice(0, slash)), key: path.slice(slash + 1) };
}

function compileRam(doc: Record<string, unknown>, accountId: string): StsPolicy {
  if (doc.Version !== undefined && String(doc.Version) !== '1') throw new PolicyError('Version must be "1"');
  const raw = doc.Statement;
  if (!Array.isArray(raw) || raw.length === 0) throw new PolicyError('Statement must be a non-empty array');
  const statements = raw.map((s: unknown, i): PolicyStatement => {
    if (!s || typeof s !== 'object') throw new PolicyError(`Statement[${i}] must be an object`);
    const st = s as Record<string, unknown>;
    for (const k of Object.keys(st)) {
      if (k === 'Condition') throw new PolicyError('Condition is not supported by ossd (it would be ignored)');
      if (!['Effect', 'Action', 'Resource'].includes(k)) throw new PolicyError(`Statement[${i}].${k} is not supported`);
    }
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny')
      throw new PolicyError(`Statement[${i}].Effect must be Allow or Deny`);
    return {
      effect: st.Effect,
      actions: stringList(st.Action, `Statement[${i}].Action`).map(normalizeAction),
      resources: stringList(st.Resource, `Statement[${i}].Resource`)
        .map((r) => parseResource(r, accountId))
        .filter((r): r is PolicyResource => r !== undefined),
    };
  });
  return { statements };
}

function compileSimple(doc: Record<string, unknown>): StsPolicy {
  for (const k of Object.keys(doc)) {
    if (!['buckets', 'prefixes', 'actions'].includes(k)) {
      throw new PolicyError(`policy field ${k} is unknown (expected buckets, prefixes, actions or a RAM Statement)`);
    }
  }
  const buckets = doc.buckets === undefined ? ['*'] : stringList(doc.buckets, 'buckets').map(checkBucketPattern);
  const prefixes = doc.prefixes === undefined ? undefined : stringList(doc.prefixes, 'prefixes');
  const actions = doc.actions === undefined ? ['*'] : stringList(doc.actions, 'actions').map(normalizeAction);
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
  const policy = 'Statement' in obj || 'Version' in obj ? compileRam(obj, accountId) : compileSimple(obj);
  if (Buffer.byteLength(JSON.stringify(policy)) > MAX_POLICY_BYTES) {
    throw new PolicyError(`policy is longer than ${MAX_POLICY_BYTES} bytes`);
  }
  return policy;
}

/** What one request (or one half of a copy) asks for. */
export interface PolicyRequest {
  operation: OperationName;
  /** Defaults to RAM_ACTIONS[operation]. */
  action?: string;
  /** Absent for ListBuckets. */
  bucket?: string;
  /** The object key, for object-level requests. */
  key?: string;
  /** For listings (and DeleteMultipleObjects, with ''): the key prefix the request is confined to. */
  listPrefix?: string;
}

/**
 * Whether a key-pattern resource covers every key a listing confined to `prefix` can return: the
 * pattern must be `<literal>*` and the prefix must start with that literal.
 */
function coversPrefix(pattern: string, prefix: string): boolean {
  const first = pattern.search(/[*?]/);
  if (first < 0 || first !== pattern.length - 1) return false;
  return prefix.startsWith(pattern.slice(0, first));
}

function resourceMatches(r: PolicyResource, q: PolicyRequest): boolean {
  if (q.bucket === undefined) return r.bucket === '*' && r.key === undefined;
  if (!globMatch(r.bucket, q.bucket)) return false;
  if (q.key !== undefined && q.key !== '') return r.key !== undefined && globMatch(r.key, q.key);
  if (r.key === undefined) return true;
  return q.listPrefix !== undefined && coversPrefix(r.key, q.listPrefix);
}

function statementMatches(s: PolicyStatement, q: PolicyRequest): boolean {
  const action = q.action ?? RAM_ACTIONS[q.operation];
  const actionOk = s.actions.some((a) => globMatch(a, action, true) || globMatch(a, q.operation, true));
  return actionOk && s.resources.some((r) => resourceMatches(r, q));
}

export function policyAllows(policy: StsPolicy, q: PolicyRequest): boolean {
  if (policy.statements.some((s) => s.effect === 'Deny' && statementMatches(s, q))) return false;
  return policy.statements.some((s) => s.effect === 'Allow' && statementMatches(s, q));
}
