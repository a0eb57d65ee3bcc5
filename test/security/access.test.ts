/**
 * Nobody in: every operation on a private bucket is refused without credentials, with a wrong
 * signature, with an unknown key, with another account's key, with an expired presigned URL and with
 * a V4 signature replayed outside its window.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { canonicalResourceV1, stringToSignV1 } from '../../src/auth/signature-v1.js';
import { signatureV1 } from '../helpers/sign-v1.js';
import { ossClient, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const OTHER_ID = 'otherAccountKey01';
const OTHER_SECRET = 'otherAccountSecret0000000001';

/** [method, path+query] of every operation, on bucket `vault` and key `k.txt`. */
const OPERATIONS: [string, string, string][] = [
  ['ListObjects', 'GET', '/vault/'],
  ['ListObjectsV2', 'GET', '/vault/?list-type=2'],
  ['GetBucketInfo', 'GET', '/vault/?bucketInfo'],
  ['GetBucketLocation', 'GET', '/vault/?location'],
  ['GetBucketAcl', 'GET', '/vault/?acl'],
  ['PutBucketAcl', 'PUT', '/vault/?acl'],
  ['DeleteBucket', 'DELETE', '/vault/'],
  ['DeleteMultipleObjects', 'POST', '/vault/?delete'],
  ['ListMultipartUploads', 'GET', '/vault/?uploads'],
  ['GetBucketCors', 'GET', '/vault/?cors'],
  ['GetBucketLifecycle', 'GET', '/vault/?lifecycle'],
  ['PutBucketLifecycle', 'PUT', '/vault/?lifecycle'],
  ['DeleteBucketLifecycle', 'DELETE', '/vault/?lifecycle'],
  ['GetBucketEncryption', 'GET', '/vault/?encryption'],
  ['GetBucketRequestPayment', 'GET', '/vault/?requestPayment'],
  ['PutBucketRequestPayment', 'PUT', '/vault/?requestPayment'],
  ['PutBucketEncryption', 'PUT', '/vault/?encryption'],
  ['DeleteBucketEncryption', 'DELETE', '/vault/?encryption'],
  ['PutObject', 'PUT', '/vault/k.txt'],
  ['GetObject', 'GET', '/vault/k.txt'],
  ['HeadObject', 'HEAD', '/vault/k.txt'],
  ['GetObjectMeta', 'HEAD', '/vault/k.txt?objectMeta'],
  ['DeleteObject', 'DELETE', '/vault/k.txt'],
  ['CopyObject', 'PUT', '/vault/copy.txt'],
  ['AppendObject', 'POST', '/vault/app.txt?append&position=0'],
  ['GetObjectAcl', 'GET', '/vault/k.txt?acl'],
  ['PutObjectAcl', 'PUT', '/vault/k.txt?acl'],
  ['GetObjectTagging', 'GET', '/vault/k.txt?tagging'],
  ['PutObjectTagging', 'PUT', '/vault/k.txt?tagging'],
  ['DeleteObjectTagging', 'DELETE', '/vault/k.txt?tagging'],
  ['PutSymlink', 'PUT', '/vault/link?symlink'],
  ['GetSymlink', 'GET', '/vault/link?symlink'],
  ['InitiateMultipartUpload', 'POST', '/vault/mp.bin?uploads'],
  ['ListParts', 'GET', '/vault/mp.bin?uploadId=abc'],
  ['AbortMultipartUpload', 'DELETE', '/vault/mp.bin?uploadId=abc'],
];

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: { host: `localhost:${port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let xml = Buffer.concat(chunks).toString();
          if (!xml && res.headers['x-oss-err'])
            xml = Buffer.from(String(res.headers['x-oss-err']), 'base64').toString();
          resolve({ status: res.statusCode ?? 0, code: /<Code>(\w+)<\/Code>/.exec(xml)?.[1] ?? '' });
        });
      },
    );
    req.on('error', reject);
    req.end(method === 'PUT' || method === 'POST' ? 'body' : undefined);
  });
}

describe('access control on every operation', () => {
  let server: TestServer;
  let owner: OSS;
  before(async () => {
    server = await startTestServer();
    owner = await withBucket(server, 'vault');
    await owner.put('k.txt', Buffer.from('secret'));
    await server.services.meta.ensureAccount('2000000000000002', 'other');
    await server.services.meta.putAccessKey({
      id: OTHER_ID,
      secret: OTHER_SECRET,
      accountId: '2000000000000002',
      createdAt: Date.now(),
    });
  });
  after(() => server.stop());

  for (const [op, method, path] of OPERATIONS) {
    it(`${op}: anonymous, wrong signature, unknown key and another account are all refused`, async () => {
      const headers: Record<string, string> =
        method === 'PUT' && op === 'CopyObject' ? { 'x-oss-copy-source': '/vault/k.txt' } : {};
      const anon = await send(server.port, method, path, headers);
      assert.equal(anon.status, 403, `${op} anonymous`);
      assert.equal(anon.code, 'AccessDenied', `${op} anonymous`);

      const signed = signatureV1(method, path, headers);
      const wrong = { ...signed, authorization: signed.authorization.replace(/:.+$/, ':AAAAAAAAAAAAAAAAAAAAAAAAAAA=') };
      const bad = await send(server.port, method, path, wrong);
      assert.equal(bad.status, 403, `${op} wrong signature`);
      assert.equal(bad.code, 'SignatureDoesNotMatch', `${op} wrong signature`);

      const unknown = await send(server.port, method, path, signatureV1(method, path, headers, 'noSuchKeyId', 'x'));
      assert.equal(unknown.status, 403, `${op} unknown key`);
      assert.equal(unknown.code, 'InvalidAccessKeyId', `${op} unknown key`);

      const other = await send(server.port, method, path, signatureV1(method, path, headers, OTHER_ID, OTHER_SECRET));
      assert.equal(other.status, 403, `${op} other account`);
      assert.equal(other.code, 'AccessDenied', `${op} other account`);
    });
  }

  it('the owner still has the object after all that', async () => {
    assert.equal((await owner.get('k.txt')).content.toString(), 'secret');
  });

  it('refuses expired presigned URLs (V1 and V4)', async () => {
    const v1 = new URL(owner.signatureUrl('k.txt', { expires: 60 }));
    v1.searchParams.set('Expires', String(Math.floor(Date.now() / 1000) - 10));
    // Re-sign with the past expiry so only the expiry is wrong.
    const sts = stringToSignV1('GET', {}, v1.searchParams.get('Expires')!, canonicalResourceV1('vault', 'k.txt', []));
    v1.searchParams.set('Signature', createHmac('sha1', server.root.accessKeySecret).update(sts).digest('base64'));
    const r1 = await fetch(v1);
    assert.equal(r1.status, 403);
    assert.match(await r1.text(), /<Code>AccessDenied<\/Code>[\s\S]*expired/i);

    const c4 = ossClient({
      endpoint: server.endpoint,
      sldEnable: true,
      accessKeyId: server.root.accessKeyId,
      accessKeySecret: server.root.accessKeySecret,
      bucket: 'vault',
      authorizationV4: true,
    });
    const signer = c4 as unknown as { signatureUrlV4(m: string, e: number, r: unknown, k: string): Promise<string> };
    // 4 s of validity: a loaded machine still fetches it in time (x-oss-date has whole seconds).
    const v4 = await signer.signatureUrlV4('GET', 4, {}, 'k.txt');
    assert.equal((await fetch(v4)).status, 200);
    await new Promise((r) => setTimeout(r, 5100));
    const r4 = await fetch(v4);
    assert.equal(r4.status, 403);
    assert.match(await r4.text(), /<Code>AccessDenied<\/Code>/);
  });

  it('refuses a V4 header signature replayed outside the 15-minute window', async () => {
    const skewed = ossClient({
      endpoint: server.endpoint,
      sldEnable: true,
      accessKeyId: server.root.accessKeyId,
      accessKeySecret: server.root.accessKeySecret,
      bucket: 'vault',
      authorizationV4: true,
      amendTimeSkewed: -16 * 60 * 1000,
    });
    await assert.rejects(
      skewed.get('k.txt'),
      (e: { code: string; status: number }) => e.code === 'RequestTimeTooSkewed' && e.status === 403,
    );
  });
});
