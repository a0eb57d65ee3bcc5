import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { crc64 } from '../../src/storage/crc64.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

describe('PutObject / GetObject / HeadObject / DeleteObject with ali-oss', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'objects');
  });
  after(() => server.stop());

  it('round-trips bytes with ETag, CRC64, object type and Last-Modified', async () => {
    const body = Buffer.from('hello ossd\n');
    const put = await client.put('greeting.txt', body);
    assert.equal(put.res.status, 200);
    const md5 = createHash('md5').update(body).digest('hex').toUpperCase();
    assert.equal((put.res.headers as Record<string, string>).etag, `"${md5}"`);
    assert.equal((put.res.headers as Record<string, string>)['x-oss-hash-crc64ecma'], crc64(body));
    const got = await client.get('greeting.txt');
    assert.deepEqual(got.content, body);
    const h = got.res.headers as Record<string, string>;
    assert.equal(h['x-oss-object-type'], 'Normal');
    assert.equal(h['content-type'], 'text/plain');
    assert.match(h['x-oss-request-id'], /^[0-9A-F]{24}$/);
    assert.ok(!Number.isNaN(Date.parse(h['last-modified'])));
  });

  it('keeps keys with spaces, +, %, .., //, Unicode and 1023 bytes exactly', async () => {
    const keys = ['a b+c.txt', '100%/x', 'a..b/..c/d..', 'a//b/', '中文/ключ/😀.bin', `${'k'.repeat(1019)}.bin`];
    for (const key of keys) {
      await client.put(key, Buffer.from(key));
      const got = await client.get(key);
      assert.equal(got.content.toString(), key);
    }
    const listed = (await client.list({ 'max-keys': 1000 }, {})).objects.map((o) => o.name);
    for (const key of keys) assert.ok(listed.includes(key), key);
  });

  it('keeps keys with ../ segments when the client does not normalise the path', async () => {
    // ali-oss sends requests through WHATWG URL parsing, which resolves dot segments, so a raw
    // HTTP request with a presigned path stands in for clients that send the key as is.
    const key = '../../etc/passwd';
    const url = new URL(client.signatureUrl(key, { method: 'PUT', 'Content-Type': 'text/plain' }));
    const rawPath = `/objects/${key.split('/').map(encodeURIComponent).join('/')}${url.search}`;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'PUT',
          path: rawPath,
          headers: { 'content-type': 'text/plain', host: url.host },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('not a password file');
    });
    assert.equal(status, 200);
    const listed = (await client.list({ prefix: '../', 'max-keys': 100 }, {})).objects.map((o) => o.name);
    assert.deepEqual(listed, [key]);
  });

  it('streams a chunked upload (putStream without contentLength)', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(10_000, i));
    await client.putStream('stream.bin', Readable.from(chunks));
    const got = await client.get('stream.bin');
    assert.deepEqual(got.content, Buffer.concat(chunks));
  });

  it('stores metadata and content headers and returns them on HEAD', async () => {
    await client.put('meta.bin', Buffer.from('x'), {
      meta: { author: 'me', n: 1 } as unknown as OSS.UserMeta,
      headers: { 'Cache-Control': 'no-cache', 'Content-Disposition': 'attachment; filename="m.bin"' },
    });
    const h = await client.head('meta.bin');
    assert.deepEqual(h.meta, { author: 'me', n: '1' });
    const headers = h.res.headers as Record<string, string>;
    assert.equal(headers['cache-control'], 'no-cache');
    assert.equal(headers['content-disposition'], 'attachment; filename="m.bin"');
    assert.equal(headers['content-length'], '1');
  });

  it('rejects a wrong Content-MD5 with InvalidDigest and keeps nothing', async () => {
    await assert.rejects(
      client.put('bad-md5.txt', Buffer.from('abc'), {
        headers: { 'Content-MD5': createHash('md5').update('xyz').digest('base64') },
      }),
      (e: { code: string; status: number }) => e.code === 'InvalidDigest' && e.status === 400,
    );
    await assert.rejects(client.head('bad-md5.txt'), (e: { status: number }) => e.status === 404);
  });

  it('honours x-oss-forbid-overwrite with FileAlreadyExists', async () => {
    await client.put('once.txt', Buffer.from('1'));
    await assert.rejects(
      client.put('once.txt', Buffer.from('2'), { headers: { 'x-oss-forbid-overwrite': 'true' } }),
      (e: { code: string; status: number }) => e.code === 'FileAlreadyExists' && e.status === 409,
    );
    assert.equal((await client.get('once.txt')).content.toString(), '1');
  });

  it('serves a single range as 206 and an invalid range as the whole object', async () => {
    await client.put('range.txt', Buffer.from('0123456789'));
    const r = await client.get('range.txt', { headers: { Range: 'bytes=2-5' } });
    assert.equal(r.res.status, 206);
    assert.equal(r.content.toString(), '2345');
    assert.equal((r.res.headers as Record<string, string>)['content-range'], 'bytes 2-5/10');
    const tail = await client.get('range.txt', { headers: { Range: 'bytes=-3' } });
    assert.equal(tail.content.toString(), '789');
    const bad = await client.get('range.txt', { headers: { Range: 'bytes=20-30' } });
    assert.equal(bad.res.status, 200);
    assert.equal(bad.content.toString(), '0123456789');
    await assert.rejects(
      client.get('range.txt', { headers: { Range: 'bytes=20-30', 'x-oss-range-behavior': 'standard' } }),
      (e: { code: string; status: number }) => e.status === 416 && e.code === 'InvalidRange',
    );
  });

  it('answers If-* conditions with 304 and 412', async () => {
    const put = await client.put('cond.txt', Buffer.from('c'));
    const etag = (put.res.headers as Record<string, string>).etag;
    const nm = await client.get('cond.txt', { headers: { 'If-None-Match': etag } });
    assert.equal(nm.res.status, 304);
    await assert.rejects(
      client.get('cond.txt', { headers: { 'If-Match': '"00000000000000000000000000000000"' } }),
      (e: { code: string; status: number }) => e.status === 412 && e.code === 'PreconditionFailed',
    );
    const future = new Date(Date.now() + 3600_000).toUTCString();
    assert.equal((await client.get('cond.txt', { headers: { 'If-Modified-Since': future } })).res.status, 304);
    await assert.rejects(
      client.get('cond.txt', { headers: { 'If-Unmodified-Since': new Date(Date.now() - 3600_000).toUTCString() } }),
      (e: { status: number }) => e.status === 412,
    );
  });

  it('applies response-* overrides from a signed URL', async () => {
    await client.put('dl.txt', Buffer.from('d'));
    const url = client.signatureUrl('dl.txt', {
      response: { 'content-disposition': 'attachment; filename="x.txt"', 'content-type': 'application/x-test' },
    });
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="x.txt"');
    assert.equal(res.headers.get('content-type'), 'application/x-test');
  });

  it('GetObjectMeta returns ETag, size and CRC64', async () => {
    await client.put('m2.txt', Buffer.from('12345'));
    const r = await (client as unknown as { getObjectMeta(n: string): Promise<OSS.HeadObjectResult> }).getObjectMeta(
      'm2.txt',
    );
    const h = r.res.headers as Record<string, string>;
    assert.equal(h['content-length'], '5');
    assert.equal(h['x-oss-hash-crc64ecma'], crc64(Buffer.from('12345')));
    assert.ok(h['x-oss-last-access-time']);
  });

  it('DeleteObject answers 204, also for a missing key; HEAD errors carry x-oss-err', async () => {
    await client.put('gone.txt', Buffer.from('g'));
    assert.equal((await client.delete('gone.txt')).res.status, 204);
    assert.equal((await client.delete('never-existed.txt')).res.status, 204);
    await assert.rejects(
      client.get('gone.txt'),
      (e: { code: string; status: number }) => e.code === 'NoSuchKey' && e.status === 404,
    );
    const res = await fetch(client.signatureUrl('gone.txt', { method: 'HEAD' as 'GET' }), { method: 'HEAD' });
    assert.equal(res.status, 404);
    const xml = Buffer.from(res.headers.get('x-oss-err') ?? '', 'base64').toString();
    assert.match(xml, /<Code>NoSuchKey<\/Code>/);
  });

  it('a missing bucket is NoSuchBucket', async () => {
    const other = server.client({ bucket: 'no-such-bucket' });
    await assert.rejects(
      other.get('x'),
      (e: { code: string; status: number }) => e.code === 'NoSuchBucket' && e.status === 404,
    );
  });
});
