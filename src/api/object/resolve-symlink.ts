import { OssError } from '../../errors/oss-error.js';
import type { Services } from '../../services.js';
import type { ObjectRecord } from '../../storage/types.js';

/** GET/HEAD of a symlink follow it (one level, within the bucket). */
export async function followSymlink(s: Services, o: ObjectRecord): Promise<ObjectRecord> {
  if (o.type !== 'Symlink' || o.symlinkTarget === undefined) return o;
  const target = await s.meta.getObject(o.bucket, o.symlinkTarget);
  if (!target || target.type === 'Symlink') {
    throw new OssError('NoSuchKey', { message: 'The symlink target object does not exist', ec: '0026-00000001' });
  }
  return target;
}
