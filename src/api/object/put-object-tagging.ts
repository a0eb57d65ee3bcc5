import { OssError } from '../../errors/oss-error.js';
import { children, childText, parseXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { readSmallBody } from '../read-body.js';
import { validateTags } from './object-headers.js';
import { currentVersion, loadRequestedObject, requestedVersion, versionHeaders } from './object-version.js';

const MAX_TAGGING_XML = 64 * 1024;

/** `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` → tags (duplicate keys are refused). */
export function parseTagging(xml: string): Record<string, string> {
  const doc = parseXml(xml);
  const tagging = children(doc, 'Tagging');
  if (tagging.length !== 1) throw new OssError('MalformedXML');
  const tagSets = children(tagging[0], 'TagSet');
  if (tagSets.length !== 1) throw new OssError('MalformedXML');
  const tags: Record<string, string> = {};
  for (const tag of children(tagSets[0], 'Tag')) {
    const key = childText(tag, 'Key');
    const value = childText(tag, 'Value') ?? '';
    if (key === undefined) throw new OssError('MalformedXML');
    if (Object.hasOwn(tags, key)) throw new OssError('InvalidTag', { message: `Duplicate tag key: ${key}` });
    tags[key] = value;
  }
  validateTags(tags);
  return tags;
}

/** PutObjectTagging: replaces the whole tag set of an existing object. */
export const putObjectTagging: Handler = async (ctx, s) => {
  const tags = parseTagging((await readSmallBody(ctx, MAX_TAGGING_XML)).toString('utf8'));
  const versionId = requestedVersion(ctx);
  if (!(await s.meta.updateObject(ctx.bucket!, ctx.key, { tags }, versionId))) {
    // Says why: no such key (or a delete marker), no such version.
    await loadRequestedObject(ctx, s);
    throw new OssError('NoSuchKey', { ec: '0026-00000001', extra: { Key: ctx.key } });
  }
  return { status: 200, headers: versionHeaders(ctx.bucketRecord, versionId ?? (await currentVersion(ctx, s))) };
};
