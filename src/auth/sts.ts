import { randomBytes, randomInt } from 'node:crypto';
import { parseCopySource } from '../api/object/copy-source.js';
import { OssError } from '../errors/oss-error.js';
import type { RequestContext } from '../http/context.js';
import type { AccessKey, MetadataStore } from '../storage/types.js';
import type { Principal } from './authenticate.js';
import { VERSION_ACTIONS } from './policy/actions.js';
import type { RequestFacts } from './policy/conditions.js';
import { compilePolicy, PolicyError, type PolicyRequest, policyAllows, type StsPolicy } from './sts-policy.js';

/**
 * STS-style temporary credentials (docs/sts.md). A temporary key is an ordinary access key of the
 * issuer's account with a security token and an expiry; `authenticate` checks both. Its policy travels
 * inside the stored token (`CAIS` + base64url JSON), so no schema change is needed and tampering with it
 * is impossible: a request's token must equal the stored one byte for byte.
 */
export const STS_KEY_PREFIX = 'STS.';
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43200;
export const DEFAULT_DURATION_SECONDS = 3600;
/** Expired keys stay this long (answering SecurityTokenExpired) before they are purged. */
export const PURGE_GRACE_MS = 24 * 3600 * 1000;
const PURGE_EVERY_MS = 60_000;
const TOKEN_PREFIX = 'CAIS';

/** The `Credentials` object of Alibaba STS AssumeRole. */
export interface StsCredentials {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  /** ISO 8601, e.g. 2026-11-27T18:14:27Z. */
  Expiration: string;
}

export interface IssueRequest {
  /** 900–43200, default 3600. */
  durationSeconds?: number;
  /** Simple form or RAM document (object or JSON text); see sts-policy.ts. */
  policy?: unknown;
}

/** A request to issue that cannot be honoured (bad duration, bad policy, unknown account). */
export class StsRequestError extends Error {}

