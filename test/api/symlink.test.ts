import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { crc64 } from '../../src/storage/crc64.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

function headersOf(r: { res: OSS.NormalSuccessResponse }): Record<string, string> {
  return r.res.headers as Record<string, string>;
}

describe('PutSymlink / GetSymlink with ali-oss', () => {
  let server: TestServer;
  let client: OSS;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'links');
  });
  after(() => server.stop());

  it('creates a symlink, returns its target and follows it on GET and HEAD', async () => {
    const body = Buffer.from('the real thing');
    await client.put('real.txt', body, { meta: { of: 'target' } as unknown as OSS.UserMeta });
    const put = await client.putSymlink('link.txt', 'real.txt');
    assert.equal(put.res.status, 200);
    const linkEtag = `"${createHash('md5').update('real.txt').digest('hex').toUpperCase()}"`;
    assert.equal(headersOf(put).etag, linkEtag);

    const sl = await client.getSymlink('link.txt');
    assert.equal(sl.res.status, 200);
    assert.equal(sl.targetName, 'real.txt');
    const h = headersOf(sl);
    assert.equal(h['x-oss-symlink-target'], 'real.txt');
    assert.equal(h.etag, linkEtag);
    assert.ok(!Number.isNaN(Date.parse(h['last-modified'])));

    const got = await client.get('link.txt');
    assert.deepEqual(got.content, body);
    assert.equal(headersOf(got)['x-oss-hash-crc64ecma'], crc64(body));
    assert.equal(headersOf(got)['x-oss-symlink-target'], 'real.txt');
    const head = await client.head('link.txt');
    assert.equal(headersOf(head)['content-length'], String(body.length));
    assert.equal(headersOf(head)['x-oss-symlink-target'], 'real.txt');

    // The link follows the target's current bytes.
    await client.put('real.txt', Buffer.from('v2'));
    assert.equal((await client.get('link.txt')).content.toString(), 'v2');
    // Ranges apply to the target.
    const r = await client.get('link.txt', { headers: { Range: 'bytes=1-1' } });
    assert.equal(r.res.status, 206);
    assert.equal(r.content.toString(), '2');
  });

  it("GET and HEAD show the symlink's own metadata and type with the target's length, ETag and body", async () => {
    const body = Buffer.from('fidelity target bytes');
    await client.putSymlink('fid-link', 'fid-target.txt', {
      meta: { of: 'link', only: 'link' } as unknown as OSS.UserMeta,
    });
    // The target is written after the link: Last-Modified is the later of the two.
    await new Promise((r) => setTimeout(r, 1100));
    const put = await client.put('fid-target.txt', body, {
      meta: { of: 'target', shared: 'target' } as unknown as OSS.UserMeta,
      headers: { 'x-oss-storage-class': 'IA' },
    });
    const targetEtag = headersOf(put).etag;
    const targetHead = headersOf(await client.head('fid-target.txt'));

    const head = await client.head('fid-link');
    assert.deepEqual(head.meta, { of: 'link', only: 'link' });
    const h = headersOf(head);
    assert.equal(h['x-oss-object-type'], 'Symlink');
    assert.equal(h['content-length'], String(body.length));
    assert.equal(h.etag, targetEtag);
    assert.equal(h['content-md5'], targetHead['content-md5']);
    assert.equal(h['x-oss-storage-class'], 'IA');
    assert.equal(h['last-modified'], targetHead['last-modified']);
    assert.equal(h['x-oss-symlink-target'], 'fid-target.txt');
    assert.equal(h['x-oss-meta-shared'], undefined);

    const got = await client.get('fid-link');
    assert.deepEqual(got.content, body);
    const g = headersOf(got);
    assert.equal(g['x-oss-object-type'], 'Symlink');
    assert.equal(g['x-oss-meta-of'], 'link');
    assert.equal(g['x-oss-meta-only'], 'link');
    assert.equal(g['x-oss-meta-shared'], undefined);
    assert.equal(g['content-length'], String(body.length));
    assert.equal(g.etag, targetEtag);
    assert.equal(g['x-oss-hash-crc64ecma'], crc64(body));

    // GetSymlink: the symlink's own metadata besides its target.
    const sl = headersOf(await client.getSymlink('fid-link'));
    assert.equal(sl['x-oss-symlink-target'], 'fid-target.txt');
    assert.equal(sl['x-oss-meta-of'], 'link');
    assert.equal(sl['x-oss-meta-only'], 'link');
    assert.equal(sl['x-oss-meta-shared'], undefined);
    assert.equal(sl.etag, `"${createHash('md5').update('fid-target.txt').digest('hex').toUpperCase()}"`);
  });

  it('keeps targets with /, spaces, %, + and Unicode', async () => {
    const target = 'dir/sub dir/50% off+more 中文 😀.txt';
    await client.put(target, Buffer.from('odd'));
    await client.putSymlink('odd-link', target);
    const sl = await client.getSymlink('odd-link');
    assert.equal(sl.targetName, target);
    // Sent URL-encoded with '/' kept, as ali-oss's own putSymlink encodes it.
    assert.equal(headersOf(sl)['x-oss-symlink-target'], encodeURIComponent(target).replace(/%2F/g, '/'));
    assert.equal((await client.get('odd-link')).content.toString(), 'odd');
  });

  it('stores metadata, storage class and content type on the symlink itself', async () => {
    await client.putSymlink('meta-link.html', 'real.txt', {
      meta: { who: 'link' } as unknown as OSS.UserMeta,
      storageClass: 'IA',
    });
    const list = await client.list({ prefix: 'meta-link', 'max-keys': 100 }, {});
    assert.equal(list.objects.length, 1);
    assert.equal(list.objects[0].type, 'Symlink');
    assert.equal(list.objects[0].size, 0);
    assert.equal(list.objects[0].storageClass, 'IA');
    const listed = await client.list({ prefix: 'link.txt', 'max-keys': 100 }, {});
    assert.equal(listed.objects[0].type, 'Symlink');
  });

  it('a symlink to a missing target: GetSymlink works, GET is SymlinkTargetNotExist, HEAD is 404', async () => {
    await client.putSymlink('dangling', 'no/such/object');
    assert.equal((await client.getSymlink('dangling')).targetName, 'no/such/object');
    await rejectsWith(client.get('dangling'), 'SymlinkTargetNotExist', 404);
    // HEAD has no body: ali-oss reports every bodiless 404 as NoSuchKey.
    await rejectsWith(client.head('dangling'), 'NoSuchKey', 404);
    const res = await fetch(client.signatureUrl('dangling', { method: 'HEAD' } as unknown as OSS.SignatureUrlOptions), {
      method: 'HEAD',
    });
    assert.equal(res.status, 404);
    assert.match(Buffer.from(res.headers.get('x-oss-err') ?? '', 'base64').toString(), /SymlinkTargetNotExist/);
  });

  it('a symlink to a symlink is InvalidTargetType on GET', async () => {
    await client.putSymlink('link-to-link', 'link.txt');
    await rejectsWith(client.get('link-to-link'), 'InvalidTargetType', 400);
  });

  it('GetSymlink of a missing key is NoSuchKey, of a normal object NotSymlink', async () => {
    await rejectsWith(client.getSymlink('missing-link'), 'NoSuchKey', 404);
    await client.put('plain.txt', Buffer.from('p'));
    await rejectsWith(client.getSymlink('plain.txt'), 'NotSymlink', 400);
  });

  it('overwriting an object with a symlink releases its bytes; the symlink can be overwritten and deleted', async () => {
    await client.put('was-object', Buffer.alloc(1000, 1));
    await client.putSymlink('was-object', 'real.txt');
    assert.equal((await client.get('was-object')).content.toString(), 'v2');
    await client.putSymlink('was-object', 'plain.txt');
    assert.equal((await client.getSymlink('was-object')).targetName, 'plain.txt');
    await client.put('was-object', Buffer.from('object again'));
    assert.equal((await client.get('was-object')).content.toString(), 'object again');
    await rejectsWith(client.getSymlink('was-object'), 'NotSymlink', 400);
    await client.putSymlink('to-delete', 'real.txt');
    assert.equal((await client.delete('to-delete')).res.status, 204);
    await rejectsWith(client.getSymlink('to-delete'), 'NoSuchKey', 404);
  });

  it('x-oss-forbid-overwrite applies to PutSymlink', async () => {
    await rejectsWith(
      client.putSymlink('plain.txt', 'real.txt', {
        headers: { 'x-oss-forbid-overwrite': 'true' },
      } as OSS.PutSymlinkOptions),
      'FileAlreadyExists',
      409,
    );
    assert.equal((await client.get('plain.txt')).content.toString(), 'p');
  });

  it('a PutSymlink without a target header is InvalidArgument', async () => {
    const url = client.signatureUrl('no-target', {
      method: 'PUT',
      subResource: { symlink: '' },
    } as OSS.SignatureUrlOptions);
    const res = await fetch(url, { method: 'PUT' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /<Code>InvalidArgument<\/Code>/);
  });
});
