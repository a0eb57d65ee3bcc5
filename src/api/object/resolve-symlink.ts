import type { Requester } from '../../auth/access.js';
import { authorizeObjectRead } from '../../auth/object-read.js';
import { OssError } from '../../errors/oss-error.js';
import type { OperationName } from '../../http/operations.js';
import type { Services } from '../../services.js';
import type { BucketRecord, ObjectRecord } from '../../storage/types.js';
import { objectResponseHeaders } from './object-headers.js';

/** Who follows a symlink, in which bucket, for which operation (GetObject for a copy source). */
export interface SymlinkReader {
  requester: Requester;
  bucket: BucketRecord;
  operation: OperationName;
}

/**
 * GET/HEAD (and UploadPartCopy's source) follow a symlink, one level, within its bucket. The caller must
 * be allowed to read the target exactly as if it had asked for the target itself (`authorizeObjectRead`):
 * a symlink is never a way around an ACL, a bucket policy or an STS policy. The check comes before the existence check,
 * as for a direct request, so a denied caller cannot probe for keys either.
 */
export async function followSymlink(s: Services, o: ObjectRecord, reader: SymlinkReader): Promise<ObjectRecord> {
  if (o.type !== 'Symlink' || o.symlinkTarget === undefined) return o;
  const target = await s.meta.getObject(o.bucket, o.symlinkTarget);
  await authorizeObjectRead(reader.requester, reader.bucket, o.symlinkTarget, target, reader.operation);
  // OSS docs (GetObject/HeadObject): a missing target is 404 SymlinkTargetNotExist (EC 0026-00000012),
  // a target that is itself a symlink is 400 InvalidTargetType.
  if (!target) throw new OssError('SymlinkTargetNotExist', { ec: '0026-00000012' });
  if (target.type === 'Symlink') throw new OssError('InvalidTargetType');
  return target;
}

/**
 * What GET/HEAD of a symlink reports (OSS HeadObject docs): the target's Content-Length, ETag,
 * Content-MD5 and storage class, Last-Modified the later of the two, every other header the symlink's own
 * (`x-oss-object-type: Symlink`, its `x-oss-meta-*`, Content-Type, tag count), plus `x-oss-symlink-target`.
 * The CRC-64 is the target's, because it describes the body that is sent.
 */
export function symlinkResponseHeaders(
  link: ObjectRecord,
  target: ObjectRecord,
): Record<string, string | number | undefined> {
  const own = objectResponseHeaders(link);
  const of = objectResponseHeaders(target);
  return {
    ...own,
    etag: of.etag,
    'content-md5': of['content-md5'],
    'x-oss-storage-class': of['x-oss-storage-class'],
    'x-oss-hash-crc64ecma': of['x-oss-hash-crc64ecma'],
    'last-modified': new Date(symlinkLastModified(link, target)).toUTCString(),
    'x-oss-symlink-target': encodeURIComponent(link.symlinkTarget ?? ''),
  };
}

/** Last-Modified of a followed symlink: the later of the link's and the target's. */
export function symlinkLastModified(link: ObjectRecord, target: ObjectRecord): number {
  return Math.max(link.lastModified, target.lastModified);
}
