import { OssError } from '../errors/oss-error.js';
import type { AccessLevel } from '../http/operations.js';
import type { BucketAcl, BucketRecord, ObjectAcl } from '../storage/types.js';
import type { Principal } from './authenticate.js';

export const BUCKET_ACLS: readonly BucketAcl[] = ['private', 'public-read', 'public-read-write'];
export const OBJECT_ACLS: readonly ObjectAcl[] = ['private', 'public-read', 'public-read-write', 'default'];

function denied(): OssError {
  return new OssError('AccessDenied', {
    message: 'You have no right to access this object because of bucket acl.',
    ec: '0003-00000001',
  });
}

/**
 * The single authorisation point. The bucket owner may do anything; anyone else (anonymous or another
 * account) is governed by the object ACL when it is not `default`, otherwise by the bucket ACL.
 */
export function authorize(
  level: AccessLevel,
  principal: Principal | null,
  bucket: BucketRecord | undefined,
  objectAcl?: ObjectAcl,
): void {
  if (level === 'anonymous' || level === 'post') return;
  if (level === 'service' || level === 'create-bucket') {
    if (!principal) throw denied();
    return;
  }
  if (!bucket) return; // existence is checked by the caller
  if (principal && principal.accountId === bucket.owner) return;
  if (level === 'owner') throw denied();
  const acl: BucketAcl = objectAcl && objectAcl !== 'default' ? objectAcl : bucket.acl;
  const write = level === 'object-write' || level === 'bucket-write';
  if (write ? acl === 'public-read-write' : acl !== 'private') return;
  throw denied();
}
