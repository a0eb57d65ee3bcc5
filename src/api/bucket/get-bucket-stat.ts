import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';

/** Storage classes in the order OSS lists them, with their element-name prefix. */
const CLASSES = [
  ['Standard', 'Standard'],
  ['IA', 'InfrequentAccess'],
  ['Archive', 'Archive'],
  ['ColdArchive', 'ColdArchive'],
  ['DeepColdArchive', 'DeepColdArchive'],
] as const;

/**
 * GetBucketStat (GET /b/?stat): object count and bytes, counted now, per storage class. ossd bills
 * nothing, so `…Storage` and `…RealStorage` are both the objects' real size (OSS rounds small IA and
 * archive objects up to a minimum). LastModifiedTime is in seconds; 0 for an empty bucket.
 */
export const getBucketStat: Handler = async (ctx, s) => {
  const u = await s.meta.bucketUsage(ctx.bucket!);
  const of = (cls: string) => u.byClass.find((c) => c.storageClass === cls) ?? { objects: 0, bytes: 0 };
  const body: Record<string, number> = {
    Storage: u.byClass.reduce((n, c) => n + c.bytes, 0),
    ObjectCount: u.byClass.reduce((n, c) => n + c.objects, 0),
    MultipartUploadCount: u.multipartUploads,
    LiveChannelCount: 0,
    LastModifiedTime: Math.floor(u.lastModified / 1000),
  };
  for (const [cls, prefix] of CLASSES) {
    const c = of(cls);
    body[`${prefix}Storage`] = c.bytes;
    if (cls !== 'Standard') body[`${prefix}RealStorage`] = c.bytes;
    body[`${prefix}ObjectCount`] = c.objects;
  }
  body.DeleteMarkerCount = 0;
  return xmlResponse(renderXml('BucketStat', body));
};
