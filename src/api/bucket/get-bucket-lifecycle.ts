import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import { loadLifecycle } from '../../storage/lifecycle-rules.js';
import type { Handler } from '../handler.js';
import { lifecycleXmlBody } from './lifecycle-xml.js';

/** GetBucketLifecycle: `GET /b/?lifecycle` → LifecycleConfiguration{Rule*}; 404 NoSuchLifecycle when none. */
export const getBucketLifecycle: Handler = async (ctx, s) => {
  const bucket = ctx.bucketRecord!.name;
  const rules = await loadLifecycle(s.meta, bucket);
  if (!rules) throw new OssError('NoSuchLifecycle', { ec: '0014-00000001', extra: { BucketName: bucket } });
  return xmlResponse(renderXml('LifecycleConfiguration', lifecycleXmlBody(rules)));
};
