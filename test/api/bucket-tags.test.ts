import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { rejectsWith } from '../helpers/oss-assert.js';
import { rawBucketRequest } from '../helpers/raw-bucket-request.js';
import { startTestServer, type TestServer } from '../helpers/start-server.js';

/** ali-oss 6.23 has these at runtime; @types/ali-oss does not declare them. */
interface BucketTagsClient {
  putBucketTags(name: string, tag: Record<string, string>): Promise<{ status: number }>;
  getBucketTags(name: string): Promise<{ status: number; tag: Record<string, string> }>;
  deleteBucketTags(name: string, options?: Record<string, unknown>): Promise<{ status: number }>;
  listBuckets(
    query?: Record<string, unknown>,
  ): Promise<{ buckets: { name: string; tag: Record<string, string> }[] | null }>;
}

function tagXml(tags: [string, string][]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Tagging><TagSet>${tags
    .map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`)
    .join('')}</TagSet></Tagging>`;
}

describe('bucket tagging (ali-oss)', () => {
  let server: TestServer;
  let client: OSS;
  let tags: BucketTagsClient;
  const b = 'tags-bucket';

  before(async () => {
    server = await startTestServer();
    client = server.client();
    tags = client as unknown as BucketTagsClient;
    for (const name of [b, 'tags-list-a', 'tags-list-b', 'tags-list-c']) await client.putBucket(name);
  });
  after(() => server.stop());

  it('a bucket without tags answers an empty tag set (200)', async () => {
    const r = await tags.getBucketTags(b);
    assert.equal(r.status, 200);
    assert.deepEqual(r.tag, {});
  });

  it('put, get, replace and delete round-trip', async () => {
    assert.equal((await tags.putBucketTags(b, { a: '1', b: '2', empty: '' })).status, 200);
    assert.deepEqual((await tags.getBucketTags(b)).tag, { a: '1', b: '2', empty: '' });
    await tags.putBucketTags(b, { a: '9' });
    assert.deepEqual((await tags.getBucketTags(b)).tag, { a: '9' });
    assert.equal((await tags.deleteBucketTags(b)).status, 204);
    assert.deepEqual((await tags.getBucketTags(b)).tag, {});
  });

  it('DELETE ?tagging=k1,k2 removes only those keys', async () => {
    await tags.putBucketTags(b, { a: '1', b: '2', c: '3' });
    const r = await rawBucketRequest(client, 'DELETE', b, { tagging: 'a,c' });
    assert.equal(r.status, 204);
    assert.deepEqual((await tags.getBucketTags(b)).tag, { b: '2' });
  });

  it('refuses what OSS refuses with InvalidTag (400)', async () => {
    const many = Array.from({ length: 21 }, (_, i): [string, string] => [`k${i}`, 'v']);
    await rejectsWith(rawBucketRequest(client, 'PUT', b, 'tagging', tagXml(many)), 'InvalidTag', 400);
    await rejectsWith(
      rawBucketRequest(client, 'PUT', b, 'tagging', tagXml([['k'.repeat(65), 'v']])),
      'InvalidTag',
      400,
    );
    await rejectsWith(
      rawBucketRequest(client, 'PUT', b, 'tagging', tagXml([['a', 'v'.repeat(129)]])),
      'InvalidTag',
      400,
    );
    await rejectsWith(rawBucketRequest(client, 'PUT', b, 'tagging', tagXml([['Aliyun-x', 'v']])), 'InvalidTag', 400);
    await rejectsWith(rawBucketRequest(client, 'PUT', b, 'tagging', tagXml([['', 'v']])), 'InvalidTag', 400);
    await rejectsWith(rawBucketRequest(client, 'PUT', b, 'tagging', '<Tagging></Tagging>'), 'MalformedXML', 400);
    // 20 tags, a 64-character key and a 128-character value are fine.
    const twenty = Array.from({ length: 20 }, (_, i): [string, string] => [`k${i}`, 'v']);
    await rawBucketRequest(client, 'PUT', b, 'tagging', tagXml(twenty));
    await tags.putBucketTags(b, { ['k'.repeat(64)]: 'v'.repeat(128) });
    assert.deepEqual((await tags.getBucketTags(b)).tag, { ['k'.repeat(64)]: 'v'.repeat(128) });
  });

  it('ListBuckets filters by tag-key / tag-value and by tagging pairs', async () => {
    await tags.putBucketTags('tags-list-a', { env: 'prod', team: 'x' });
    await tags.putBucketTags('tags-list-b', { env: 'dev' });
    const names = async (query: Record<string, unknown>) =>
      ((await tags.listBuckets({ prefix: 'tags-list-', ...query })).buckets ?? []).map((x) => x.name);
    assert.deepEqual(await names({}), ['tags-list-a', 'tags-list-b', 'tags-list-c']);
    assert.deepEqual(await names({ 'tag-key': 'env' }), ['tags-list-a', 'tags-list-b']);
    assert.deepEqual(await names({ 'tag-key': 'env', 'tag-value': 'dev' }), ['tags-list-b']);
    assert.deepEqual(await names({ 'tag-key': 'nope' }), []);
    // ali-oss's subres form, as its own suite sends it; the listed buckets carry their tags.
    const { buckets } = await tags.listBuckets({
      prefix: 'tags-list-',
      subres: { tagging: '"env":"prod","team":"x"' },
    });
    assert.deepEqual(
      buckets?.map((x) => [x.name, x.tag]),
      [['tags-list-a', { env: 'prod', team: 'x' }]],
    );
    await rejectsWith(tags.listBuckets({ 'tag-value': 'dev' }), 'InvalidArgument', 400);
  });

  it('only the owner may read or change tags (AccessDenied)', async () => {
    await server.services.meta.ensureAccount('acct-tags-other', 'other');
    await server.services.meta.putAccessKey({
      id: 'TagsOtherKey01',
      secret: 'tagsOtherSecret0000000001',
      accountId: 'acct-tags-other',
      createdAt: Date.now(),
    });
    const other = server.client({ accessKeyId: 'TagsOtherKey01', accessKeySecret: 'tagsOtherSecret0000000001' });
    const o = other as unknown as BucketTagsClient;
    await rejectsWith(o.getBucketTags(b), 'AccessDenied');
    await rejectsWith(o.putBucketTags(b, { x: '1' }), 'AccessDenied');
    await rejectsWith(o.deleteBucketTags(b), 'AccessDenied');
    // Another account's listing never shows this account's buckets, tag filter or not.
    assert.equal((await o.listBuckets({ 'tag-key': 'env' })).buckets, null);
  });

  it('tags go with the bucket', async () => {
    await client.putBucket('tags-gone');
    await tags.putBucketTags('tags-gone', { a: '1' });
    await client.deleteBucket('tags-gone');
    await client.putBucket('tags-gone');
    assert.deepEqual((await tags.getBucketTags('tags-gone')).tag, {});
  });
});
