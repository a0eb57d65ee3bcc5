import { OssError } from '../../errors/oss-error.js';
import type { Services } from '../../services.js';
import type { ObjectRecord } from '../../storage/types.js';

/** GET/HEAD of a symlink follow it (one level, within the bucket). */
export async function followSymlink(s: Services, o: ObjectRecord): Promise<ObjectRecord> {
  if (o.type !== 'Symlink' || o.symlinkTarget === undefined) return o;
  const target = await s.meta.getObject(o.bucket, o.symlinkTarget);
  // OSS docs (GetObject/HeadObject): a missing target is 404 SymlinkTargetNotExist (EC 0026-00000012),
  // a target that is itself a symlink is 400 InvalidTargetType.
  if (!target) throw new OssError('SymlinkTargetNotExist', { ec: '0026-00000012' });
  if (target.type === 'Symlink') throw new OssError('InvalidTargetType');
  return target;
}
