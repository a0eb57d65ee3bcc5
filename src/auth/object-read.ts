import type { OperationName } from '../http/operations.js';
import type { BucketRecord, ObjectRecord } from '../storage/types.js';
import { checkAccess, type Requester } from './access.js';

/**
 * May the requester read `key` of `bucket`? The one check for every object ossd reads on a caller's behalf
 * besides the request's own key: a symlink's target (GET, HEAD, UploadPartCopy), a copy source, a
 * watermark image, a styled key's source. It applies exactly what a direct request for that object gets in
 * the pipeline (`checkAccess`): the bucket policy of `bucket` (an explicit Deny wins, an Allow can grant),
 * ownership and the object / bucket ACL, then the policy of an STS token, for the owner too. `object` is
 * the stored record, or undefined when there is none (then the bucket ACL decides, before existence is
 * revealed). Throws AccessDenied.
 */
export async function authorizeObjectRead(
  requester: Requester,
  bucket: BucketRecord,
  key: string,
  object: ObjectRecord | undefined,
  operation: OperationName = 'GetObject',
): Promise<void> {
  await checkAccess(requester, {
    level: 'object-read',
    operation,
    bucket,
    objectAcl: object?.acl,
    requests: [{ operation, bucket: bucket.name, key }],
  });
}
