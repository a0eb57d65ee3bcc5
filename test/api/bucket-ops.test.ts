import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { ROOT_ACCOUNT_ID, randomKeyId, randomSecret } from '../../src/main.js';
import { type OssClientError, rejectsWith } from '../helpers/oss-assert.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

const OTHER_ACCOUNT_ID = '2000000000000002';

/** A client for a second account, whose key is created straight in the metadata store. */
async function otherAccountClient(server: TestServer, bucket?: string): Promise<OSS> {
  await server.services.meta.ensureAccount(OTHER_ACCOUNT_ID, 'other');
  const id = randomKeyId();
  const secret = randomSecret();
  await server.services.meta.putAccessKey({ id, secret, accountId: OTHER_ACCOUNT_ID, createdAt: Date.now() });
  return server.client({ accessKeyId: id, accessKeySecret: secret, ...(bucket ? { bucket } : {}) });
}

/** ali-oss's own request machinery without its client-side bucket-name check (runtime API, untyped). */
interface RawOss {
  _bucketRequestParams(method: string, bucket: string, subres: string, options: object): { successStatuses?: number[] };
  request(params: object): Promise<{ status: number }>;
}

/** What ali-oss's listBuckets really returns at runtime (@types/ali-oss says Bucket[]). */
interface ListBucketsRuntime {
  buckets: { name: string; region: string; creationDate: string; storageClass: string }[] | null;
  owner: { id: string; displayName: string };
  isTruncated: boolean;
  nextMarker: string | null;
}

async function listBuckets(client: OSS, query: OSS.ListBucketsQueryType): Promise<ListBucketsRuntime> {
  return (await client.listBuckets(query)) as unknown as ListBucketsRuntime;
}

