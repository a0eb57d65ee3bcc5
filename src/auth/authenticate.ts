import { timingSafeEqual } from 'node:crypto';
import { OssError } from '../errors/oss-error.js';
import type { Target } from '../http/router.js';
import { ossXmlDate } from '../http/xml.js';
import type { AccessKey } from '../storage/types.js';
import { canonicalResourceV1, type HeaderBag, signV1, stringToSignV1 } from './signature-v1.js';
import {
  canonicalRequestV4,
  EMPTY_VALUE_STYLES,
  type EmptyValueStyle,
  parseAuthorizationV4,
  parseCredentialV4,
  parseV4Date,
  signingKeyV4,
  signV4,
  stringToSignV4,
} from './signature-v4.js';

export interface Principal {
  accountId: string;
  accessKeyId: string;
  /** Present for STS-style temporary credentials. */
  temporary?: AccessKey;
  /** Signed in the URL (a presigned URL), not the Authorization header: hotlink protection applies. */
  presigned?: boolean;
}

export interface AuthInput {
  method: string;
  headers: HeaderBag;
  query: [string, string][];
  targets: Target[];
}

export interface AuthOptions {
  lookupKey: (id: string) => Promise<AccessKey | undefined>;
  now: number;
  maxSkewMs: number;
}

export interface AuthResult {
  principal: Principal | null;
  target: Target;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function toHex(s: string): string {
  return Array.from(Buffer.from(s, 'utf8'), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function mismatch(stringToSign: string, provided: string, accessKeyId: string): OssError {
  return new OssError('SignatureDoesNotMatch', {
    ec: '0002-00000040',
    extra: {
      StringToSign: stringToSign,
      StringToSignBytes: toHex(stringToSign),
      SignatureProvided: provided,
      OSSAccessKeyId: accessKeyId,
    },
  });
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

function checkSkew(requestMs: number, raw: string, o: AuthOptions): void {
  if (Math.abs(o.now - requestMs) > o.maxSkewMs) {
    throw new OssError('RequestTimeTooSkewed', {
      ec: '0002-00000504',
      extra: {
        RequestTime: raw,
        ServerTime: ossXmlDate(o.now),
        MaxAllowedSkewMilliseconds: String(o.maxSkewMs),
      },
    });
  }
}

async function resolveKey(
  id: string,
  headers: HeaderBag,
  query: [string, string][],
  o: AuthOptions,
): Promise<AccessKey> {
  const key = await o.lookupKey(id);
  if (!key) throw new OssError('InvalidAccessKeyId', { ec: '0002-00000902', extra: { OSSAccessKeyId: id } });
  if (key.securityToken !== undefined) {
    const token =
      headers['x-oss-security-token'] ??
      query.find(([k]) => k === 'security-token' || k === 'x-oss-security-token')?.[1];
    if (!token || !safeEqual(token, key.securityToken)) {
      throw new OssError('InvalidSecurityToken', { ec: '0002-00000006' });
    }
    if (key.expiresAt !== undefined && key.expiresAt < o.now) {
      throw new OssError('SecurityTokenExpired', { ec: '0002-00000007' });
    }
  }
  return key;
}

function principalOf(key: AccessKey, presigned = false): Principal {
  return {
    accountId: key.accountId,
    accessKeyId: key.id,
    temporary: key.securityToken !== undefined ? key : undefined,
    ...(presigned ? { presigned } : {}),
  };
}

/**
 * The wire cannot tell a bare empty parameter from `k=`: ali-oss header signing renders an empty
 * sub-resource bare and an empty plain parameter as `k=`, while signatureUrlV4 renders its caller's
 * `queries` as given ('' → `k=`, null → bare). Try each rendering only when an empty value exists.
 */
function emptyStyles(query: [string, string][]): readonly EmptyValueStyle[] {
  return query.some(([, v]) => v === '') ? EMPTY_VALUE_STYLES : ['rule'];
}

/** The longest validity of a V4 presigned URL OSS accepts (7 days). */
export const MAX_V4_EXPIRES_SECONDS = 604_800;

function expired(): OssError {
  return new OssError('AccessDenied', { message: 'Request has expired.', ec: '0002-00000069' });
}

/**
 * Verifies the request's signature (V1/V4, header or query) and picks the (bucket, key) reading
 * that verifies. Anonymous requests get principal null and the first reading.
 */
export async function authenticate(input: AuthInput, o: AuthOptions): Promise<AuthResult> {
  const { method, headers, query, targets } = input;
  const q = new Map(query);
  const authz = headers.authorization;

  if (authz?.startsWith('OSS ')) {
    const m = /^OSS ([^:]+):(.+)$/.exec(authz.trim());
    if (!m) throw new OssError('InvalidArgument', { message: 'Authorization header is invalid.' });
    const [, id, provided] = m;
    const dateSlot = headers.date ?? headers['x-oss-date'] ?? '';
    const requestMs = Date.parse(dateSlot);
    if (Number.isNaN(requestMs))
      throw new OssError('AccessDenied', { message: 'Invalid date or missing Date header.' });
    const key = await resolveKey(id, headers, query, o);
    checkSkew(requestMs, dateSlot, o);
    let first = '';
    for (const t of targets) {
      const sts = stringToSignV1(method, headers, dateSlot, canonicalResourceV1(t.bucket, t.key, query));
      first ||= sts;
      if (safeEqual(signV1(key.secret, sts), provided)) return { principal: principalOf(key), target: t };
    }
    throw mismatch(first, provided, id);
  }

  if (authz?.startsWith('OSS4-HMAC-SHA256')) {
    const parsed = parseAuthorizationV4(authz);
    const cred = parsed && parseCredentialV4(parsed.credential);
    if (!parsed || !cred) throw new OssError('InvalidArgument', { message: 'Authorization header is invalid.' });
    const dateTime = headers['x-oss-date'] ?? '';
    const requestMs = parseV4Date(dateTime);
    if (requestMs === undefined) throw new OssError('AccessDenied', { message: 'Invalid x-oss-date header.' });
    const key = await resolveKey(cred.accessKeyId, headers, query, o);
    checkSkew(requestMs, dateTime, o);
    const signingKey = signingKeyV4(key.secret, cred.day, cred.region, cred.product);
    const hash = headers['x-oss-content-sha256'] ?? 'UNSIGNED-PAYLOAD';
    let first = '';
    for (const t of targets) {
      for (const empty of emptyStyles(query)) {
        const cr = canonicalRequestV4(method, t.bucket, t.key, query, headers, parsed.additionalHeaders, hash, empty);
        const sts = stringToSignV4(dateTime, cred.scope, cr);
        first ||= sts;
        if (safeEqual(signV4(signingKey, sts), parsed.signature)) return { principal: principalOf(key), target: t };
      }
    }
    throw mismatch(first, parsed.signature, cred.accessKeyId);
  }

  if (q.has('OSSAccessKeyId') && q.has('Signature')) {
    const id = q.get('OSSAccessKeyId')!;
    const provided = q.get('Signature')!;
    const expires = q.get('Expires') ?? '';
    if (!/^\d+$/.test(expires)) throw new OssError('AccessDenied', { message: 'Invalid Expires parameter.' });
    const key = await resolveKey(id, headers, query, o);
    if (Number(expires) * 1000 < o.now) throw expired();
    const rest = query.filter(([k]) => k !== 'OSSAccessKeyId' && k !== 'Signature' && k !== 'Expires');
    let first = '';
    for (const t of targets) {
      const sts = stringToSignV1(method, headers, expires, canonicalResourceV1(t.bucket, t.key, rest));
      first ||= sts;
      if (safeEqual(signV1(key.secret, sts), provided)) return { principal: principalOf(key, true), target: t };
    }
    throw mismatch(first, provided, id);
  }

  if (q.get('x-oss-signature-version') === 'OSS4-HMAC-SHA256') {
    const cred = parseCredentialV4(q.get('x-oss-credential') ?? '');
    const provided = q.get('x-oss-signature') ?? '';
    const dateTime = q.get('x-oss-date') ?? '';
    const start = parseV4Date(dateTime);
    const expiresIn = Number(q.get('x-oss-expires') ?? '3600');
    if (!cred || start === undefined || !Number.isFinite(expiresIn)) {
      throw new OssError('InvalidArgument', { message: 'Invalid V4 presigned URL parameters.' });
    }
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_V4_EXPIRES_SECONDS) {
      throw new OssError('AccessDenied', {
        message: `Invalid x-oss-expires: must be between 1 and ${MAX_V4_EXPIRES_SECONDS} seconds (7 days).`,
        ec: '0002-00000232',
      });
    }
    const key = await resolveKey(cred.accessKeyId, headers, query, o);
    if (start + expiresIn * 1000 < o.now) throw expired();
    if (start - o.now > o.maxSkewMs) checkSkew(start, dateTime, o);
    const additional = (q.get('x-oss-additional-headers') ?? '').split(';').filter(Boolean);
    const rest = query.filter(([k]) => k !== 'x-oss-signature');
    const signingKey = signingKeyV4(key.secret, cred.day, cred.region, cred.product);
    let first = '';
    for (const t of targets) {
      for (const empty of emptyStyles(rest)) {
        const cr = canonicalRequestV4(method, t.bucket, t.key, rest, headers, additional, 'UNSIGNED-PAYLOAD', empty);
        const sts = stringToSignV4(dateTime, cred.scope, cr);
        first ||= sts;
        if (safeEqual(signV4(signingKey, sts), provided)) return { principal: principalOf(key, true), target: t };
      }
    }
    throw mismatch(first, provided, cred.accessKeyId);
  }

  return { principal: null, target: targets[0] };
}

export { httpDate };
