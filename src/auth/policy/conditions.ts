import { BlockList, isIP } from 'node:net';
import { PolicyError } from './errors.js';
import { globMatch } from './glob.js';

/**
 * The Condition block of a RAM / bucket policy statement: `{ "<Operator>": { "<key>": value | [values] } }`.
 * Every (operator, key) pair must hold (AND); within one pair any listed value may match (OR), and a
 * negated operator (StringNotEquals, NotIpAddress, …) holds when none matches. A key the request does not
 * carry makes a positive operator false and a negated one true (as in AWS IAM).
 */
export interface PolicyCondition {
  /** The operator as spelled in OPERATORS. */
  op: string;
  /** The condition key, lower-cased (keys are case-insensitive). */
  key: string;
  values: string[];
}

/** What a request offers to conditions. */
export interface RequestFacts {
  /** The client's address (acs:SourceIp). */
  sourceIp: string;
  /** The Referer header, when sent (acs:Referer). */
  referer?: string;
  /** The User-Agent header, when sent (acs:UserAgent). */
  userAgent?: string;
  /** Whether the request arrived over TLS (acs:SecureTransport). */
  secureTransport: boolean;
  /** Epoch ms (acs:CurrentTime). */
  now: number;
  /** The access key id of a signed request (acs:AccessId). */
  accessKeyId?: string;
  /** ListObjects / ListObjectsV2 / ListMultipartUploads only: the prefix ('' when absent) and delimiter. */
  prefix?: string;
  delimiter?: string;
}

type Kind = 'string' | 'numeric' | 'date' | 'bool' | 'ip';

interface Operator {
  kind: Kind;
  negated: boolean;
  test: (request: string, value: string) => boolean;
}

const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));
const cmp = (kind: 'numeric' | 'date', f: (a: number, b: number) => boolean) => (r: string, v: string) => {
  const a = kind === 'numeric' ? num(r) : Date.parse(r);
  const b = kind === 'numeric' ? num(v) : Date.parse(v);
  return !Number.isNaN(a) && !Number.isNaN(b) && f(a, b);
};

const eq = (r: string, v: string) => r === v;
const eqi = (r: string, v: string) => r.toLowerCase() === v.toLowerCase();
const like = (r: string, v: string) => globMatch(v, r);
const ipIn = (r: string, v: string) => ipBlock(v).check(r, isIP(r) === 6 ? 'ipv6' : 'ipv4');

/** The operators ossd evaluates; any other is refused when the policy is stored. */
const OPERATORS: Record<string, Operator> = {
  StringEquals: { kind: 'string', negated: false, test: eq },
  StringNotEquals: { kind: 'string', negated: true, test: eq },
  StringEqualsIgnoreCase: { kind: 'string', negated: false, test: eqi },
  StringNotEqualsIgnoreCase: { kind: 'string', negated: true, test: eqi },
  StringLike: { kind: 'string', negated: false, test: like },
  StringNotLike: { kind: 'string', negated: true, test: like },
  NumericEquals: { kind: 'numeric', negated: false, test: cmp('numeric', (a, b) => a === b) },
  NumericNotEquals: { kind: 'numeric', negated: true, test: cmp('numeric', (a, b) => a === b) },
  NumericLessThan: { kind: 'numeric', negated: false, test: cmp('numeric', (a, b) => a < b) },
  NumericLessThanEquals: { kind: 'numeric', negated: false, test: cmp('numeric', (a, b) => a <= b) },
  NumericGreaterThan: { kind: 'numeric', negated: false, test: cmp('numeric', (a, b) => a > b) },
  NumericGreaterThanEquals: { kind: 'numeric', negated: false, test: cmp('numeric', (a, b) => a >= b) },
  DateEquals: { kind: 'date', negated: false, test: cmp('date', (a, b) => a === b) },
  DateNotEquals: { kind: 'date', negated: true, test: cmp('date', (a, b) => a === b) },
  DateLessThan: { kind: 'date', negated: false, test: cmp('date', (a, b) => a < b) },
  DateLessThanEquals: { kind: 'date', negated: false, test: cmp('date', (a, b) => a <= b) },
  DateGreaterThan: { kind: 'date', negated: false, test: cmp('date', (a, b) => a > b) },
  DateGreaterThanEquals: { kind: 'date', negated: false, test: cmp('date', (a, b) => a >= b) },
  Bool: { kind: 'bool', negated: false, test: eqi },
  IpAddress: { kind: 'ip', negated: false, test: ipIn },
  NotIpAddress: { kind: 'ip', negated: true, test: ipIn },
};

