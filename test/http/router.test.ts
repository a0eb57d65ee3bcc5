import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OssError } from '../../src/errors/oss-error.js';
import { resolveOperation, resolveTargets, type Target } from '../../src/http/router.js';

const DOMAINS = ['localhost', 'oss.example.test'];

describe('resolveTargets: every Host/path form of spec §1', () => {
  const table: { name: string; host?: string; path: string; want: Target[] }[] = [
    {
      name: 'path style on localhost:PORT (recommended sldEnable mode)',
      host: 'localhost:18080',
      path: '/mybucket/dir/a%20b%2Bc.txt',
      want: [{ bucket: 'mybucket', key: 'dir/a b+c.txt', style: 'path' }],
    },
    { name: 'path style ListBuckets', host: 'localhost:1', path: '/', want: [{ key: '', style: 'path' }] },
    {
      name: 'path style bucket level with trailing /',
      host: 'localhost:1',
      path: '/mybucket/',
      want: [{ bucket: 'mybucket', key: '', style: 'path' }],
    },
    {
      name: 'path style bucket level without trailing /',
      host: '127.0.0.1:1',
      path: '/mybucket',
      want: [{ bucket: 'mybucket', key: '', style: 'path' }],
    },
    {
      name: 'path style never normalises (//, .., trailing /)',
      host: 'localhost:1',
      path: '/b/a//b/../c/',
      want: [{ bucket: 'b', key: 'a//b/../c/', style: 'path' }],
    },
    {
      name: 'path style percent-decodes UTF-8 and %2F',
      host: 'localhost:1',
      path: '/b/%E4%B8%AD%2Fx%25',
      want: [{ bucket: 'b', key: '中/x%', style: 'path' }],
    },
    {
      name: 'path style with an IPv6 host',
      host: '[::1]:8080',
      path: '/b/k',
      want: [{ bucket: 'b', key: 'k', style: 'path' }],
    },
    {
      name: 'no Host header → path style',
      path: '/b/k',
      want: [{ bucket: 'b', key: 'k', style: 'path' }],
    },
    {
      name: 'forged OSS Host from an IP endpoint (no sldEnable)',
      host: 'mybucket.oss-cn-hangzhou.aliyuncs.com',
      path: '/dir/a%20b%2Bc.txt',
      want: [{ bucket: 'mybucket', key: 'dir/a b+c.txt', style: 'vhost' }],
    },
    {
      name: 'OSS Host of another region, upper case, with a port',
      host: 'MyBucket.OSS-us-west-1.aliyuncs.com:443',
      path: '/k',
      want: [{ bucket: 'mybucket', key: 'k', style: 'vhost' }],
    },
    {
      name: 'empty label OSS Host = ListBuckets from an IP endpoint',
      host: '.oss-cn-hangzhou.aliyuncs.com',
      path: '/',
      want: [{ bucket: undefined, key: '', style: 'vhost' }],
    },
    {
      name: 'OSS Host bucket level',
      host: 'mybucket.oss-cn-hangzhou.aliyuncs.com',
      path: '/',
      want: [{ bucket: 'mybucket', key: '', style: 'vhost' }],
    },
    {
      name: 'bare region endpoint host is path style',
      host: 'oss-cn-hangzhou.aliyuncs.com',
      path: '/b/k',
      want: [{ bucket: 'b', key: 'k', style: 'path' }],
    },
    {
      name: '<bucket>.localhost:PORT is virtual-hosted',
      host: 'mybucket.localhost:18080',
      path: '/dir/x.txt',
      want: [{ bucket: 'mybucket', key: 'dir/x.txt', style: 'vhost' }],
    },
    {
      name: 'configured vhost domain',
      host: 'mybucket.oss.example.test',
      path: '/k%20k',
      want: [{ bucket: 'mybucket', key: 'k k', style: 'vhost' }],
    },
    {
      name: 'the configured domain itself is path style',
      host: 'oss.example.test:8443',
      path: '/mybucket/k',
      want: [{ bucket: 'mybucket', key: 'k', style: 'path' }],
    },
    {
      name: 'a look-alike domain is not a vhost domain',
      host: 'mybucket.evil-localhost',
      path: '/b/k',
      want: [{ bucket: 'b', key: 'k', style: 'path' }],
    },
    {
      name: 'IP endpoint + sldEnable: both readings, vhost first',
      host: 'mybucket.oss-cn-hangzhou.aliyuncs.com',
      path: '/mybucket/dir/a%20b%2Bc.txt',
      want: [
        { bucket: 'mybucket', key: 'mybucket/dir/a b+c.txt', style: 'vhost' },
        { bucket: 'mybucket', key: 'dir/a b+c.txt', style: 'path' },
      ],
    },
    {
      name: 'IP endpoint + sldEnable bucket level: both readings',
      host: 'mybucket.oss-cn-hangzhou.aliyuncs.com',
      path: '/mybucket/',
      want: [
        { bucket: 'mybucket', key: 'mybucket/', style: 'vhost' },
        { bucket: 'mybucket', key: '', style: 'path' },
      ],
    },
    {
      name: 'vhost path starting with another bucket name: one reading',
      host: 'mybucket.localhost:1',
      path: '/other/k',
      want: [{ bucket: 'mybucket', key: 'other/k', style: 'vhost' }],
    },
    {
      name: 'vhost path that only shares a prefix with the bucket: one reading',
      host: 'mybucket.localhost:1',
      path: '/mybucketx/k',
      want: [{ bucket: 'mybucket', key: 'mybucketx/k', style: 'vhost' }],
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      assert.deepEqual(resolveTargets(t.host, t.path, DOMAINS), t.want);
    });
  }

  it('bad percent-encoding → InvalidObjectName', () => {
    assert.throws(
      () => resolveTargets('localhost:1', '/b/%E4%B8', DOMAINS),
      (e: unknown) => e instanceof OssError && e.code === 'InvalidObjectName' && e.status === 400,
    );
    assert.throws(
      () => resolveTargets('b.localhost:1', '/%zz', DOMAINS),
      (e: unknown) => e instanceof OssError && e.code === 'InvalidObjectName',
    );
  });
});

