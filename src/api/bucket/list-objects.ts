import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { ossXmlDate, renderXml, type XmlObject } from '../../http/xml.js';
import type { ObjectSummary } from '../../storage/types.js';
import type { Handler } from '../handler.js';
import { ownerXml } from '../owner.js';

export function maxKeysParam(raw: string | undefined, name = 'max-keys', min = 0, fallback = 100): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > 1000) {
    throw new OssError('InvalidArgument', {
      message: `Argument ${name} must be an integer between ${min} and 1000.`,
      extra: { ArgumentName: name, ArgumentValue: raw },
    });
  }
  return n;
}

export function encodingParam(raw: string | undefined): (s: string) => string {
  if (raw === undefined || raw === '') return (s) => s;
  if (raw !== 'url') {
    throw new OssError('InvalidArgument', {
      message: 'The encoding-type argument is invalid.',
      extra: { ArgumentName: 'encoding-type', ArgumentValue: raw },
    });
  }
  return (s) => encodeURIComponent(s);
}

export function contentsXml(
  o: ObjectSummary,
  enc: (s: string) => string,
  withOwner: boolean,
  owner: string,
): XmlObject {
  return {
    Key: enc(o.key),
    LastModified: ossXmlDate(o.lastModified),
    ETag: `"${o.etag}"`,
    Type: o.type,
    Size: o.size,
    StorageClass: o.storageClass,
    Owner: withOwner ? ownerXml(owner) : undefined,
  };
}

export const listObjects: Handler = async (ctx, s) => {
  const p = ctx.params;
  const prefix = p.get('prefix') ?? '';
  const marker = p.get('marker') ?? '';
  const delimiter = p.get('delimiter') ?? '';
  const maxKeys = maxKeysParam(p.get('max-keys'));
  const enc = encodingParam(p.get('encoding-type'));
  const bucket = ctx.bucketRecord!;
  const r =
    maxKeys === 0
      ? { objects: [], commonPrefixes: [], isTruncated: false, nextMarker: undefined }
      : await s.meta.listObjectSummaries(bucket.name, { prefix, delimiter, after: marker, maxKeys });
  return xmlResponse(
    renderXml('ListBucketResult', {
      Name: bucket.name,
      Prefix: enc(prefix),
      Marker: enc(marker),
      MaxKeys: maxKeys,
      Delimiter: enc(delimiter),
      EncodingType: p.get('encoding-type') === 'url' ? 'url' : undefined,
      IsTruncated: r.isTruncated,
      NextMarker: r.isTruncated && r.nextMarker !== undefined ? enc(r.nextMarker) : undefined,
      Contents: r.objects.map((o) => contentsXml(o, enc, true, bucket.owner)),
      CommonPrefixes: r.commonPrefixes.map((cp) => ({ Prefix: enc(cp) })),
    }),
  );
};
