import { OssError } from '../../errors/oss-error.js';
import { xmlResponse } from '../../http/context.js';
import { renderXml } from '../../http/xml.js';
import type { Handler } from '../handler.js';
import { contentsXml, encodingParam, maxKeysParam } from './list-objects.js';

/** Continuation tokens are opaque to clients: base64url of the last key or common prefix returned. */
export function encodeContinuationToken(after: string): string {
  return Buffer.from(after, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): string {
  const bytes = Buffer.from(token, 'base64url');
  const after = bytes.toString('utf8');
  if (token === '' || bytes.toString('base64url') !== token || !Buffer.from(after, 'utf8').equals(bytes)) {
    throw new OssError('InvalidArgument', {
      message: 'The continuation token provided is incorrect.',
      extra: { ArgumentName: 'continuation-token', ArgumentValue: token },
    });
  }
  return after;
}

/** GET /b/?list-type=2 — ListObjectsV2. KeyCount counts Contents and CommonPrefixes. */
export const listObjectsV2: Handler = async (ctx, s) => {
  const p = ctx.params;
  const prefix = p.get('prefix') ?? '';
  const delimiter = p.get('delimiter') ?? '';
  const startAfter = p.get('start-after');
  // An empty token is an absent one (OSS; Python's oss2 sends `continuation-token=` on the first page).
  const token = p.get('continuation-token') || undefined;
  const maxKeys = maxKeysParam(p.get('max-keys'));
  const enc = encodingParam(p.get('encoding-type'));
  const fetchOwner = p.get('fetch-owner') === 'true';
  // The continuation token wins over start-after (S3/OSS semantics).
  const after = token !== undefined ? decodeContinuationToken(token) : (startAfter ?? '');
  const bucket = ctx.bucketRecord!;
  const r =
    maxKeys === 0
      ? { objects: [], commonPrefixes: [], isTruncated: false, nextMarker: undefined }
      : await s.meta.listObjectSummaries(bucket.name, { prefix, delimiter, after, maxKeys });
  return xmlResponse(
    renderXml('ListBucketResult', {
      Name: bucket.name,
      Prefix: enc(prefix),
      StartAfter: startAfter !== undefined ? enc(startAfter) : undefined,
      ContinuationToken: token,
      MaxKeys: maxKeys,
      Delimiter: enc(delimiter),
      EncodingType: p.get('encoding-type') === 'url' ? 'url' : undefined,
      IsTruncated: r.isTruncated,
      NextContinuationToken:
        r.isTruncated && r.nextMarker !== undefined ? encodeContinuationToken(r.nextMarker) : undefined,
      KeyCount: r.objects.length + r.commonPrefixes.length,
      Contents: r.objects.map((o) => contentsXml(o, enc, fetchOwner, bucket.owner)),
      CommonPrefixes: r.commonPrefixes.map((cp) => ({ Prefix: enc(cp) })),
    }),
  );
};