interface TokenEnvelope {
  v: 1;
  /** Random nonce: the token's unguessable part. */
  n: string;
  a: string;
  e: number;
  p: StsPolicy | null;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function alnum(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseDuration(v: unknown): number {
  if (v === undefined || v === null || v === '') return DEFAULT_DURATION_SECONDS;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_DURATION_SECONDS || n > MAX_DURATION_SECONDS) {
    throw new StsRequestError(
      `durationSeconds must be an integer from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS} (got ${String(v)})`,
    );
  }
  return n;
}

const lastPurge = new WeakMap<MetadataStore, number>();

/** Deletes temporary keys that expired more than `graceMs` ago; returns how many. */
export async function purgeExpiredKeys(
  meta: MetadataStore,
  now = Date.now(),
  graceMs = PURGE_GRACE_MS,
): Promise<number> {
  let n = 0;
  for (const k of await meta.listAccessKeys()) {
    if (k.securityToken !== undefined && k.expiresAt !== undefined && k.expiresAt + graceMs < now) {
      if (await meta.deleteAccessKey(k.id)) n++;
    }
  }
  return n;
}

/** Lazy purge: at most once a minute per store, piggy-backed on issuing. */
async function maybePurge(meta: MetadataStore, now: number): Promise<void> {
  if ((lastPurge.get(meta) ?? 0) + PURGE_EVERY_MS > now) return;
  lastPurge.set(meta, now);
  await purgeExpiredKeys(meta, now);
}

/**
 * Issues temporary credentials for `accountId` (the issuer's account, never another). `now` is the
 * issue time (tests pass a past time to get a credential that expires in a moment).
 */
export async function issueCredentials(
  meta: MetadataStore,
  accountId: string,
  req: IssueRequest,
  now = Date.now(),
): Promise<StsCredentials> {
  const duration = parseDuration(req.durationSeconds);
  let policy: StsPolicy | undefined;
  try {
    policy = compilePolicy(req.policy, accountId);
  } catch (err) {
    if (err instanceof PolicyError) throw new StsRequestError(`invalid policy: ${err.message}`);
    throw err;
  }
  if (!(await meta.getAccount(accountId))) throw new StsRequestError(`no such account ${accountId}`);
  await maybePurge(meta, Date.now());
  const expiresAt = now + duration * 1000;
  const envelope: TokenEnvelope = {
    v: 1,
    n: randomBytes(32).toString('base64url'),
    a: accountId,
    e: expiresAt,
    p: policy ?? null,
  };
  const key: AccessKey = {
    id: `${STS_KEY_PREFIX}${alnum(24)}`,
    secret: alnum(40),
    accountId,
    createdAt: now,
    securityToken: TOKEN_PREFIX + Buffer.from(JSON.stringify(envelope)).toString('base64url'),
    expiresAt,
  };
  await meta.putAccessKey(key);
  return {
    AccessKeyId: key.id,
    AccessKeySecret: key.secret,
    SecurityToken: key.securityToken!,
    Expiration: isoSeconds(expiresAt),
  };
}

const DENY_ALL: StsPolicy = { statements: [] };
const policyCache = new Map<string, StsPolicy | null>();

/**
 * The policy carried by a stored token: null = unrestricted (a token ossd did not mint, e.g. written by
 * other tooling), DENY_ALL for an ossd token that does not decode (fail closed).
 */
export function policyOfToken(token: string): StsPolicy | null {
  const cached = policyCache.get(token);
  if (cached !== undefined) return cached;
  let policy: StsPolicy | null = null;
  if (token.startsWith(TOKEN_PREFIX)) {
    try {
      const env = JSON.parse(
        Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'),
      ) as TokenEnvelope;
      policy = env.v === 1 && (env.p === null || Array.isArray(env.p?.statements)) ? env.p : DENY_ALL;
    } catch {
      policy = DENY_ALL;
    }
  }
  if (policyCache.size > 1000) policyCache.clear();
  policyCache.set(token, policy);
  return policy;
}

function denied(): OssError {
  return new OssError('AccessDenied', {
    message: 'The request is denied by the policy of the security token.',
    ec: '0003-00000301',
  });
}

/**
 * Throws AccessDenied unless the principal's STS policy (if any) allows every part of `requests`;
 * `facts` feed the policy's Condition blocks.
 */
export function assertStsAllows(principal: Principal | null, requests: PolicyRequest[], facts?: RequestFacts): void {
  const token = principal?.temporary?.securityToken;
  if (token === undefined) return;
  const policy = policyOfToken(token);
  if (policy && !requests.every((r) => policyAllows(policy, r, facts))) throw denied();
}

const TAGGING_ON_WRITE = new Set(['PutObject', 'InitiateMultipartUpload', 'PutSymlink', 'CopyObject', 'AppendObject']);

/** What a request asks of the policy: its own action, plus reading a copy source or writing tags. */
export function policyRequestsOf(ctx: RequestContext): PolicyRequest[] {
  const op = ctx.operation;
  if (ctx.bucket === undefined) return [{ operation: op }];
  const base: PolicyRequest = { operation: op, bucket: ctx.bucket };
  if (ctx.key !== '') {
    const out: PolicyRequest[] = [{ ...base, key: ctx.key }];
    const versionAction = VERSION_ACTIONS[op];
    if (versionAction && ctx.params.has('versionId')) out.push({ ...base, key: ctx.key, action: versionAction });
    if (op === 'CopyObject' || op === 'UploadPartCopy') {
      const src = parseCopySource(ctx.headers['x-oss-copy-source']);
      out.push({ operation: 'GetObject', bucket: src.bucket, key: src.key });
      if (src.versionId !== undefined) {
        out.push({ operation: 'GetObject', bucket: src.bucket, key: src.key, action: 'GetObjectVersion' });
      }
    }
    if (TAGGING_ON_WRITE.has(op) && ctx.headers['x-oss-tagging']) {
      out.push({ operation: 'PutObjectTagging', bucket: ctx.bucket, key: ctx.key });
    }
    return out;
  }
  if (op === 'ListObjects' || op === 'ListObjectsV2' || op === 'ListMultipartUploads') {
    return [{ ...base, listPrefix: ctx.params.get('prefix') ?? '' }];
  }
  // DeleteMultipleObjects names its keys in the body: only a grant over the whole bucket covers it.
  if (op === 'DeleteMultipleObjects') return [{ ...base, listPrefix: '' }];
  return [base];
}
