import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { ROOT_ACCOUNT_ID, randomKeyId, randomSecret } from '../../src/main.js';
import { rejectsWith } from '../helpers/oss-assert.js';
import { startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

const OTHER_ACCOUNT_ID = '2000000000000002';

const denied = (p: Promise<unknown>) => rejectsWith(p, 'AccessDenied', 403);

/** What ali-oss's getACL/getBucketACL really return (@types/ali-oss omits owner). */
interface AclResult {
  acl: string;
  owner: { id: string; displayName: string };
  res: OSS.NormalSuccessResponse;
}

describe('accounts, bucket ACLs and object ACLs', () => {
  let server: TestServer;
  let base: string;
  let owner: OSS;
  let other: OSS;

  /** Owner-side setup: a bucket with the given ACL holding `obj.txt`. */
  async function bucketWith(name: string, acl: OSS.ACLType): Promise<OSS> {
    const c = await withBucket(server, name);
    await c.putBucketACL(name, acl);
    await c.put('obj.txt', Buffer.from(`content of ${name}`));
    return c;
  }

  const asOther = (bucket: string) => {
    other.useBucket(bucket);
    return other;
  };

  /** An anonymous request: plain fetch, no signature. */
  async function anon(
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; code?: string; text: string; headers: Headers }> {
    const res = await fetch(`${base}${path}`, { method, body });
    const text = await res.text();
    let code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const err = res.headers.get('x-oss-err');
    if (!code && err) code = /<Code>([^<]*)<\/Code>/.exec(Buffer.from(err, 'base64').toString('utf8'))?.[1];
    return { status: res.status, code, text, headers: res.headers };
  }

  before(async () => {
    server = await startTestServer();
    base = `http://localhost:${server.port}`;
    owner = server.client();
    await server.services.meta.ensureAccount(OTHER_ACCOUNT_ID, 'other');
    const id = randomKeyId();
    const secret = randomSecret();
    await server.services.meta.putAccessKey({ id, secret, accountId: OTHER_ACCOUNT_ID, createdAt: Date.now() });
    other = server.client({ accessKeyId: id, accessKeySecret: secret, bucket: 'placeholder' });
  });
  after(() => server.stop());

  it('a private bucket refuses another account everything: objects, listing and ACL operations', async () => {
    const c = await bucketWith('priv-bucket', 'private');
    const o = asOther('priv-bucket');
    await denied(o.get('obj.txt'));
    await denied(o.head('obj.txt'));
    // getObjectMeta exists at runtime but not in @types/ali-oss.
    await denied((o as unknown as { getObjectMeta(k: string): Promise<unknown> }).getObjectMeta('obj.txt'));
    await denied(o.put('new.txt', Buffer.from('x')));
    await denied(o.delete('obj.txt'));
    await denied(o.list({ 'max-keys': 10 }, {}));
    await denied(o.listV2({ 'max-keys': 10 }));
    await denied(o.getACL('obj.txt'));
    await denied(o.putACL('obj.txt', 'public-read'));
    await denied(o.getBucketACL('priv-bucket'));
    await denied(o.putBucketACL('priv-bucket', 'public-read-write'));
    // Even a missing key is AccessDenied, not NoSuchKey (nothing leaks).
    await denied(o.get('missing.txt'));
    // Nothing changed.
    assert.equal((await c.getBucketACL('priv-bucket')).acl, 'private');
    assert.equal(((await c.getACL('obj.txt')) as unknown as AclResult).acl, 'default');
    assert.equal((await c.get('obj.txt')).content.toString(), 'content of priv-bucket');
    await rejectsWith(c.head('new.txt'), 'NoSuchKey', 404);
  });

  it('a private bucket refuses anonymous GET, HEAD (x-oss-err), PUT, DELETE and listing', async () => {
    await bucketWith('priv-anon', 'private');
    const get = await anon('GET', '/priv-anon/obj.txt');
    assert.equal(get.status, 403);
    assert.equal(get.code, 'AccessDenied');
    const head = await anon('HEAD', '/priv-anon/obj.txt');
    assert.equal(head.status, 403);
    assert.equal(head.text, '');
    assert.equal(head.code, 'AccessDenied');
    for (const [method, path] of [
      ['PUT', '/priv-anon/evil.txt'],
      ['DELETE', '/priv-anon/obj.txt'],
      ['GET', '/priv-anon/'],
      ['GET', '/priv-anon/?list-type=2'],
      ['GET', '/priv-anon/?acl'],
      ['GET', '/priv-anon/obj.txt?acl'],
      ['PUT', '/priv-anon/obj.txt?acl'],
    ]) {
      const r = await anon(method, path, method === 'PUT' ? 'x' : undefined);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.code, 'AccessDenied', `${method} ${path}`);
    }
  });

  it('public-read lets anonymous and other accounts GET, HEAD and list, but not PUT or DELETE', async () => {
    const c = await bucketWith('pub-read', 'public-read');
    const get = await anon('GET', '/pub-read/obj.txt');
    assert.equal(get.status, 200);
    assert.equal(get.text, 'content of pub-read');
    const head = await anon('HEAD', '/pub-read/obj.txt');
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String('content of pub-read'.length));
    const missing = await anon('GET', '/pub-read/missing.txt');
    assert.equal(missing.status, 404);
    assert.equal(missing.code, 'NoSuchKey');
    const list = await anon('GET', '/pub-read/');
    assert.equal(list.status, 200);
    assert.match(list.text, /<Key>obj\.txt<\/Key>/);
    const list2 = await anon('GET', '/pub-read/?list-type=2');
    assert.equal(list2.status, 200);
    assert.match(list2.text, /<KeyCount>1<\/KeyCount>/);
    for (const [method, path] of [
      ['PUT', '/pub-read/anon.txt'],
      ['DELETE', '/pub-read/obj.txt'],
    ]) {
      const r = await anon(method, path, method === 'PUT' ? 'x' : undefined);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.code, 'AccessDenied');
    }

    const o = asOther('pub-read');
    assert.equal((await o.get('obj.txt')).content.toString(), 'content of pub-read');
    assert.equal((await o.head('obj.txt')).status, 200);
    assert.deepEqual(
      (await o.list({ 'max-keys': 10 }, {})).objects.map((x) => x.name),
      ['obj.txt'],
    );
    assert.deepEqual(
      (await o.listV2({ 'max-keys': 10 })).objects.map((x) => x.name),
      ['obj.txt'],
    );
    await denied(o.put('other.txt', Buffer.from('x')));
    await denied(o.delete('obj.txt'));
    // ACL reads and writes stay owner-only on a public bucket.
    await denied(o.getACL('obj.txt'));
    await denied(o.putACL('obj.txt', 'public-read-write'));
    await denied(o.getBucketACL('pub-read'));
    await denied(o.putBucketACL('pub-read', 'public-read-write'));
    await rejectsWith(c.head('anon.txt'), 'NoSuchKey', 404);
    assert.equal((await c.get('obj.txt')).content.toString(), 'content of pub-read');
  });

  it('public-read-write lets anonymous and other accounts write and delete', async () => {
    const c = await bucketWith('pub-rw', 'public-read-write');
    const put = await anon('PUT', '/pub-rw/anon.txt', 'from nobody');
    assert.equal(put.status, 200);
    assert.equal((await c.get('anon.txt')).content.toString(), 'from nobody');
    const del = await anon('DELETE', '/pub-rw/anon.txt');
    assert.equal(del.status, 204);
    await rejectsWith(c.head('anon.txt'), 'NoSuchKey', 404);

    const o = asOther('pub-rw');
    assert.equal((await o.put('theirs.txt', Buffer.from('from other'))).res.status, 200);
    assert.equal((await c.get('theirs.txt')).content.toString(), 'from other');
    assert.equal((await o.delete('obj.txt')).res.status, 204);
    await rejectsWith(c.head('obj.txt'), 'NoSuchKey', 404);
    // Still owner-only: ACLs, bucket info and deletion of the bucket.
    await denied(o.putACL('theirs.txt', 'private'));
    await denied(o.getACL('theirs.txt'));
    await denied(o.putBucketACL('pub-rw', 'private'));
    await denied(o.getBucketInfo('pub-rw'));
    await denied(o.deleteBucket('pub-rw'));
  });

  it('a private object in a public-read bucket is hidden from anonymous and other accounts', async () => {
    const c = await bucketWith('override-a', 'public-read');
    await c.put('secret.txt', Buffer.from('secret'), { headers: { 'x-oss-object-acl': 'private' } });
    assert.equal(((await c.getACL('secret.txt')) as unknown as AclResult).acl, 'private');
    const get = await anon('GET', '/override-a/secret.txt');
    assert.equal(get.status, 403);
    assert.equal(get.code, 'AccessDenied');
    const head = await anon('HEAD', '/override-a/secret.txt');
    assert.equal(head.status, 403);
    assert.equal(head.code, 'AccessDenied');
    await denied(asOther('override-a').get('secret.txt'));
    // The neighbouring default-ACL object is still public.
    assert.equal((await anon('GET', '/override-a/obj.txt')).status, 200);
    // Back to `default`: the bucket ACL applies again.
    await c.putACL('secret.txt', 'default' as OSS.ACLType);
    assert.equal((await anon('GET', '/override-a/secret.txt')).text, 'secret');
  });

  it('a public-read object in a private bucket is readable anonymously but not writable', async () => {
    const c = await bucketWith('override-b', 'private');
    await c.putACL('obj.txt', 'public-read');
    const get = await anon('GET', '/override-b/obj.txt');
    assert.equal(get.status, 200);
    assert.equal(get.text, 'content of override-b');
    assert.equal((await anon('HEAD', '/override-b/obj.txt')).status, 200);
    assert.equal((await asOther('override-b').get('obj.txt')).content.toString(), 'content of override-b');
    const put = await anon('PUT', '/override-b/obj.txt', 'overwritten');
    assert.equal(put.status, 403);
    assert.equal((await anon('DELETE', '/override-b/obj.txt')).status, 403);
    // Listing still follows the bucket ACL.
    assert.equal((await anon('GET', '/override-b/')).status, 403);
    // public-read-write on the object lets anonymous overwrite it.
    await c.putACL('obj.txt', 'public-read-write');
    assert.equal((await anon('PUT', '/override-b/obj.txt', 'overwritten')).status, 200);
    assert.equal((await c.get('obj.txt')).content.toString(), 'overwritten');
    // A fresh PUT resets the ACL to the header's value (default when none).
    assert.equal(((await c.getACL('obj.txt')) as unknown as AclResult).acl, 'default');
    assert.equal((await anon('GET', '/override-b/obj.txt')).status, 403);
  });

  it('PutObjectAcl / GetObjectAcl round-trip every value with the exact XML shape', async () => {
    const c = await bucketWith('obj-acl', 'private');
    const initial = (await c.getACL('obj.txt')) as unknown as AclResult;
    assert.equal(initial.res.status, 200);
    assert.equal(initial.acl, 'default');
    assert.deepEqual(initial.owner, { id: ROOT_ACCOUNT_ID, displayName: ROOT_ACCOUNT_ID });
    const raw = (initial.res as unknown as { data: Buffer }).data.toString('utf8');
    assert.match(
      raw,
      /<AccessControlPolicy><Owner><ID>1000000000000001<\/ID><DisplayName>1000000000000001<\/DisplayName><\/Owner><AccessControlList><Grant>default<\/Grant><\/AccessControlList><\/AccessControlPolicy>/,
    );
    for (const acl of ['public-read', 'public-read-write', 'private', 'default'] as const) {
      const put = await c.putACL('obj.txt', acl as OSS.ACLType);
      assert.equal((put as unknown as { res: { status: number } }).res.status, 200);
      assert.equal(((await c.getACL('obj.txt')) as unknown as AclResult).acl, acl);
    }
    await rejectsWith(c.putACL('obj.txt', 'everyone' as OSS.ACLType), 'InvalidArgument', 400);
    await rejectsWith(c.putACL('missing.txt', 'private'), 'NoSuchKey', 404);
    await rejectsWith(c.getACL('missing.txt'), 'NoSuchKey', 404);
    await c.put('born-public.txt', Buffer.from('x'), { headers: { 'x-oss-object-acl': 'public-read' } });
    assert.equal(((await c.getACL('born-public.txt')) as unknown as AclResult).acl, 'public-read');
    assert.equal((await c.getBucketACL('obj-acl')).acl, 'private');
  });

  it('GetBucketAcl renders AccessControlPolicy{Owner,AccessControlList{Grant}} exactly', async () => {
    await bucketWith('bucket-acl-xml', 'public-read');
    const r = (await owner.getBucketACL('bucket-acl-xml')) as unknown as AclResult;
    assert.equal(r.acl, 'public-read');
    assert.deepEqual(r.owner, { id: ROOT_ACCOUNT_ID, displayName: ROOT_ACCOUNT_ID });
    const raw = (r.res as unknown as { data: Buffer }).data.toString('utf8');
    assert.equal(
      raw,
      '<?xml version="1.0" encoding="UTF-8"?>\n<AccessControlPolicy><Owner><ID>1000000000000001</ID><DisplayName>1000000000000001</DisplayName></Owner><AccessControlList><Grant>public-read</Grant></AccessControlList></AccessControlPolicy>',
    );
  });

  it('buckets of the other account are private to it', async () => {
    await other.putBucket('others-bucket');
    other.useBucket('others-bucket');
    await other.put('o.txt', Buffer.from('theirs'));
    const mine = server.client({ bucket: 'others-bucket' });
    await denied(mine.get('o.txt'));
    await denied(mine.list({ 'max-keys': 1 }, {}));
    await denied(mine.getBucketACL('others-bucket'));
    await denied(mine.deleteBucket('others-bucket'));
    const info = (await other.getBucketInfo('others-bucket')).bucket as { Owner: { ID: string } };
    assert.equal(info.Owner.ID, OTHER_ACCOUNT_ID);
    const acl = (await other.getACL('o.txt')) as unknown as AclResult;
    assert.equal(acl.owner.id, OTHER_ACCOUNT_ID);
  });
});
