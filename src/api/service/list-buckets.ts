import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { ossXmlDate, renderXml } from '../../http/xml.js';
import { readBucketTags, tagSetXml } from '../bucket/bucket-tags.js';
import { maxKeysParam } from '../bucket/list-objects.js';
import type { Handler } from '../handler.js';
import { ownerXml } from '../owner.js';

/**
 * The tag filter of a listing: `tag-key` [+ `tag-value`], or `tagging="k1":"v1","k2":"v2"` (every pair must
 * match); undefined when the listing is not filtered by tags.
 */
function tagFilter(params: Map<string, string>): [string, string | undefined][] | undefined {
  const key = params.get('tag-key');
  const value = params.get('tag-value');
  const tagging = params.get('tagging');
  if (tagging !== undefined && (key !== undefined || value !== undefined)) {
    throw new OssError('InvalidArgument', {
      message: 'tagging cannot be combined with tag-key or tag-value.',
      extra: { ArgumentName: 'tagging', ArgumentValue: tagging },
    });
  }
  if (value !== undefined && key === undefined) {
    throw new OssError('InvalidArgument', {
      message: 'tag-value needs tag-key.',
      extra: { ArgumentName: 'tag-value', ArgumentValue: value },
    });
  }
  if (key !== undefined) return [[key, value]];
  if (tagging === undefined || tagging === '') return undefined;
  const pairs: [string, string][] = [];
  const re = /"((?:[^"\\]|\\.)*)":"((?:[^"\\]|\\.)*)"(?:,|$)/y;
  for (let m = re.exec(tagging); m; m = re.exec(tagging)) {
    pairs.push([m[1], m[2]]);
    if (re.lastIndex >= tagging.length) break;
  }
  if (pairs.length === 0 || re.lastIndex !== tagging.length) {
    throw new OssError('InvalidArgument', {
      message: 'tagging must be a list of "key":"value" pairs separated by commas.',
      extra: { ArgumentName: 'tagging', ArgumentValue: tagging },
    });
  }
  return pairs;
}

export const listBuckets: Handler = async (ctx, s) => {
  const accountId = ctx.principal!.accountId;
  const prefix = ctx.params.get('prefix') ?? '';
  const marker = ctx.params.get('marker') ?? '';
  const maxKeys = ctx.params.has('max-keys') ? maxKeysParam(ctx.params.get('max-keys'), 'max-keys', 1) : 1000;
  const filter = tagFilter(ctx.params);
  let all = (await s.meta.listBuckets(accountId)).filter((b) => b.name.startsWith(prefix) && b.name > marker);
  const tagsOf = new Map<string, [string, string][]>();
  if (filter) {
    // One configuration read per candidate bucket: only listings filtered by tag pay it.
    for (const b of all) tagsOf.set(b.name, await readBucketTags(s, b.name));
    all = all.filter((b) => {
      const tags = new Map(tagsOf.get(b.name));
      return filter.every(([k, v]) => tags.has(k) && (v === undefined || tags.get(k) === v));
    });
  }
  const page = all.slice(0, maxKeys);
  const truncated = all.length > maxKeys;
  const host = (region: string) => `${region}.aliyuncs.com`;
  return xmlResponse(
    renderXml('ListAllMyBucketsResult', {
      Prefix: ctx.params.has('prefix') ? prefix : undefined,
      Marker: ctx.params.has('marker') ? marker : undefined,
      MaxKeys: ctx.params.has('max-keys') ? maxKeys : undefined,
      IsTruncated: ctx.params.has('max-keys') || truncated ? truncated : undefined,
      NextMarker: truncated ? page[page.length - 1].name : undefined,
      Owner: ownerXml(accountId),
      Buckets: {
        Bucket: page.map((b) => ({
          Name: b.name,
          Location: b.region,
          CreationDate: ossXmlDate(b.createdAt),
          StorageClass: b.storageClass,
          ExtranetEndpoint: host(b.region),
          IntranetEndpoint: host(`${b.region}-internal`),
          Region: b.region.replace(/^oss-/, ''),
          Tagging: filter ? tagSetXml(tagsOf.get(b.name) ?? []) : undefined,
        })),
      },
    }),
  );
};
