import { randomUUID } from 'node:crypto';
import { ROOT_ACCOUNT_ID } from '../auth/root-account.js';
import type { MetadataStore } from '../storage/types.js';

/** The bucket the start-up snippet names. */
export const EXAMPLE_BUCKET = 'examplebucket';

/** Set once a deployment has had its first start, so a deleted examplebucket is not created again. */
const FIRST_START_SETTING = 'first-start';

/**
 * What `ossd serve` does about examplebucket: on the first start of a fresh deployment (no buckets, never
 * started before) it creates it — private, owned by the root account — so the printed snippet works as is.
 */
export async function ensureExampleBucket(
  meta: MetadataStore,
  region: string,
): Promise<'created' | 'exists' | 'missing'> {
  const stamp = `${new Date().toISOString()} ${randomUUID()}`;
  // First writer wins: of several nodes starting on one shared store, only one sees its own stamp.
  const first = (await meta.putSettingIfAbsent(FIRST_START_SETTING, stamp)) === stamp;
  if (await meta.getBucket(EXAMPLE_BUCKET)) return 'exists';
  if (!first || (await meta.listBuckets()).length) return 'missing';
  await meta.createBucket({
    name: EXAMPLE_BUCKET,
    owner: ROOT_ACCOUNT_ID,
    acl: 'private',
    createdAt: Date.now(),
    region,
    storageClass: 'Standard',
    dataRedundancyType: 'LRS',
  });
  return 'created';
}
