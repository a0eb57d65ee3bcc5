import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';

/** DeleteObjectTagging: removes every tag; 204. */
export const deleteObjectTagging: Handler = async (ctx, s) => {
  if (!(await s.meta.updateObject(ctx.bucket!, ctx.key, { tags: {} }))) {
    throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  }
  return { status: 204 };
};
