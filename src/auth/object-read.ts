import type { OperationName } from '../http/operations.js';
import type { BucketRecord, ObjectRecord } from '../storage/types.js';
import { authorize } from './acl.js';
import type { Principal } from './authenticate.js';
import { assertStsAllows } from './sts.js';

/**
 * May `principal` read `key` of `bucket`? The one check for every object ossd reads on a caller's behalf
 * besides the request's own key: a symlink's target (GET, HEAD, UploadPartCopy) and a copy source. It
 * applies exactly what a direct request for that object gets in the pipeline: ownership and the object /
 * bucket ACL (`authorize`), then the policy of an STS token, for the owner too. A bucket policy, when
 * ossd has one, belongs here as well. `object` is the stored record, or undefined when there is none
 * (then the bucket ACL decides, before existence is revealed). Throws AccessDenied.
 */
export function authorizeObjectRead(
  principal: Principal | null,
  bucket: BucketRecord,
  key: string,
  object: ObjectRecord | undefined,
  operation: OperationName = 'GetObject',
): void {
  authorize('object-read', principal, bucket, object?.acl);
  assertStsAllows(principal, [{ operation, bucket: bucket.name, key }]);
}
