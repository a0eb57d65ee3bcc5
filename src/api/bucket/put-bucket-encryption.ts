import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';
import { ENCRYPTION_CONFIG, parseEncryptionRule } from './bucket-encryption.js';

const MAX_ENCRYPTION_XML = 16 * 1024;

/** PutBucketEncryption: `PUT /b/?encryption` sets the default server-side encryption of new objects. */
export const putBucketEncryption: Handler = async (ctx, s) => {
  const rule = parseEncryptionRule((await readSmallBody(ctx, MAX_ENCRYPTION_XML)).toString('utf8'));
  await s.meta.putBucketConfig(ctx.bucketRecord!.name, ENCRYPTION_CONFIG, JSON.stringify(rule));
  return { status: 200 };
};
