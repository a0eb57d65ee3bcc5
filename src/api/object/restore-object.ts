import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';

const ARCHIVE_CLASSES = new Set(['Archive', 'ColdArchive', 'DeepColdArchive']);

/**
 * RestoreObject (POST /b/k?restore). Only archived objects can be restored: any other storage class
 * answers 400 OperationNotSupported, as OSS does. Restoring an archived object is a cloud-side job
 * ossd does not run, so it answers NotImplemented.
 */
export const restoreObject: Handler = async (ctx, s) => {
  const o = await s.meta.getObject(ctx.bucket!, ctx.key);
  if (!o) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  if (!ARCHIVE_CLASSES.has(o.storageClass)) {
    throw new OssError('OperationNotSupported', { extra: { Key: ctx.key } });
  }
  throw new OssError('NotImplemented', { message: 'Restoring archived objects is not implemented by ossd.' });
};