describe('bucket operations with ali-oss', () => {
  let server: TestServer;
  let client: OSS;
  let other: OSS;
  before(async () => {
    server = await startTestServer();
    client = server.client();
    other = await otherAccountClient(server);
  });
  after(() => server.stop());

  it('PutBucket with acl and storageClass; GetBucketInfo returns them with the exact shape', async () => {
    const put = await client.putBucket('info-bucket', {
      acl: 'public-read',
      storageClass: 'IA',
      dataRedundancyType: 'ZRS',
    } as OSS.PutBucketOptions);
    assert.equal(put.res.status, 200);
    assert.equal(put.bucket, 'info-bucket');
    const before = Date.now();
    const info = await client.getBucketInfo('info-bucket');
    assert.equal(info.res.status, 200);
    const b = info.bucket as Record<string, unknown>;
    assert.equal(b.Name, 'info-bucket');
    assert.equal(b.Location, 'oss-cn-hangzhou');
    assert.equal(b.ExtranetEndpoint, 'oss-cn-hangzhou.aliyuncs.com');
    assert.equal(b.IntranetEndpoint, 'oss-cn-hangzhou-internal.aliyuncs.com');
    assert.equal(b.StorageClass, 'IA');
    assert.equal(b.DataRedundancyType, 'ZRS');
    assert.deepEqual(b.Owner, { ID: ROOT_ACCOUNT_ID, DisplayName: ROOT_ACCOUNT_ID });
    assert.deepEqual(b.AccessControlList, { Grant: 'public-read' });
    assert.match(String(b.CreationDate), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Date.parse(String(b.CreationDate)) <= before);
    // The bucket listing agrees.
    const listed = await listBuckets(client, { prefix: 'info-' });
    assert.deepEqual(
      listed.buckets?.map((x) => [x.name, x.region, x.storageClass]),
      [['info-bucket', 'oss-cn-hangzhou', 'IA']],
    );
  });

  it('PutBucket defaults to private, Standard, LRS', async () => {
    await client.putBucket('plain-bucket');
    const b = (await client.getBucketInfo('plain-bucket')).bucket as Record<string, unknown>;
    assert.equal(b.StorageClass, 'Standard');
    assert.equal(b.DataRedundancyType, 'LRS');
    assert.deepEqual(b.AccessControlList, { Grant: 'private' });
  });

  it('GetBucketLocation returns the region as the root text', async () => {
    await client.putBucket('loc-bucket');
    const r = await client.getBucketLocation('loc-bucket');
    assert.equal(r.res.status, 200);
    assert.equal(r.location, 'oss-cn-hangzhou');
    assert.match(String(r.res.headers['content-type']), /^application\/xml/);
  });

  it('PutBucketACL / GetBucketACL round-trip every canned ACL', async () => {
    await client.putBucket('acl-bucket');
    const initial = await client.getBucketACL('acl-bucket');
    assert.equal(initial.acl, 'private');
    assert.deepEqual((initial as unknown as { owner: unknown }).owner, {
      id: ROOT_ACCOUNT_ID,
      displayName: ROOT_ACCOUNT_ID,
    });
    for (const acl of ['public-read-write', 'public-read', 'private'] as const) {
      const put = await client.putBucketACL('acl-bucket', acl);
      assert.equal((put as unknown as { res: { status: number } }).res.status, 200);
      assert.equal((await client.getBucketACL('acl-bucket')).acl, acl);
    }
    await rejectsWith(client.putBucketACL('acl-bucket', 'world-writable' as OSS.ACLType), 'InvalidArgument', 400);
    assert.equal((await client.getBucketACL('acl-bucket')).acl, 'private');
  });

  it('re-creating your own bucket answers 200 (and applies a given acl); another account gets 409', async () => {
    await client.putBucket('mine');
    await server.client({ bucket: 'mine' }).put('keep.txt', Buffer.from('kept'));
    const again = await client.putBucket('mine');
    assert.equal(again.res.status, 200);
    assert.equal(again.bucket, 'mine');
    assert.equal((await client.getBucketACL('mine')).acl, 'private');
    await client.putBucket('mine', { acl: 'public-read' } as OSS.PutBucketOptions);
    assert.equal((await client.getBucketACL('mine')).acl, 'public-read');
    // The existing objects survive a re-create.
    const got = await server.client({ bucket: 'mine' }).get('keep.txt');
    assert.equal(got.content.toString(), 'kept');

    await rejectsWith(other.putBucket('mine'), 'BucketAlreadyExists', 409);
    await rejectsWith(
      other.putBucket('mine', { acl: 'public-read-write' } as OSS.PutBucketOptions),
      'BucketAlreadyExists',
      409,
    );
    assert.equal((await client.getBucketACL('mine')).acl, 'public-read');
    const info = (await client.getBucketInfo('mine')).bucket as { Owner: { ID: string } };
    assert.equal(info.Owner.ID, ROOT_ACCOUNT_ID);
  });

  it('DeleteBucket: 204, BucketNotEmpty while objects remain, NoSuchBucket afterwards', async () => {
    await client.putBucket('doomed');
    const bucketClient = server.client({ bucket: 'doomed' });
    await bucketClient.put('x.txt', Buffer.from('x'));
    await assert.rejects(client.deleteBucket('doomed'), (err: OssClientError & { message: string }) => {
      assert.equal(err.code, 'BucketNotEmpty');
      assert.equal(err.status, 409);
      return true;
    });
    await bucketClient.delete('x.txt');
    const del = (await client.deleteBucket('doomed')) as unknown as { res: { status: number } };
    assert.equal(del.res.status, 204);
    await rejectsWith(client.deleteBucket('doomed'), 'NoSuchBucket', 404);
    await rejectsWith(client.getBucketInfo('doomed'), 'NoSuchBucket', 404);
    await rejectsWith(client.getBucketACL('doomed'), 'NoSuchBucket', 404);
    await rejectsWith(client.getBucketLocation('doomed'), 'NoSuchBucket', 404);
    const names = (await listBuckets(client, { prefix: 'doomed' })).buckets;
    assert.equal(names, null);
  });

  it('only the owner may delete a bucket or read its info, location and ACL', async () => {
    await client.putBucket('owned', { acl: 'public-read-write' } as OSS.PutBucketOptions);
    await rejectsWith(other.deleteBucket('owned'), 'AccessDenied', 403);
    await rejectsWith(other.getBucketInfo('owned'), 'AccessDenied', 403);
    await rejectsWith(other.getBucketLocation('owned'), 'AccessDenied', 403);
    await rejectsWith(other.getBucketACL('owned'), 'AccessDenied', 403);
    await rejectsWith(other.putBucketACL('owned', 'private'), 'AccessDenied', 403);
    assert.equal((await client.getBucketACL('owned')).acl, 'public-read-write');
  });

  it('refuses invalid bucket names with InvalidBucketName', async () => {
    // ali-oss checks names on its side; go through its request machinery directly to reach the server.
    const raw = client as unknown as RawOss;
    for (const name of ['Upper-Case', 'under_score', 'ab', '-leading', 'trailing-']) {
      const params = raw._bucketRequestParams('PUT', name, '', {});
      params.successStatuses = [200];
      await rejectsWith(raw.request(params), 'InvalidBucketName', 400);
    }
    // Non-create calls: ali-oss lets a leading '_' through; the server refuses it.
    await rejectsWith(client.getBucketInfo('_bad'), 'InvalidBucketName', 400);
    // Anonymous requests get the same answer (the name is checked before authorisation).
    const res = await fetch(`http://localhost:${server.port}/Bad_Name/`, { method: 'PUT' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /<Code>InvalidBucketName<\/Code>/);
    assert.equal(
      (await listBuckets(client, {})).buckets?.some((b) => /[A-Z_]/.test(b.name)),
      false,
    );
  });

  it('ListBuckets pages with prefix, marker and max-keys and only shows the caller’s buckets', async () => {
    const names = ['page-a1', 'page-a2', 'page-a3', 'page-a4', 'page-a5'];
    for (const n of [...names].reverse()) await client.putBucket(n);
    await client.putBucket('page-b1');
    await other.putBucket('page-a0-other');

    const seen: string[] = [];
    const pages: boolean[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await listBuckets(client, { prefix: 'page-a', 'max-keys': 2, ...(marker ? { marker } : {}) });
      assert.deepEqual(page.owner, { id: ROOT_ACCOUNT_ID, displayName: ROOT_ACCOUNT_ID });
      seen.push(...(page.buckets ?? []).map((b) => b.name));
      pages.push(page.isTruncated);
      if (!page.isTruncated) {
        assert.equal(page.nextMarker, null);
        break;
      }
      assert.equal(page.nextMarker, seen[seen.length - 1]);
      marker = page.nextMarker!;
    }
    assert.deepEqual(seen, names);
    assert.deepEqual(pages, [true, true, false]);

    const fromMarker = await listBuckets(client, { prefix: 'page-', marker: 'page-a4' });
    assert.deepEqual(
      fromMarker.buckets?.map((b) => b.name),
      ['page-a5', 'page-b1'],
    );
    assert.equal(fromMarker.isTruncated, false);

    const others = await listBuckets(other, { prefix: 'page-' });
    assert.deepEqual(
      others.buckets?.map((b) => b.name),
      ['page-a0-other'],
    );
    assert.deepEqual(others.owner, { id: OTHER_ACCOUNT_ID, displayName: OTHER_ACCOUNT_ID });
  });

  it('anonymous ListBuckets and PutBucket are refused with AccessDenied', async () => {
    const list = await fetch(`http://localhost:${server.port}/`);
    assert.equal(list.status, 403);
    assert.match(await list.text(), /<Code>AccessDenied<\/Code>/);
    const put = await fetch(`http://localhost:${server.port}/anon-bucket/`, { method: 'PUT' });
    assert.equal(put.status, 403);
    assert.match(await put.text(), /<Code>AccessDenied<\/Code>/);
    await rejectsWith(client.getBucketInfo('anon-bucket'), 'NoSuchBucket', 404);
  });
});
