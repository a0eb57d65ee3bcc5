import { xmlResponse } from '../../http/context.js';
import { ossXmlDate, renderXml } from '../../http/xml.js';
import { maxKeysParam } from '../bucket/list-objects.js';
import type { Handler } from '../handler.js';
import { ownerXml } from '../owner.js';

export const listBuckets: Handler = async (ctx, s) => {
  const accountId = ctx.principal!.accountId;
  const prefix = ctx.params.get('prefix') ?? '';
  const marker = ctx.params.get('marker') ?? '';
  const maxKeys = ctx.params.has('max-keys') ? maxKeysParam(ctx.params.get('max-keys'), 'max-keys', 1) : 1000;
  const all = (await s.meta.listBuckets(accountId)).filter((b) => b.name.startsWith(prefix) && b.name > marker);
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
        })),
      },
    }),
  );
};
