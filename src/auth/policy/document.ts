import type { OperationName } from '../../http/operations.js';
import { normalizeAction, RAM_ACTIONS } from './actions.js';
import { compileConditions, conditionsHold, type PolicyCondition, type RequestFacts } from './conditions.js';
import { PolicyError } from './errors.js';
import { globMatch } from './glob.js';

/**
 * One evaluator for every policy document ossd enforces: the policy of an STS token (docs/sts.md) and a
 * bucket policy (docs/access-control.md). Both are Alibaba RAM documents,
 * `{ "Version": "1", "Statement": [{ "Effect", "Action", "Resource", "Condition"?, "Principal"? }] }`,
 * compiled once into the JSON-serialisable shape below (an STS token carries it).
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
  /**
   * Bucket policies only: account ids (or `*`) the statement applies to; empty = nobody (an Allow
   * statement stored without Principal).
   */
  principals?: string[];
  conditions?: PolicyCondition[];
}

export interface CompiledPolicy {
  statements: PolicyStatement[];
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

export interface CompileOptions {
  /** The account the document belongs to: resources naming another account are dropped (never match). */
  accountId: string;
  /**
   * Bucket policies: Principal applies (RAM / STS documents must not have one), and the document is read
   * as leniently as OSS reads what its own SDKs' samples and tests send: a string holding a JSON array
   * (`"Resource": "[\"acs:oss:…\"]"`) is that array, and a statement without Principal is accepted — a
   * Deny then applies as if Principal were `*`, an Allow grants nobody anything (the safe reading both ways).
   */
  principals: boolean;
  /** Action names must be ones ossd serves (STS) or may be any oss: action (bucket policy). */
  strictActions: boolean;
}

export function stringList(v: unknown, field: string, allowEmpty = false, lenient = false): string[] {
  let list = typeof v === 'string' ? [v] : v;
  if (lenient && Array.isArray(v)) list = v.map((x) => (typeof x === 'number' ? String(x) : x));
  if (lenient && typeof v === 'string' && v.trimStart().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(v);
      list = Array.isArray(parsed) ? parsed.map((x) => (typeof x === 'number' ? String(x) : x)) : v;
    } catch {
      // not an array after all: the string itself
    }
  }
  if (
    !Array.isArray(list) ||
    (list.length === 0 && !allowEmpty) ||
    !list.every((x) => typeof x === 'string' && x !== '')
  ) {
    throw new PolicyError(`${field} must be a non-empty string or array of non-empty strings`);
  }
  return list as string[];
}

export function checkBucketPattern(b: string): string {
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

const STATEMENT_FIELDS = ['Effect', 'Action', 'Resource', 'Condition', 'Principal', 'Sid'];

/** Compiles a RAM document (`Version` "1", `Statement`); throws PolicyError saying what is wrong. */
export function compileDocument(doc: Record<string, unknown>, o: CompileOptions): CompiledPolicy {
  for (const k of Object.keys(doc)) {
    if (k !== 'Version' && k !== 'Statement') throw new PolicyError(`policy field ${k} is not supported`);
  }
  // A bucket policy's Version must be the string "1" (OSS refuses the number); an STS policy may omit it.
  if (o.principals ? doc.Version !== '1' : doc.Version !== undefined && String(doc.Version) !== '1') {
    throw new PolicyError('Version must be "1"');
  }
  const raw = doc.Statement;
  if (!Array.isArray(raw) || raw.length === 0) throw new PolicyError('Statement must be a non-empty array');
  const statements = raw.map((s: unknown, i): PolicyStatement => {
    const where = `Statement[${i}]`;
    if (!s || typeof s !== 'object' || Array.isArray(s)) throw new PolicyError(`${where} must be an object`);
    const st = s as Record<string, unknown>;
    for (const k of Object.keys(st)) {
      if (!STATEMENT_FIELDS.includes(k) || (k === 'Principal' && !o.principals)) {
        throw new PolicyError(`${where}.${k} is not supported`);
      }
    }
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny') throw new PolicyError(`${where}.Effect must be Allow or Deny`);
    const out: PolicyStatement = {
      effect: st.Effect,
      actions: stringList(st.Action, `${where}.Action`, false, o.principals).map((a) =>
        normalizeAction(a, o.strictActions),
      ),
      resources: stringList(st.Resource, `${where}.Resource`, false, o.principals)
        .map((r) => parseResource(r, o.accountId))
        .filter((r): r is PolicyResource => r !== undefined),
    };
    if (o.principals) {
      if (st.Principal === undefined) out.principals = st.Effect === 'Deny' ? ['*'] : [];
      else {
        const list = stringList(st.Principal, `${where}.Principal`, true, true);
        // An empty list means everyone, as ["*"].
        out.principals = list.length === 0 ? ['*'] : list;
      }
    }
    if (st.Condition !== undefined) {
      const conditions = compileConditions(st.Condition, `${where}.Condition`);
      if (conditions.length) out.conditions = conditions;
    }
    return out;
  });
  return { statements };
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

/** Whether a statement's Action, Resource and Condition match (Principal is the caller's business). */
export function statementMatches(s: PolicyStatement, q: PolicyRequest, facts?: RequestFacts): boolean {
  const action = q.action ?? RAM_ACTIONS[q.operation];
  // A request with its own action (a version action) is matched by that action only, not its operation's.
  const actionOk = s.actions.some(
    (a) => globMatch(a, action, true) || (q.action === undefined && globMatch(a, q.operation, true)),
  );
  if (!actionOk || !s.resources.some((r) => resourceMatches(r, q))) return false;
  if (!s.conditions) return true;
  // Without request facts (never in ossd's own paths) a conditional statement cannot be shown to apply.
  return facts !== undefined && conditionsHold(s.conditions, facts);
}

export type Decision = 'Allow' | 'Deny' | 'None';

/**
 * RAM evaluation of one request against the statements that apply to the caller (`applies`, default all):
 * an explicit Deny wins, otherwise a matching Allow, otherwise None (no statement speaks).
 */
export function evaluatePolicy(
  policy: CompiledPolicy,
  q: PolicyRequest,
  facts?: RequestFacts,
  applies: (s: PolicyStatement) => boolean = () => true,
): Decision {
  let allowed = false;
  for (const s of policy.statements) {
    if (!applies(s) || !statementMatches(s, q, facts)) continue;
    if (s.effect === 'Deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'None';
}
