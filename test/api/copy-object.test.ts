import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { parseCopySource } from '../../src/api/object/copy-source.js';
import { randomKeyId, randomSecret } from '../../src/main.js';
import { crc64 } from '../../src/storage/crc64.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const OTHER_ACCOUNT_ID = '2000000000000002';

function md5Etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
}

function meta(m: Record<string, string>): OSS.UserMeta {
  return m as unknown as OSS.UserMeta;
}

function headersOf(r: { res: OSS.NormalSuccessResponse }): Record<string, string> {
  return r.res.headers as Record<string, string>;
}

/** Every regular file under the data directory, for blob-leak checks. */
function countFiles(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    n += statSync(p).isDirectory() ? countFiles(p) : 1;
  }
  return n;
}

interface TaggingClient {
  putObjectTagging(name: string, tag: Record<string, string>): Promise<{ status: number }>;
  getObjectTagging(name: string): Promise<{ status: number; tag: Record<string, string> }>;
}

describe('parseCopySource', () => {
  it('decodes bucket, key and versionId', () => {
    assert.deepEqual(parseCopySource('/b-1/dir%2Fa%20b%2Bc%25.txt'), { bucket: 'b-1', key: 'dir/a b+c%.txt' });
    assert.deepEqual(parseCopySource('/b-1/a/b.txt?versionId=null'), {
      bucket: 'b-1',
      key: 'a/b.txt',
      versionId: 'null',
    });
    // The Go SDK's QueryEscape sends a space as '+'.
    assert.equal(parseCopySource('/b-1/a+b').key, 'a b');
    assert.equal(parseCopySource('b-1/%E4%B8%AD.txt').key, '中.txt');
  });

  it('refuses a source without a key or with bad encoding', () => {
    for (const bad of ['', '/', '/b-1', '/b-1/', '/b-1/%zz']) {
      assert.throws(
        () => parseCopySource(bad),
        (e: { code: string; status: number }) => e.code === 'InvalidArgument' && e.status === 400,
        bad,
      );
    }
    assert.throws(
      () => parseCopySource('/B!/k'),
      (e: { code: string }) => e.code === 'InvalidBucketName',
    );
  });
});

