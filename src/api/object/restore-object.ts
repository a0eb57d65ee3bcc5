import { OssError } from '../../errors/oss-error.js';
import type { Handler } from '../handler.js';
import { loadRequestedObject } from './object-version.js';

const ARCHIVE_CLASSES = new Set(['Archive', 'ColdArchive', 'DeepColdArchive']);

/**
 * RestoreObject (POST /b/k?restore). Only archived objects can be restored: any other storage class
 * answers 400 OperationNotSupported, as OSS does. Restoring an archived object is a cloud-side job
 * ossd does not run, so it answers NotImplemented.
 */
export const restoreObject: Handler = async (ctx, s) => {
  // The current object, or with `?versionId=` that version.
  const o = await loadRequestedObject(ctx, s);
  if (!ARCHIVE_CLASSES.has(o.storageClass)) {
    throw new OssError('OperationNotSupported', { extra: { Key: ctx.key } });
  }
  throw new OssError('NotImplemented', { message: 'Restoring archived objects is not implemented by ossd.' });
};
