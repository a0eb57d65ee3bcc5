import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { ossXmlDate, renderXml, type XmlObject } from '../../http/xml.js';
import type { ObjectVersion } from '../../storage/types.js';
import type { Handler } from '../handler.js';
import { ownerXml } from '../owner.js';
import { encodingParam, maxKeysParam } from './list-objects.js';

/** One entry without the XML declaration (entries are rendered one by one to keep their order). */
function fragment(name: string, body: XmlObject): string {
  const xml = renderXml(name, body);
  return xml.slice(xml.indexOf('\n') + 1);
}

function entryXml(v: ObjectVersion, enc: (s: string) => string, owner: string): string {
  const common = {
    Key: enc(v.key),
    VersionId: v.versionId ?? 'null',
    IsLatest: v.isLatest,
    LastModified: ossXmlDate(v.lastModified),
  };
  if (v.deleteMarker) return fragment('DeleteMarker', { ...common, Owner: ownerXml(owner) });
  return fragment('Version', {
    ...common,
    ETag: `"${v.etag}"`,
    Type: v.type,
    Size: v.size,
    StorageClass: v.storageClass,
    Owner: ownerXml(owner),
  });
}

/**
 * ListObjectVersions: `GET /b/?versions` — every version and delete marker, by key and newest first,
 * as OSS's ListVersionsResult (Version and DeleteMarker entries in that order, then CommonPrefixes).
 */
export const listObjectVersions: Handler = async (ctx, s) => {
  const p = ctx.params;
  const prefix = p.get('prefix') ?? '';
  const keyMarker = p.get('key-marker') ?? '';
  const versionIdMarker = p.get('version-id-marker') ?? '';
  const delimiter = p.get('delimiter') ?? '';
  const maxKeys = maxKeysParam(p.get('max-keys'));
  const enc = encodingParam(p.get('encoding-type'));
  if (versionIdMarker !== '' && keyMarker === '') {
    throw new OssError('InvalidArgument', {
      message: 'A version-id marker cannot be specified without a key marker.',
      extra: { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker },
    });
  }
  const bucket = ctx.bucketRecord!;
  const r =
    maxKeys === 0
      ? {
          versions: [],
          commonPrefixes: [],
          isTruncated: false,
          nextKeyMarker: undefined,
          nextVersionIdMarker: undefined,
        }
      : await s.meta.listObjectVersions(bucket.name, { prefix, delimiter, keyMarker, versionIdMarker, maxKeys });
  const head = renderXml('ListVersionsResult', {
    Name: bucket.name,
    Prefix: enc(prefix),
    KeyMarker: enc(keyMarker),
    VersionIdMarker: versionIdMarker,
    MaxKeys: maxKeys,
    Delimiter: enc(delimiter),
    IsTruncated: r.isTruncated,
    NextKeyMarker: r.isTruncated && r.nextKeyMarker !== undefined ? enc(r.nextKeyMarker) : undefined,
    NextVersionIdMarker: r.isTruncated ? r.nextVersionIdMarker : undefined,
    EncodingType: p.get('encoding-type') === 'url' ? 'url' : undefined,
  });
  const entries = [
    ...r.versions.map((v) => entryXml(v, enc, bucket.owner)),
    ...r.commonPrefixes.map((cp) => fragment('CommonPrefixes', { Prefix: enc(cp) })),
  ];
  const close = '</ListVersionsResult>';
  return xmlResponse(`${head.slice(0, head.lastIndexOf(close))}${entries.join('')}${close}`);
};
