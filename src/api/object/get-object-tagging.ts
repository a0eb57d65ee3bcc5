import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { loadRequestedObject, versionHeaders } from './object-version.js';

/** GetObjectTagging: `Tagging{TagSet{Tag*}}`; TagSet is present even when empty (ali-oss reads it). */
export const getObjectTagging: Handler = async (ctx, s) => {
  const o = await loadRequestedObject(ctx, s);
  const tags = Object.entries(o.tags).map(([Key, Value]) => ({ Key, Value }));
  return xmlResponse(
    renderXml('Tagging', { TagSet: tags.length ? { Tag: tags } : '' }),
    versionHeaders(ctx.bucketRecord, o.versionId),
  );
};