/** The condition keys ossd knows (lower-case) and how each is read from a request. */
const KEYS: Record<string, (f: RequestFacts) => string | undefined> = {
  'acs:sourceip': (f) => f.sourceIp || undefined,
  // ossd has no VPCs: a request never comes from one, so the key is always absent.
  'acs:sourcevpc': () => undefined,
  'acs:referer': (f) => f.referer,
  'acs:useragent': (f) => f.userAgent,
  'acs:securetransport': (f) => String(f.secureTransport),
  'acs:currenttime': (f) => new Date(f.now).toISOString(),
  'acs:accessid': (f) => f.accessKeyId,
  'oss:prefix': (f) => f.prefix,
  'oss:delimiter': (f) => f.delimiter,
};

export const CONDITION_KEYS = [
  'acs:SourceIp',
  'acs:SourceVpc',
  'acs:Referer',
  'acs:UserAgent',
  'acs:SecureTransport',
  'acs:CurrentTime',
  'acs:AccessId',
  'oss:Prefix',
  'oss:Delimiter',
];

const blockCache = new Map<string, BlockList>();

/** `10.0.0.0/8`, `192.168.1.7`, `2001:db8::/32` → a BlockList; throws PolicyError when malformed. */
function ipBlock(value: string): BlockList {
  let list = blockCache.get(value);
  if (list) return list;
  const [addr, bits, extra] = value.trim().split('/');
  const family = isIP(addr);
  const max = family === 6 ? 128 : 32;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : -1;
  if (!family || extra !== undefined || prefix < 0 || prefix > max) {
    throw new PolicyError(`${value} is not an IP address or CIDR block`);
  }
  list = new BlockList();
  list.addSubnet(addr, prefix, family === 6 ? 'ipv6' : 'ipv4');
  if (blockCache.size > 1000) blockCache.clear();
  blockCache.set(value, list);
  return list;
}

function scalar(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new PolicyError(`${where} must be a string, number or boolean`);
}

function checkValue(kind: Kind, v: string, where: string): void {
  if (kind === 'ip') ipBlock(v);
  else if (kind === 'numeric' && Number.isNaN(num(v))) throw new PolicyError(`${where}: ${v} is not a number`);
  else if (kind === 'date' && Number.isNaN(Date.parse(v))) throw new PolicyError(`${where}: ${v} is not a date`);
  else if (kind === 'bool' && v !== 'true' && v !== 'false')
    throw new PolicyError(`${where}: ${v} is not true or false`);
}

/** Compiles a statement's Condition object; throws PolicyError for unknown operators, keys or bad values. */
export function compileConditions(raw: unknown, where: string): PolicyCondition[] {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PolicyError(`${where} must be an object`);
  const out: PolicyCondition[] = [];
  for (const [op, block] of Object.entries(raw as Record<string, unknown>)) {
    const spec = OPERATORS[op];
    if (!spec) throw new PolicyError(`${where}: condition operator ${op} is not supported`);
    if (!block || typeof block !== 'object' || Array.isArray(block)) {
      throw new PolicyError(`${where}.${op} must be an object of condition keys`);
    }
    for (const [rawKey, rawValues] of Object.entries(block as Record<string, unknown>)) {
      const key = rawKey.toLowerCase();
      if (!(key in KEYS)) {
        throw new PolicyError(
          `${where}: condition key ${rawKey} is not supported (supported: ${CONDITION_KEYS.join(', ')})`,
        );
      }
      const list = Array.isArray(rawValues) ? rawValues : [rawValues];
      if (list.length === 0) throw new PolicyError(`${where}.${op}.${rawKey} needs at least one value`);
      const values = list.map((v) => scalar(v, `${where}.${op}.${rawKey}`));
      for (const v of values) checkValue(spec.kind, v, `${where}.${op}.${rawKey}`);
      out.push({ op, key, values });
    }
  }
  return out;
}

/** Whether every condition holds for the request. Unknown operators or keys (a corrupt policy) fail closed. */
export function conditionsHold(conditions: PolicyCondition[] | undefined, facts: RequestFacts): boolean {
  if (!conditions) return true;
  for (const c of conditions) {
    const spec = OPERATORS[c.op];
    const read = KEYS[c.key];
    if (!spec || !read) return false;
    const value = read(facts);
    if (value === undefined) {
      if (!spec.negated) return false;
      continue;
    }
    let any = false;
    try {
      any = c.values.some((v) => spec.test(value, v));
    } catch {
      return false;
    }
    if (any === spec.negated) return false;
  }
  return true;
}
