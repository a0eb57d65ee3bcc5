import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { rejectsWith } from '../helpers/oss-assert.js';
import { signatureV1 } from '../helpers/sign-v1.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const BUCKET = 'parity';

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: { host: `localhost:${port}`, ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function xmlText(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

interface ClientError {
  name: string;
  status: number;
  message: string;
}

describe('OSS parity: behaviours where clients depend on OSS exactly', () => {
  let server: TestServer;
  let client: OSS;
  let srcEtag: string;
  let srcDate: string;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, BUCKET);
    const put = await client.put('src.txt', Buffer.from('copy source'));
    srcEtag = (put.res.headers as Record<string, string>).etag;
    srcDate = (put.res.headers as Record<string, string>).date;
  });
  after(() => server.stop());

  describe('ListObjectsV2 with an empty continuation-token (as Python oss2 sends on the first page)', () => {
    it('lists from the start, like no token', async () => {
      // ali-oss drops an empty token, so the request is signed by hand.
      const path = `/${BUCKET}/?list-type=2&continuation-token=`;
      const r = await send(server.port, 'GET', path, signatureV1('GET', `/${BUCKET}/?continuation-token=`, {}));
      assert.equal(r.status, 200, r.text);
      assert.equal(xmlText(r.text, 'Key'), 'src.txt');
      assert.equal(xmlText(r.text, 'KeyCount'), '1');
    });
  });

  describe('CopyObject with plain If-* headers (ali-oss copy() sends them with their x-oss-copy-source- twins)', () => {
    it('If-Match not matching the source: 412 naming If-Match', async () => {
      await assert.rejects(
        client.copy('dst-if-match.txt', 'src.txt', { headers: { 'If-Match': 'foo-bar' } }),
        (err: ClientError) => {
          assert.equal(err.name, 'PreconditionFailedError');
          assert.equal(
            err.message,
            'At least one of the pre-conditions you specified did not hold. (condition: If-Match)',
          );
          assert.equal(err.status, 412);
          return true;
        },
      );
      const ok = await client.copy('dst-if-match.txt', 'src.txt', { headers: { 'If-Match': srcEtag } });
      assert.equal(ok.res.status, 200);
    });

    it('If-None-Match equal to the source ETag: 304; different: copied', async () => {
      const same = await client.copy('dst-inm.txt', 'src.txt', { headers: { 'If-None-Match': srcEtag } });
      assert.equal(same.res.status, 304);
      const other = await client.copy('dst-inm.txt', 'src.txt', { headers: { 'If-None-Match': 'foo-bar' } });
      assert.equal(other.res.status, 200);
    });

    it('If-Modified-Since / If-Unmodified-Since against the source time; 412 names If-Unmodified-Since', async () => {
      const lastYear = new Date(Date.parse(srcDate) - 366 * 86400_000).toUTCString();
      const nextYear = new Date(Date.parse(srcDate) + 366 * 86400_000).toUTCString();
      assert.equal(
        (await client.copy('dst-ims.txt', 'src.txt', { headers: { 'If-Modified-Since': nextYear } })).res.status,
        304,
      );
      assert.equal(
        (await client.copy('dst-ims.txt', 'src.txt', { headers: { 'If-Modified-Since': lastYear } })).res.status,
        200,
      );
      assert.equal(
        (await client.copy('dst-ius.txt', 'src.txt', { headers: { 'If-Unmodified-Since': srcDate } })).res.status,
        200,
      );
      await assert.rejects(
        client.copy('dst-ius.txt', 'src.txt', { headers: { 'If-Unmodified-Since': lastYear } }),
        (err: ClientError) => {
          assert.equal(
            err.message,
            'At least one of the pre-conditions you specified did not hold. (condition: If-Unmodified-Since)',
          );
          assert.equal(err.status, 412);
          return true;
        },
      );
    });

    it('a plain If-Match alone (no x-oss-copy-source- twin, as other SDKs send it) applies to the source', async () => {
      const headers = signatureV1('PUT', `/${BUCKET}/dst-raw.txt`, {
        'x-oss-copy-source': `/${BUCKET}/src.txt`,
        'if-match': '"0123456789ABCDEF0123456789ABCDEF"',
      });
      const r = await send(server.port, 'PUT', `/${BUCKET}/dst-raw.txt`, headers);
      assert.equal(r.status, 412, r.text);
      assert.equal(xmlText(r.text, 'Condition'), 'If-Match');
      await rejectsWith(client.head('dst-raw.txt'), 'NoSuchKey', 404);
    });
  });

  describe('PutBucketACL on a missing bucket', () => {
    it('creates the bucket with that ACL and answers Location: /<bucket>', async () => {
      const name = 'acl-created';
      // @types/ali-oss types the answer poorly: ali-oss returns { bucket, res } (bucket read from Location).
      const r = (await client.putBucketACL(name, 'public-read')) as unknown as {
        bucket: string | null;
        res: OSS.NormalSuccessResponse;
      };
      assert.equal(r.res.status, 200);
      assert.equal((r.res.headers as Record<string, string>).location, `/${name}`);
      assert.equal(r.bucket, name);
      const acl = await client.getBucketACL(name);
      assert.equal(acl.acl, 'public-read');
      const info = await client.getBucketInfo(name);
      assert.equal((info.bucket as { Name: string }).Name, name);
    });

    it('refuses an anonymous caller (AccessDenied) and creates nothing', async () => {
      const r = await send(server.port, 'PUT', '/acl-anon/?acl', { 'x-oss-acl': 'public-read-write' });
      assert.equal(r.status, 403, r.text);
      assert.equal(xmlText(r.text, 'Code'), 'AccessDenied');
      assert.equal(await server.services.meta.getBucket('acl-anon'), undefined);
    });

    it('refuses a name PutBucket would refuse (InvalidBucketName)', async () => {
      const headers = signatureV1('PUT', '/bad_name/?acl', { 'x-oss-acl': 'private' });
      const r = await send(server.port, 'PUT', '/bad_name/?acl', headers);
      assert.equal(r.status, 400, r.text);
      assert.equal(xmlText(r.text, 'Code'), 'InvalidBucketName');
    });
  });

  describe('PutBucketACL on an existing bucket', () => {
    it('answers Location: /<bucket> as well, which ali-oss returns as `bucket`', async () => {
      const r = (await client.putBucketACL(BUCKET, 'public-read-write')) as unknown as {
        bucket: string | null;
        res: OSS.NormalSuccessResponse;
      };
      assert.equal(r.res.status, 200);
      assert.equal((r.res.headers as Record<string, string>).location, `/${BUCKET}`);
      assert.equal(r.bucket, BUCKET);
      assert.equal((await client.getBucketACL(BUCKET)).acl, 'public-read-write');
      await client.putBucketACL(BUCKET, 'private');
    });
  });

  describe('RestoreObject', () => {
    it('a Standard or IA object: 400 OperationNotSupported', async () => {
      await client.put('restore/standard.txt', Buffer.from('not archived'));
      await rejectsWith(client.restore('restore/standard.txt'), 'OperationNotSupported', 400);
      await client.put('restore/ia.txt', Buffer.from('ia'), { headers: { 'x-oss-storage-class': 'IA' } });
      await rejectsWith(client.restore('restore/ia.txt'), 'OperationNotSupported', 400);
    });

    it('a missing object: 404 NoSuchKey; an archived one: 501 NotImplemented', async () => {
      await rejectsWith(client.restore('restore/missing.txt'), 'NoSuchKey', 404);
      await client.put('restore/archive.txt', Buffer.from('cold'), { headers: { 'x-oss-storage-class': 'Archive' } });
      await rejectsWith(client.restore('restore/archive.txt'), 'NotImplemented', 501);
    });
  });

  describe('GetBucketCors without a configuration', () => {
    it('answers NoSuchCORSConfiguration with OSS message "The CORS Configuration does not exist."', async () => {
      await assert.rejects(client.getBucketCORS(BUCKET), (err: ClientError & { code: string }) => {
        assert.equal(err.code, 'NoSuchCORSConfiguration');
        assert.equal(err.status, 404);
        assert.equal(err.message, 'The CORS Configuration does not exist.');
        return true;
      });
    });
  });
});
