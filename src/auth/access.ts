import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AccessLevel, OperationName } from '../http/operations.js';
import type { BucketRecord, MetadataStore, ObjectAcl } from '../storage/types.js';
import { authorize } from './acl.js';
import type { Principal } from './authenticate.js';
import { bucketPolicyDecision, bucketPolicyDenied, storedBucketPolicy } from './bucket-policy.js';
import type { RequestFacts } from './policy/conditions.js';
import type { CompiledPolicy, Decision, PolicyRequest } from './policy/document.js';
import { type RefererConfig, refererAllowed, refererConfigOf, refererDenied } from './referer.js';
import { assertRequesterPays } from './request-payment.js';
import { assertStsAllows } from './sts.js';

/**
 * Access control of one request, in the order docs/access-control.md describes: hotlink protection
 * (Referer), the bucket policy's explicit Deny, ownership / ACLs (which a bucket policy Allow can widen),
 * then the policy of an STS token. The pipeline runs it for the request itself; `authorizeObjectRead`
 * runs it for every other object a request reads (symlink targets, copy sources, watermarks, styled keys).
 */

/** Bucket configuration names (MetadataStore.getBucketConfig) of the bucket policy and Referer settings. */
export const POLICY_CONFIG = 'access.policy';
export const REFERER_CONFIG = 'access.referer';
/** `Requester` when pay-by-requester is on (PutBucketRequestPayment); absent otherwise. */
export const REQUEST_PAYMENT_CONFIG = 'access.request-payment';
const ACCESS_PREFIX = 'access.';

export interface BucketAccess {
  /** The compiled bucket policy; null when the stored text no longer compiles (fails closed). */
  policy?: CompiledPolicy | null;
  referer?: RefererConfig;
  /** Pay-by-requester: anonymous requests refused, other accounts must send x-oss-request-payer. */
  requesterPays?: boolean;
}

/** Both access settings of a bucket in one store query. */
export async function loadBucketAccess(meta: MetadataStore, bucket: BucketRecord): Promise<BucketAccess> {
  const out: BucketAccess = {};
  for (const r of await meta.listBucketConfig(bucket.name, ACCESS_PREFIX)) {
    if (r.name === POLICY_CONFIG) out.policy = storedBucketPolicy(r.value, bucket.owner);
    else if (r.name === REFERER_CONFIG) out.referer = refererConfigOf(r.value);
    else if (r.name === REQUEST_PAYMENT_CONFIG) out.requesterPays = r.value === 'Requester';
  }
  return out;
}

/** Who asks, with what request facts, and the access settings of the buckets it touches (loaded once each). */
export interface Requester {
  readonly principal: Principal | null;
  readonly facts: RequestFacts;
  /** `x-oss-request-payer` (header, or query parameter of a signed URL). */
  readonly requestPayer?: string;
  access(bucket: BucketRecord): Promise<BucketAccess>;
}

export interface RequestShape {
  req: IncomingMessage;
  headers: Record<string, string | undefined>;
  params: Map<string, string>;
  clientIp: string;
  operation: OperationName;
}

const LISTINGS = new Set<OperationName>(['ListObjects', 'ListObjectsV2', 'ListMultipartUploads']);

/** A requester for a request; `principal` is read through the getter (PostObject learns it from its form). */
export function newRequester(meta: MetadataStore, shape: RequestShape, principal: () => Principal | null): Requester {
  const base: RequestFacts = {
    sourceIp: shape.clientIp,
    referer: shape.headers.referer,
    userAgent: shape.headers['user-agent'],
    secureTransport: (shape.req.socket as TLSSocket).encrypted === true,
    now: Date.now(),
  };
  if (LISTINGS.has(shape.operation)) {
    base.prefix = shape.params.get('prefix') ?? '';
    base.delimiter = shape.params.get('delimiter') || undefined;
  }
  const loaded = new Map<string, Promise<BucketAccess>>();
  return {
    get principal() {
      return principal();
    },
    get facts() {
      return { ...base, accessKeyId: principal()?.accessKeyId };
    },
    requestPayer: shape.headers['x-oss-request-payer'] ?? shape.params.get('x-oss-request-payer'),
    access(bucket) {
      let p = loaded.get(bucket.name);
      if (!p) {
        p = loadBucketAccess(meta, bucket);
        loaded.set(bucket.name, p);
      }
      return p;
    },
  };
}

/** The bucket policy operations: only the bucket owner may call them, and no policy can deny the owner them. */
const POLICY_OPERATIONS = new Set<OperationName>([
  'PutBucketPolicy',
  'GetBucketPolicy',
  'DeleteBucketPolicy',
  'GetBucketPolicyStatus',
]);

export interface AccessCheck {
  level: AccessLevel;
  operation: OperationName;
  bucket: BucketRecord | undefined;
  /** The object's own ACL, when the request is about an existing object. */
  objectAcl?: ObjectAcl;
  /** What the request asks of policies (the request itself, a copy source, tagging on write). */
  requests: PolicyRequest[];
}

/** Bucket policy Deny → ACL / ownership (a policy Allow widens it) → STS policy. Throws AccessDenied. */
export async function checkAccess(r: Requester, a: AccessCheck): Promise<void> {
  const principal = r.principal;
  let decision: Decision = 'None';
  const bucket = a.bucket;
  const bucketScoped = a.level !== 'service' && a.level !== 'create-bucket' && a.level !== 'anonymous';
  if (bucket && bucketScoped && a.level !== 'post') {
    const { policy } = await r.access(bucket);
    const ownerOfPolicyOp = POLICY_OPERATIONS.has(a.operation) && principal?.accountId === bucket.owner;
    if (policy !== undefined && !ownerOfPolicyOp) {
      const own = a.requests.filter((q) => q.bucket === bucket.name);
      decision = bucketPolicyDecision(policy, principal, bucket.owner, own, r.facts);
    }
  }
  if (decision === 'Deny') throw bucketPolicyDenied();
  if (bucket && bucketScoped && principal?.accountId !== bucket.owner && (await r.access(bucket)).requesterPays) {
    assertRequesterPays({
      anonymous: principal === null,
      presigned: principal?.presigned === true,
      requestPayer: r.requestPayer,
    });
  }
  try {
    authorize(a.level, principal, bucket, a.objectAcl);
  } catch (err) {
    if (decision !== 'Allow' || POLICY_OPERATIONS.has(a.operation)) throw err;
  }
  if (a.operation !== 'Options') assertStsAllows(principal, a.requests, r.facts);
}

/**
 * Hotlink protection: OSS checks the Referer of anonymous and presigned-URL requests for objects, never of
 * requests signed in the Authorization header. Throws AccessDenied "You are denied by bucket referer policy.".
 */
export async function enforceReferer(r: Requester, bucket: BucketRecord): Promise<void> {
  if (r.principal && !r.principal.presigned) return;
  const { referer } = await r.access(bucket);
  if (referer && !refererAllowed(referer, r.facts.referer)) throw refererDenied();
}
