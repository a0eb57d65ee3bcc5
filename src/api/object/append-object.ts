import { createHash } from 'node:crypto';
import { OssError } from '../../errors/oss-error.js';
import { crc64Combine } from '../../storage/crc64.js';
import type { ObjectRecord } from '../../storage/types.js';
import type { Handler } from '../handler.js';
import { releaseBlobs } from '../multipart/multipart-common.js';
import { releaseUncommitted } from '../uncommitted-blob.js';
import { segmentOf } from './encrypted-blob.js';
import { notifyObjectCreated } from './notify.js';
import {
  contentHeadersFrom,
  MAX_OBJECT_BYTES,
  metaFromHeaders,
  objectAclFrom,
  parseContentMd5,
  quoteEtag,
  storageClassFrom,
  tagsFromHeader,
} from './object-headers.js';
import { versionHeaders } from './object-version.js';
import {
  effectiveEncryption,
  serverSideEncryptionFrom,
  serverSideEncryptionHeaders,
  sseKeyFor,
} from './server-side-encryption.js';
import { storeBody } from './store-body.js';

function positionParam(raw: string | undefined): number {
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) {
    throw new OssError('InvalidArgument', {
      message: 'Position must be a non-negative integer.',
      extra: { ArgumentName: 'position', ArgumentValue: raw ?? '' },
    });
  }
  return Number(raw);
}

/** The appendable-object rules, checked before the body is read and again inside the commit. */
function checkAppendable(existing: ObjectRecord | undefined, position: number): void {
  if (existing && existing.type !== 'Appendable') {
    throw new OssError('ObjectNotAppendable');
  }
  const length = existing?.size ?? 0;
  if (position !== length) {
    throw new OssError('PositionNotEqualToLength', {
      headers: { 'x-oss-next-append-position': String(length) },
    });
  }
}

/**
 * The ETag of an appendable object is not an MD5 of its content (OSS says so too). ossd chains it:
 * after the first append it is the upper-hex MD5 of that data (so a one-append object looks like a
 * normal one); after each further append it is MD5(binary previous ETag ‖ binary MD5 of the appended
 * data). Deterministic for the same sequence of appends, changes on every append, and computed
 * without re-reading earlier data.
 */
export function appendEtag(previous: string | undefined, appendedMd5: Buffer): string {
  if (previous === undefined) return appendedMd5.toString('hex').toUpperCase();
  return createHash('md5').update(Buffer.from(previous, 'hex')).update(appendedMd5).digest('hex').toUpperCase();
}

/**
 * AppendObject: `POST /b/k?append&position=N`. Position 0 creates the object (content headers, meta,
 * ACL, storage class and tags are taken then); every append stores a new blob segment (no rewrite) and
 * continues the CRC64 with crc64Combine. The position is checked again inside the commit, so of two
 * concurrent appends at the same position exactly one wins. Callback headers are ignored (OSS runs no
 * callback for appends).
 */
export const appendObject: Handler = async (ctx, s) => {
  const bucket = ctx.bucket!;
  const { headers } = ctx;
  const position = positionParam(ctx.params.get('position'));
  const declared = headers['content-length'];
  if (declared !== undefined && position + Number(declared) > MAX_OBJECT_BYTES) {
    throw new OssError('EntityTooLarge', { ec: '0016-00000711' });
  }
  const expectedMd5 = parseContentMd5(headers['content-md5']);
  // Attributes for a new object, validated whether or not they will be used.
  const creation = {
    ...contentHeadersFrom(headers, 'application/octet-stream'),
    serverSideEncryption: serverSideEncryptionFrom(headers),
    acl: objectAclFrom(headers),
    storageClass: storageClassFrom(headers),
    meta: metaFromHeaders(headers),
    tags: tagsFromHeader(headers['x-oss-tagging']),
  };
  const before = await s.meta.getObject(bucket, ctx.key);
  checkAppendable(before, position);
  if (!before) creation.serverSideEncryption = await effectiveEncryption(s, bucket, creation.serverSideEncryption);
  // Appended bytes are encrypted as the object is (its encryption is fixed when it is created).
  const sseKey = sseKeyFor(s, before ? before.serverSideEncryption : creation.serverSideEncryption);

  const stored = await storeBody(ctx, s, { expectedMd5, maxBytes: MAX_OBJECT_BYTES - position, sseKey });
  // CRC64 and ETag are computed outside the commit from what we read, and recomputed inside it only
  // if the object changed in between (e.g. deleted and re-created with the same length).
  const derive = (prev: ObjectRecord | undefined) => ({
    crc64: prev ? crc64Combine(BigInt(prev.crc64), BigInt(stored.crc64), stored.size).toString() : stored.crc64,
    etag: appendEtag(prev?.etag, stored.md5),
  });
  const precomputed = derive(before);
  const build = (existing: ObjectRecord | undefined): ObjectRecord => {
    checkAppendable(existing, position);
    const same =
      existing === before ||
      (existing !== undefined &&
        before !== undefined &&
        existing.etag === before.etag &&
        existing.crc64 === before.crc64 &&
        existing.lastModified === before.lastModified);
    const { crc64, etag } = same ? precomputed : derive(existing);
    const segment = segmentOf(stored, stored.sseKey);
    const base = existing ?? { ...creation, bucket, key: ctx.key, segments: [] };
    return {
      ...base,
      type: 'Appendable',
      size: position + stored.size,
      etag,
      crc64,
      contentMd5: undefined,
      lastModified: Date.now(),
      segments: stored.size > 0 ? [...base.segments, segment] : base.segments,
    };
  };
  let object: ObjectRecord;
  try {
    const r = await s.meta.multipart.appendObject(bucket, ctx.key, build);
    object = r.object;
    await releaseBlobs(s, r.released);
  } catch (err) {
    await releaseUncommitted(s, [stored.blob], err);
    throw err;
  }
  if (stored.size === 0) await releaseBlobs(s, [stored.blob]);
  await notifyObjectCreated(ctx, s, 'ObjectCreated:AppendObject', object, stored.size);
  return {
    status: 200,
    headers: {
      etag: quoteEtag(object.etag),
      'x-oss-next-append-position': object.size,
      'x-oss-hash-crc64ecma': object.crc64,
      'x-oss-object-type': 'Appendable',
      ...versionHeaders(ctx.bucketRecord, object.versionId),
      ...serverSideEncryptionHeaders(object.serverSideEncryption),
    },
  };
};
