import { OssError } from '../errors/oss-error.js';

/** ali-oss's checks: create needs [a-z0-9-]{3,63}; other calls also allow '_'. */
export function validateBucketName(name: string, creating: boolean): void {
  const re = creating ? /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/ : /^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/;
  if (!re.test(name)) {
    throw new OssError('InvalidBucketName', { ec: '0015-00000001', extra: { BucketName: name } });
  }
}

/** 1–1023 bytes of UTF-8, not starting with '/' or '\\', no NUL. */
export function validateObjectKey(key: string): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is refused
  if (bytes < 1 || bytes > 1023 || key.startsWith('/') || key.startsWith('\\') || /\x00/.test(key)) {
    throw new OssError('InvalidObjectName', { ec: '0016-00000005', extra: { ObjectName: key } });
  }
}
