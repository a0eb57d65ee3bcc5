import { createHash } from 'node:crypto';
import { OssError } from '../../errors/oss-error.js';
import { validateObjectKey } from '../../http/validate.js';
import type { ObjectRecord } from '../../storage/types.js';
import type { Handler } from '../handler.js';
import {
  contentHeadersFrom,
  metaFromHeaders,
  objectAclFrom,
  quoteEtag,
  storageClassFrom,
  tagsFromHeader,
} from './object-headers.js';
import { writtenVersionHeaders } from './object-version.js';
import { forbidOverwriteGuard } from './put-object.js';

/** CRC-64 of no bytes. */
const EMPTY_CRC64 = '0';

/** `x-oss-symlink-target` arrives URL-encoded (ali-oss keeps `/`); decode and check it is a valid key. */
export function parseSymlinkTarget(value: string | undefined): string {
  if (value === undefined || value === '') {
    throw new OssError('InvalidArgument', {
      message: 'The x-oss-symlink-target header is required.',
      extra: { ArgumentName: 'x-oss-symlink-target', ArgumentValue: '' },
    });
  }
  let target: string;
  try {
    target = decodeURIComponent(value);
  } catch {
    throw new OssError('InvalidArgument', {
      message: 'The x-oss-symlink-target header is not correctly URL-encoded.',
      extra: { ArgumentName: 'x-oss-symlink-target', ArgumentValue: value },
    });
  }
  validateObjectKey(target);
  return target;
}

/** The form OSS and ali-oss use for the target in a header: URL-encoded with `/` kept. */
export function encodeSymlinkTarget(target: string): string {
  return encodeURIComponent(target).replace(/%2F/g, '/');
}

/**
 * PutSymlink: `PUT /k?symlink` + `x-oss-symlink-target`. A symlink is an object of type Symlink with no
 * bytes; the target need not exist. Its ETag is the MD5 of the target name.
 */
export const putSymlink: Handler = async (ctx, s) => {
  ctx.req.resume();
  const { headers } = ctx;
  const target = parseSymlinkTarget(headers['x-oss-symlink-target']);
  const object: ObjectRecord = {
    bucket: ctx.bucket!,
    key: ctx.key,
    type: 'Symlink',
    size: 0,
    etag: createHash('md5').update(target).digest('hex').toUpperCase(),
    crc64: EMPTY_CRC64,
    lastModified: Date.now(),
    acl: objectAclFrom(headers),
    storageClass: storageClassFrom(headers),
    ...contentHeadersFrom(headers, 'application/octet-stream'),
    meta: metaFromHeaders(headers),
    tags: tagsFromHeader(headers['x-oss-tagging']),
    segments: [],
    symlinkTarget: target,
  };
  const { released, versionId } = await s.meta.putObject(object, forbidOverwriteGuard(ctx));
  await s.blobs.delete(released);
  return { status: 200, headers: { etag: quoteEtag(object.etag), ...writtenVersionHeaders(versionId) } };
};