const bucket: Target = { bucket: 'b', key: '', style: 'path' };
const object: Target = { bucket: 'b', key: 'k', style: 'path' };
const service: Target = { key: '', style: 'path' };

function op(method: string, target: Target, query = '', headers: Record<string, string> = {}): string {
  return resolveOperation(method, target, new URLSearchParams(query), headers);
}

describe('resolveOperation', () => {
  const table: [string, Target, string, Record<string, string>, string][] = [
    ['GET', service, '', {}, 'ListBuckets'],
    ['GET', service, 'prefix=a&max-keys=10', {}, 'ListBuckets'],
    ['OPTIONS', object, '', {}, 'Options'],
    ['OPTIONS', bucket, '', {}, 'Options'],
    ['OPTIONS', service, '', {}, 'Options'],
    ['GET', bucket, '', {}, 'ListObjects'],
    ['GET', bucket, 'prefix=&marker=m&max-keys=5', {}, 'ListObjects'],
    ['GET', bucket, 'list-type=2&continuation-token=x', {}, 'ListObjectsV2'],
    ['GET', bucket, 'list-type=1', {}, 'ListObjects'],
    ['GET', bucket, 'acl', {}, 'GetBucketAcl'],
    ['GET', bucket, 'location', {}, 'GetBucketLocation'],
    ['GET', bucket, 'bucketInfo', {}, 'GetBucketInfo'],
    ['GET', bucket, 'stat', {}, 'GetBucketStat'],
    ['GET', bucket, 'cors', {}, 'GetBucketCors'],
    ['GET', bucket, 'lifecycle', {}, 'GetBucketLifecycle'],
    ['PUT', bucket, 'lifecycle', {}, 'PutBucketLifecycle'],
    ['DELETE', bucket, 'lifecycle', {}, 'DeleteBucketLifecycle'],
    ['GET', bucket, 'encryption', {}, 'GetBucketEncryption'],
    ['GET', bucket, 'requestPayment', {}, 'GetBucketRequestPayment'],
    ['PUT', bucket, 'requestPayment', {}, 'PutBucketRequestPayment'],
    ['PUT', bucket, 'encryption', {}, 'PutBucketEncryption'],
    ['DELETE', bucket, 'encryption', {}, 'DeleteBucketEncryption'],
    ['GET', bucket, 'style', {}, 'ListStyle'],
    ['GET', bucket, 'style&styleName=s', {}, 'GetStyle'],
    ['PUT', bucket, 'style&styleName=s', {}, 'PutStyle'],
    ['DELETE', bucket, 'style&styleName=s', {}, 'DeleteStyle'],
    ['GET', object, 'x-oss-process=image/resize,w_100', {}, 'GetObject'],
    ['POST', object, 'x-oss-process', {}, 'ProcessObjectSave'],
    ['POST', object, 'restore', {}, 'RestoreObject'],
    ['GET', bucket, 'uploads&prefix=p', {}, 'ListMultipartUploads'],
    ['PUT', bucket, '', {}, 'PutBucket'],
    ['PUT', bucket, 'acl', { 'x-oss-acl': 'public-read' }, 'PutBucketAcl'],
    ['PUT', bucket, 'cors', {}, 'PutBucketCors'],
    ['DELETE', bucket, '', {}, 'DeleteBucket'],
    ['DELETE', bucket, 'cors', {}, 'DeleteBucketCors'],
    ...(['Tags', 'Website', 'Logging'] as const).flatMap((name) => {
      const q = name === 'Tags' ? 'tagging' : name.toLowerCase();
      return (['GET', 'PUT', 'DELETE'] as const).map((m): [string, Target, string, Record<string, string>, string] => [
        m,
        bucket,
        q,
        {},
        `${m === 'GET' ? 'Get' : m === 'PUT' ? 'Put' : 'Delete'}Bucket${name}`,
      ]);
    }),
    ['DELETE', bucket, 'tagging=a,b', {}, 'DeleteBucketTags'],
    ['POST', bucket, 'delete', {}, 'DeleteMultipleObjects'],
    ['POST', bucket, '', {}, 'PostObject'],
    ['GET', object, '', {}, 'GetObject'],
    ['GET', object, 'response-content-type=text/html&versionId=v', {}, 'GetObject'],
    ['GET', object, 'acl', {}, 'GetObjectAcl'],
    ['GET', object, 'tagging', {}, 'GetObjectTagging'],
    ['GET', object, 'symlink', {}, 'GetSymlink'],
    ['GET', object, 'uploadId=u&max-parts=10', {}, 'ListParts'],
    ['HEAD', object, '', {}, 'HeadObject'],
    ['HEAD', object, 'objectMeta', {}, 'GetObjectMeta'],
    ['PUT', object, '', {}, 'PutObject'],
    ['PUT', object, '', { 'x-oss-copy-source': '/b/src' }, 'CopyObject'],
    ['PUT', object, 'acl', { 'x-oss-object-acl': 'private' }, 'PutObjectAcl'],
    ['PUT', object, 'tagging', {}, 'PutObjectTagging'],
    ['PUT', object, 'symlink', { 'x-oss-symlink-target': 't' }, 'PutSymlink'],
    ['PUT', object, 'partNumber=1&uploadId=u', {}, 'UploadPart'],
    ['PUT', object, 'partNumber=1&uploadId=u', { 'x-oss-copy-source': '/b/src' }, 'UploadPartCopy'],
    ['POST', object, 'uploads', {}, 'InitiateMultipartUpload'],
    ['POST', object, 'uploadId=u', {}, 'CompleteMultipartUpload'],
    ['POST', object, 'append&position=0', {}, 'AppendObject'],
    ['DELETE', object, '', {}, 'DeleteObject'],
    ['DELETE', object, 'tagging', {}, 'DeleteObjectTagging'],
    ['DELETE', object, 'uploadId=u', {}, 'AbortMultipartUpload'],
    ['get', object, '', {}, 'GetObject'],
  ];
  for (const [method, target, query, headers, want] of table) {
    const where = target.bucket === undefined ? 'service' : target.key ? 'object' : 'bucket';
    it(`${method} ${where}${query ? `?${query}` : ''}${headers['x-oss-copy-source'] ? ' +copy-source' : ''} → ${want}`, () => {
      assert.equal(op(method, target, query, headers), want);
    });
  }

  const notImplemented: [string, Target, string][] = [
    ...['inventory', 'worm', 'replication', 'transferAcceleration', 'metaQuery', 'cname'].map(
      (q): [string, Target, string] => ['GET', bucket, q],
    ),
    ['PUT', bucket, 'stat'],
    ['DELETE', bucket, 'stat'],
    ['GET', object, 'restore'],
    ['POST', object, 'x-oss-async-process'],
  ];
  for (const [method, target, query] of notImplemented) {
    it(`${method} ${target.key ? 'object' : 'bucket'}?${query} → NotImplemented (501)`, () => {
      assert.throws(
        () => op(method, target, query),
        (e: unknown) => e instanceof OssError && e.code === 'NotImplemented' && e.status === 501,
      );
    });
  }

  const notAllowed: [string, Target, string][] = [
    ['PUT', service, 'Service'],
    ['DELETE', service, 'Service'],
    ['POST', service, 'Service'],
    ['HEAD', bucket, 'Bucket'],
    ['PATCH', bucket, 'Bucket'],
    ['PATCH', object, 'Object'],
    ['POST', object, 'Object'],
  ];
  for (const [method, target, resourceType] of notAllowed) {
    it(`${method} ${resourceType} → MethodNotAllowed (405) with Method and ResourceType`, () => {
      assert.throws(
        () => op(method, target),
        (e: unknown) =>
          e instanceof OssError &&
          e.code === 'MethodNotAllowed' &&
          e.status === 405 &&
          e.extra.Method === method &&
          e.extra.ResourceType === resourceType,
      );
    });
  }
});
