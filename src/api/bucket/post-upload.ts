/**
 * Everything PostObject decides from the form fields before a byte of the file is stored: signature,
 * policy, authorisation, key, callback and the object's attributes.
 */
import { checkAccess } from '../../auth/access.js';
import { checkPostPolicy, type LengthRange, parsePostPolicy, verifyPostSignature } from '../../auth/post-policy.js';
import type { HeaderBag } from '../../auth/signature-v1.js';
import { policyRequestsOf } from '../../auth/sts.js';
import { type CallbackSpec, checkRenderedSize, parseCallbackParams } from '../../callback/parse.js';
import { OssError } from '../../errors/oss-error.js';
import type { RequestContext } from '../../http/context.js';
import { validateObjectKey } from '../../http/validate.js';
import type { Services } from '../../services.js';
import type { BucketRecord, ContentHeaders, ObjectAcl, ObjectRecord } from '../../storage/types.js';
import {
  isTrue,
  MAX_OBJECT_BYTES,
  metaFromHeaders,
  objectAclFrom,
  storageClassFrom,
  tagsFromHeader,
} from '../object/object-headers.js';
import { fileAlreadyExists } from '../object/put-object.js';
import { serverSideEncryptionFrom } from '../object/server-side-encryption.js';
import type { FormHead } from './post-form.js';

export interface PostUpload {
  key: string;
  /** The policy's content-length-range, checked against the real size. */
  range?: LengthRange;
  /** Stop streaming past this many bytes. */
  maxBytes: number;
  callback?: CallbackSpec;
  attributes: ContentHeaders & {
    acl: ObjectAcl;
    storageClass: string;
    meta: Record<string, string>;
    tags: Record<string, string>;
  };
  guard?: (existing: ObjectRecord | undefined) => void;
  redirect?: string;
  /** 200, 201 or 204. */
  successStatus: number;
}

const FILENAME_VAR = '${filename}';

/** Custom callback variables from `x:name` fields (the `x:` prefix normalised, the name's case kept). */
function customVarsFrom(head: FormHead): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [lower, f] of head.fields) if (lower.startsWith('x:')) out[`x:${f.name.slice(2)}`] = f.value;
  return out;
}

function successStatusFrom(v: string | undefined): number {
  const n = v?.trim();
  return n === '200' || n === '201' ? Number(n) : 204;
}

function redirectFrom(v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  try {
    const url = new URL(v);
    if (url.protocol === 'http:' || url.protocol === 'https:') return v;
  } catch {
    // refused below
  }
  throw new OssError('InvalidArgument', {
    message: 'success_action_redirect must be an absolute http(s) URL.',
    extra: { ArgumentName: 'success_action_redirect', ArgumentValue: v },
  });
}

/** Validates the form before storing anything; throws the OSS error the request deserves. */
export async function preparePostUpload(
  ctx: RequestContext,
  s: Services,
  bucket: BucketRecord,
  head: FormHead & { file: { filename: string; mimeType?: string } },
): Promise<PostUpload> {
  const field = (lower: string) => head.fields.get(lower)?.value;
  const rawKey = field('key');
  if (rawKey === undefined || rawKey === '') {
    throw new OssError('InvalidArgument', {
      message:
        "Bucket POST must contain a field named 'key'. If it is specified, please check the order of the fields.",
      extra: { ArgumentName: 'key', ArgumentValue: '' },
    });
  }
  const key = rawKey.split(FILENAME_VAR).join(head.file.filename);

  const now = Date.now();
  const principal = await verifyPostSignature(field, { lookupKey: (id) => s.meta.getAccessKey(id), now });
  ctx.principal = principal;
  let range: LengthRange | undefined;
  const policyB64 = field('policy');
  if (policyB64 !== undefined) {
    const policy = parsePostPolicy(policyB64);
    const candidates = (lower: string) =>
      lower === 'bucket' ? [bucket.name] : lower === 'key' ? [rawKey, key] : [field(lower)];
    range = checkPostPolicy(policy, candidates, now);
  }
  const objectAcl = principal?.accountId === bucket.owner ? undefined : (await s.meta.getObject(bucket.name, key))?.acl;
  validateObjectKey(key);
  ctx.key = key;
  // The bucket policy and ACL, then a temporary (STS) signer's own policy (PostObject counts as PutObject).
  await checkAccess(ctx.requester, {
    level: 'object-write',
    operation: 'PostObject',
    bucket,
    objectAcl,
    requests: policyRequestsOf(ctx),
  });

  const callbackB64 = field('callback');
  let callback: CallbackSpec | undefined;
  if (callbackB64 !== undefined && callbackB64 !== '') {
    callback = parseCallbackParams(callbackB64, field('callback-var'), { policy: s.callbacks.policy });
    callback.customVars = { ...callback.customVars, ...customVarsFrom(head) };
    checkRenderedSize(callback);
  }

  // Object attributes: the same rules as the PutObject headers, read from the fields.
  const bag: HeaderBag = {};
  for (const [lower, f] of head.fields) bag[lower] = f.value;
  const contentType =
    field('content-type') || field('x-oss-content-type') || head.file.mimeType || 'application/octet-stream';
  const guard = isTrue(field('x-oss-forbid-overwrite'))
    ? (existing: ObjectRecord | undefined) => {
        if (existing) throw fileAlreadyExists();
      }
    : undefined;
  if (guard) guard(await s.meta.getObject(bucket.name, key));
  return {
    key,
    range,
    maxBytes: Math.min(MAX_OBJECT_BYTES, range?.max ?? MAX_OBJECT_BYTES),
    callback,
    attributes: {
      contentType,
      cacheControl: field('cache-control'),
      contentDisposition: field('content-disposition'),
      contentEncoding: field('content-encoding'),
      contentLanguage: field('content-language'),
      expires: field('expires'),
      acl: objectAclFrom(bag),
      storageClass: storageClassFrom(bag),
      meta: metaFromHeaders(bag),
      tags: tagsFromHeader(field('x-oss-tagging')),
      serverSideEncryption: serverSideEncryptionFrom(bag),
    },
    guard,
    redirect: redirectFrom(field('success_action_redirect')),
    successStatus: successStatusFrom(field('success_action_status')),
  };
}
