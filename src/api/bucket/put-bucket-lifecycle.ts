import { saveLifecycle } from '../../storage/lifecycle-rules.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';
import { parseLifecycleConfiguration } from './lifecycle-xml.js';

/** Up to 1000 rules of a few hundred bytes each. */
const MAX_LIFECYCLE_XML = 2 * 1024 * 1024;

/** PutBucketLifecycle: `PUT /b/?lifecycle`, replaces the bucket's rules (owner only). */
export const putBucketLifecycle: Handler = async (ctx, s) => {
  const rules = parseLifecycleConfiguration(
    (await readSmallBody(ctx, MAX_LIFECYCLE_XML)).toString('utf8'),
    String(ctx.headers['x-oss-allow-same-action-overlap'] ?? '').toLowerCase() === 'true',
  );
  await saveLifecycle(s.meta, ctx.bucketRecord!.name, rules);
  return { status: 200 };
};
