import { canonicalResourceV1, signV1, stringToSignV1 } from '../../src/auth/signature-v1.js';
import { ROOT_ID, ROOT_SECRET } from './start-server.js';

/**
 * Headers for a raw V1-signed request as ali-oss would send it (x-oss-date in the DATE slot),
 * for bodies the client cannot produce. `resource` is the canonical resource, e.g. `/bucket/?delete`.
 */
export function signatureV1(
  method: string,
  resource: string,
  headers: Record<string, string>,
  id = ROOT_ID,
  secret = ROOT_SECRET,
): Record<string, string> {
  const date = new Date().toUTCString();
  const all: Record<string, string> = { ...headers, 'x-oss-date': date };
  const [path, sub = ''] = resource.split('?');
  const bucket = path.split('/')[1];
  const key = path.split('/').slice(2).join('/');
  const query = sub
    ? sub
        .split('&')
        .map((kv) => kv.split('=') as [string, string])
        .map(([k, v]) => [k, v ?? ''] as [string, string])
    : [];
  const sts = stringToSignV1(method, all, date, canonicalResourceV1(bucket, key, query));
  return { ...all, authorization: `OSS ${id}:${signV1(secret, sts)}` };
}