describe('CopyObject with ali-oss', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'copy-src');
  });
  after(() => server.stop());

  it('copies bytes, MD5 ETag, CRC64, metadata, content headers and tags (COPY is the default)', async () => {
    const body = Buffer.from('copy me, please\n'.repeat(1000));
    await client.put('orig.txt', body, {
      meta: meta({ author: 'alice' }),
      headers: {
        'Content-Type': 'text/x-custom',
        'Cache-Control': 'max-age=60',
        'Content-Disposition': 'attachment; filename="o.txt"',
        'x-oss-tagging': 'team=storage&env=test',
      },
    });
    const r = await client.copy('copied.bin', 'orig.txt');
    assert.equal(r.res.status, 200);
    assert.equal(r.data.etag, md5Etag(body));
    assert.equal(headersOf(r).etag, md5Etag(body));
    assert.equal(headersOf(r)['x-oss-hash-crc64ecma'], crc64(body));
    assert.match(r.data.lastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const got = await client.get('copied.bin');
    assert.deepEqual(got.content, body);
    const h = headersOf(got);
    assert.equal(h.etag, md5Etag(body));
    assert.equal(h['x-oss-hash-crc64ecma'], crc64(body));
    assert.equal(h['x-oss-object-type'], 'Normal');
    assert.equal(h['content-md5'], createHash('md5').update(body).digest('base64'));
    // COPY ignores the Content-Type ali-oss derives from the destination's extension.
    assert.equal(h['content-type'], 'text/x-custom');
    assert.equal(h['cache-control'], 'max-age=60');
    assert.equal(h['content-disposition'], 'attachment; filename="o.txt"');
    assert.equal(h['x-oss-meta-author'], 'alice');
    assert.equal(h['x-oss-tagging-count'], '2');
    const tags = await (client as unknown as TaggingClient).getObjectTagging('copied.bin');
    assert.deepEqual(tags.tag, { team: 'storage', env: 'test' });
  });

  it('makes an independent copy: deleting or overwriting the source leaves it intact', async () => {
    const body = Buffer.from('independent');
    await client.put('indep-src', body);
    await client.copy('indep-a', 'indep-src');
    await client.copy('indep-b', 'indep-src');
    await client.delete('indep-src');
    assert.deepEqual((await client.get('indep-a')).content, body);
    await client.put('indep-a', Buffer.from('overwritten'));
    assert.deepEqual((await client.get('indep-b')).content, body);
    assert.equal((await client.get('indep-a')).content.toString(), 'overwritten');
  });

  it('copies an empty object', async () => {
    await client.put('empty-src', Buffer.alloc(0));
    const r = await client.copy('empty-dst', 'empty-src');
    assert.equal(r.data.etag, md5Etag(Buffer.alloc(0)));
    const got = await client.get('empty-dst');
    assert.equal(got.content.length, 0);
    assert.equal(headersOf(got)['x-oss-hash-crc64ecma'], '0');
  });

  it('REPLACE (meta given) uses only the request metadata and content headers', async () => {
    await client.put('rep-src.txt', Buffer.from('r'), {
      meta: meta({ old: '1' }),
      headers: { 'Cache-Control': 'no-cache', 'Content-Type': 'text/x-old' },
    });
    await client.copy('rep-dst.json', 'rep-src.txt', { meta: meta({ fresh: 'yes' }) });
    const h = await client.head('rep-dst.json');
    assert.deepEqual(h.meta, { fresh: 'yes' });
    const headers = headersOf(h);
    assert.equal(headers['cache-control'], undefined);
    // ali-oss sends the Content-Type of the destination's extension.
    assert.equal(headers['content-type'], 'application/json');

    // A content header alone also turns on REPLACE in ali-oss.
    await client.copy('rep-dst2.txt', 'rep-src.txt', { headers: { 'Content-Disposition': 'inline' } });
    const h2 = await client.head('rep-dst2.txt');
    assert.deepEqual(
      Object.keys(headersOf(h2)).filter((k) => k.startsWith('x-oss-meta-')),
      [],
    );
    assert.equal(headersOf(h2)['content-disposition'], 'inline');
  });

  it('putMeta (copy onto itself with REPLACE) replaces metadata and keeps the bytes and blobs', async () => {
    const body = Buffer.alloc(300_000, 7);
    await client.put('self.bin', body, { meta: meta({ a: '1', b: '2' }) });
    const before = await client.head('self.bin');
    const filesBefore = countFiles(server.dataDir);
    await new Promise((r) => setTimeout(r, 1100));
    const r = await client.putMeta('self.bin', meta({ c: '3' }), {} as OSS.RequestOptions);
    assert.equal(r.res.status, 200);
    assert.equal(r.data.etag, md5Etag(body));
    const after = await client.head('self.bin');
    assert.deepEqual(after.meta, { c: '3' });
    assert.notEqual(headersOf(after)['last-modified'], headersOf(before)['last-modified']);
    const got = await client.get('self.bin');
    assert.deepEqual(got.content, body);
    assert.equal(headersOf(got).etag, md5Etag(body));
    assert.equal(headersOf(got)['x-oss-hash-crc64ecma'], crc64(body));
    // A metadata-only rewrite stores no new bytes.
    assert.equal(countFiles(server.dataDir), filesBefore);
    // The object still owns its blob: a later overwrite and delete work normally.
    await client.putMeta('self.bin', meta({ d: '4' }), {} as OSS.RequestOptions);
    assert.deepEqual((await client.get('self.bin')).content, body);
    await client.put('self.bin', Buffer.from('new'));
    assert.equal((await client.get('self.bin')).content.toString(), 'new');
  });

  it('copies racing with overwrites of the source never lose or mix bytes', async () => {
    const versions = Array.from({ length: 12 }, (_, i) => Buffer.alloc(50_000 + i, i + 1));
    await client.put('race.bin', versions[0]);
    for (let i = 1; i < versions.length; i++) {
      await Promise.all([
        client.put('race.bin', versions[i]),
        client.putMeta('race.bin', meta({ round: String(i) }), {} as OSS.RequestOptions),
        client.copy(`race-copy-${i}.bin`, 'race.bin'),
      ]);
      for (const key of ['race.bin', `race-copy-${i}.bin`]) {
        const got = await client.get(key);
        assert.ok(
          got.content.equals(versions[i]) || got.content.equals(versions[i - 1]),
          `${key} round ${i}: unexpected bytes`,
        );
        assert.equal(headersOf(got).etag, md5Etag(got.content), key);
      }
    }
  });

  it('self-copy with the COPY directive keeps metadata and bytes', async () => {
    await client.put('self-copy.txt', Buffer.from('keep'), { meta: meta({ k: 'v' }) });
    await client.copy('self-copy.txt', 'self-copy.txt');
    const got = await client.get('self-copy.txt');
    assert.equal(got.content.toString(), 'keep');
    assert.equal(headersOf(got)['x-oss-meta-k'], 'v');
  });

  it('x-oss-tagging-directive Replace takes x-oss-tagging; Copy keeps the source tags', async () => {
    await client.put('tag-src', Buffer.from('t'), { headers: { 'x-oss-tagging': 'a=1' } });
    const tagging = client as unknown as TaggingClient;
    await client.copy('tag-replaced', 'tag-src', {
      headers: { 'x-oss-tagging-directive': 'Replace', 'x-oss-tagging': 'b=2&c=3' },
    });
    assert.deepEqual((await tagging.getObjectTagging('tag-replaced')).tag, { b: '2', c: '3' });
    await client.copy('tag-replaced-empty', 'tag-src', { headers: { 'x-oss-tagging-directive': 'REPLACE' } });
    assert.deepEqual((await tagging.getObjectTagging('tag-replaced-empty')).tag, {});
    await client.copy('tag-copied', 'tag-src', { headers: { 'x-oss-tagging-directive': 'Copy' } });
    assert.deepEqual((await tagging.getObjectTagging('tag-copied')).tag, { a: '1' });
    await rejectsWith(
      client.copy('tag-bad', 'tag-src', { headers: { 'x-oss-tagging-directive': 'MERGE' } }),
      'InvalidArgument',
      400,
    );
    await rejectsWith(
      client.copy('tag-bad', 'tag-src', { headers: { 'x-oss-metadata-directive': 'MERGE' } }),
      'InvalidArgument',
      400,
    );
  });

  it('honours x-oss-copy-source-if-* (ali-oss mirrors If-* headers): 412 and 304', async () => {
    const put = await client.put('cond-src', Buffer.from('cond'));
    const etag = headersOf(put).etag;
    const wrong = '"00000000000000000000000000000000"';
    await rejectsWith(
      client.copy('cond-dst', 'cond-src', { headers: { 'If-Match': wrong } }),
      'PreconditionFailed',
      412,
    );
    const past = new Date(Date.now() - 3600_000).toUTCString();
    const future = new Date(Date.now() + 3600_000).toUTCString();
    await rejectsWith(
      client.copy('cond-dst', 'cond-src', { headers: { 'If-Unmodified-Since': past } }),
      'PreconditionFailed',
      412,
    );
    const nm = await client.copy('cond-dst', 'cond-src', { headers: { 'If-None-Match': etag } });
    assert.equal(nm.res.status, 304);
    const ims = await client.copy('cond-dst', 'cond-src', { headers: { 'If-Modified-Since': future } });
    assert.equal(ims.res.status, 304);
    await rejectsWith(client.head('cond-dst'), 'NoSuchKey', 404);

    const ok = await client.copy('cond-dst', 'cond-src', {
      headers: { 'If-Match': etag, 'If-None-Match': wrong, 'If-Modified-Since': past, 'If-Unmodified-Since': future },
    });
    assert.equal(ok.res.status, 200);
    assert.equal((await client.get('cond-dst')).content.toString(), 'cond');
  });

  it('a missing source is NoSuchKey; a missing source bucket is NoSuchBucket', async () => {
    await rejectsWith(client.copy('x', 'does-not-exist'), 'NoSuchKey', 404);
    await rejectsWith(client.copy('x', 'k', 'no-such-src-bucket'), 'NoSuchBucket', 404);
    await rejectsWith(client.head('x'), 'NoSuchKey', 404);
  });

  it('x-oss-forbid-overwrite refuses an existing destination with FileAlreadyExists', async () => {
    await client.put('fo-src', Buffer.from('src'));
    await client.put('fo-dst', Buffer.from('dst'));
    await rejectsWith(
      client.copy('fo-dst', 'fo-src', { headers: { 'x-oss-forbid-overwrite': 'true' } }),
      'FileAlreadyExists',
      409,
    );
    assert.equal((await client.get('fo-dst')).content.toString(), 'dst');
    // putMeta passes no headers through, so a self-copy with REPLACE stands in for it.
    await rejectsWith(
      client.copy('fo-src', 'fo-src', { meta: meta({ m: '1' }), headers: { 'x-oss-forbid-overwrite': 'true' } }),
      'FileAlreadyExists',
      409,
    );
    assert.equal((await client.head('fo-src')).meta, null);
    const r = await client.copy('fo-new', 'fo-src', { headers: { 'x-oss-forbid-overwrite': 'true' } });
    assert.equal(r.res.status, 200);
    assert.equal((await client.get('fo-new')).content.toString(), 'src');
  });

  it('copies keys with /, spaces, +, % and Unicode (sent as %2F etc.)', async () => {
    const key = 'dir/sub dir/a+b%c 中文 😀.txt';
    await client.put(key, Buffer.from('odd key'));
    await client.copy('odd/copy 中.txt', key);
    assert.equal((await client.get('odd/copy 中.txt')).content.toString(), 'odd key');
    // The '/bucket/key' form of the source name.
    await client.copy('odd/copy2.txt', `/copy-src/${key}`);
    assert.equal((await client.get('odd/copy2.txt')).content.toString(), 'odd key');
  });

  it('accepts versionId=null (the only version) and refuses other versions', async () => {
    await client.put('ver-src', Buffer.from('v'));
    const copyWithVersion = (dst: string, versionId: string) =>
      client.copy(dst, 'ver-src', { versionId } as OSS.CopyObjectOptions);
    assert.equal((await copyWithVersion('ver-dst', 'null')).res.status, 200);
    await rejectsWith(copyWithVersion('ver-dst2', 'CAEQNRiBgMClj7qD0BYiIDQ5'), 'NoSuchVersion', 404);
  });

  it('copying a symlink copies the symlink, not the target bytes', async () => {
    await client.put('sl-target', Buffer.from('target bytes'));
    await client.putSymlink('sl-link', 'sl-target');
    await client.copy('sl-link-copy', 'sl-link');
    const link = await client.getSymlink('sl-link-copy');
    assert.equal(link.targetName, 'sl-target');
    const h = await client.head('sl-link-copy');
    assert.equal(headersOf(h)['x-oss-symlink-target'], 'sl-target');
    assert.equal((await client.get('sl-link-copy')).content.toString(), 'target bytes');
    await client.put('sl-target', Buffer.from('changed'));
    assert.equal((await client.get('sl-link-copy')).content.toString(), 'changed');
  });

  it('copies across buckets of the same owner', async () => {
    const dst = await withBucket(server, 'copy-dst');
    const body = Buffer.from('cross bucket');
    await client.put('cross.txt', body, { meta: meta({ x: 'y' }) });
    const r = await dst.copy('in-dst.txt', 'cross.txt', 'copy-src');
    assert.equal(r.data.etag, md5Etag(body));
    const got = await dst.get('in-dst.txt');
    assert.deepEqual(got.content, body);
    assert.equal(headersOf(got)['x-oss-meta-x'], 'y');
  });

  it('checks the caller may read the source: another account needs a public source', async () => {
    await server.services.meta.ensureAccount(OTHER_ACCOUNT_ID, 'other');
    const id = randomKeyId();
    const secret = randomSecret();
    await server.services.meta.putAccessKey({ id, secret, accountId: OTHER_ACCOUNT_ID, createdAt: Date.now() });
    const other = server.client({ accessKeyId: id, accessKeySecret: secret, bucket: 'other-owned' });
    await other.putBucket('other-owned');

    await client.put('private.txt', Buffer.from('secret'));
    await rejectsWith(other.copy('stolen.txt', 'private.txt', 'copy-src'), 'AccessDenied', 403);
    // A missing key in a private bucket is AccessDenied too, so keys are not revealed.
    await rejectsWith(other.copy('stolen.txt', 'missing.txt', 'copy-src'), 'AccessDenied', 403);
    await rejectsWith(other.head('stolen.txt'), 'NoSuchKey', 404);

    await client.putACL('private.txt', 'public-read');
    await other.copy('allowed.txt', 'private.txt', 'copy-src');
    assert.equal((await other.get('allowed.txt')).content.toString(), 'secret');

    // The destination is still governed by the pipeline: writing into someone else's private bucket fails.
    const otherInRoot = server.client({ accessKeyId: id, accessKeySecret: secret, bucket: 'copy-src' });
    await rejectsWith(otherInRoot.copy('into-root.txt', '/other-owned/allowed.txt'), 'AccessDenied', 403);
  });
});
