import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';

/** GetObjectTagging: `Tagging{TagSet{Tag*}}`; TagSet is present even when empty (ali-oss reads it). */
export const getObjectTagging: Handler = async (ctx, s) => {
  const o = await s.meta.getObject(ctx.bucket!, ctx.key);
  if (!o) throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  const tags = Object.entries(o.tags).map(([Key, Value]) => ({ Key, Value }));
  return xmlResponse(renderXml('Tagging', { TagSet: tags.length ? { Tag: tags } : '' }));
};
