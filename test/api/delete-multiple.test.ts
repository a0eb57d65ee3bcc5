import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type OSS from 'ali-oss';
import { randomKeyId, randomSecret } from '../../src/main.js';
import { type OssClientError, rejectsWith } from '../helpers/oss-assert.js';
import { ONE_NODE_ONLY, startTestServer, type TestServer, withBucket } from '../helpers/start-server.js';

/** ali-oss returns the parsed `Deleted` elements ({ Key }), not strings as @types/ali-oss claims. */
function deletedKeys(r: OSS.DeleteMultiResult): string[] {
  return (r.deleted as unknown as { Key: string }[]).map((d) => d.Key);
}

async function exists(client: OSS, key: string): Promise<boolean> {
  try {
    await client.head(key);
    return true;
  } catch (err) {
    if ((err as OssClientError).status === 404) return false;
    throw err;
  }
}

async function putAll(client: OSS, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 25) {
    await Promise.all(keys.slice(i, i + 25).map((k) => client.put(k, Buffer.from(k))));
  }
}

describe('DeleteMultipleObjects with ali-oss', () => {
  let server: TestServer;
  let client: OSS;
  let base: string;
  before(async () => {
    server = await startTestServer();
    client = await withBucket(server, 'multi');
    base = `http://localhost:${server.port}`;
  });
  after(() => server.stop());

  it('verbose mode deletes and reports every key in request order, XML-escaped keys included', async () => {
    const keys = ['b&<.txt', 'a.txt', 'dir/c d.txt', 'uni/中文.txt', 'q"\'>.txt'];
    await putAll(client, [...keys, 'keep.txt']);
    const r = await client.deleteMulti([...keys, 'never-existed.txt'], { quiet: false });
    assert.equal(r.res.status, 200);
    assert.deepEqual(deletedKeys(r), [...keys, 'never-existed.txt']);
    for (const k of keys) assert.equal(await exists(client, k), false, k);
    assert.equal(await exists(client, 'keep.txt'), true);
    const body = (r.res as unknown as { data: Buffer }).data.toString('utf8');
    assert.ok(body.includes('<Deleted><Key>b&amp;&lt;.txt</Key></Deleted>'), body);
  });

  it('quiet mode deletes and reports nothing', async () => {
    await putAll(client, ['q1', 'q2', 'q3']);
    const r = await client.deleteMulti(['q1', 'q3'], { quiet: true });
    assert.equal(r.res.status, 200);
    assert.deepEqual(r.deleted, []);
    assert.equal(await exists(client, 'q1'), false);
    assert.equal(await exists(client, 'q2'), true);
    assert.equal(await exists(client, 'q3'), false);
  });

  it('accepts 1000 keys and refuses 1001 with MalformedXML, deleting nothing', async () => {
    const present = Array.from({ length: 30 }, (_, i) => `bulk/${String(i).padStart(4, '0')}`);
    await putAll(client, present);
    const many = Array.from({ length: 1001 }, (_, i) => `bulk/${String(i).padStart(4, '0')}`);
    await rejectsWith(client.deleteMulti(many, { quiet: true }), 'MalformedXML', 400);
    for (const k of present) assert.equal(await exists(client, k), true, k);
    const r = await client.deleteMulti(many.slice(0, 1000), { quiet: false });
    assert.equal(deletedKeys(r).length, 1000);
    assert.deepEqual(deletedKeys(r).slice(0, 2), ['bulk/0000', 'bulk/0001']);
    const left = await client.list({ prefix: 'bulk/', 'max-keys': 100 }, {});
    assert.deepEqual(left.objects, []);
  });

  it('checks Content-MD5 when present (InvalidDigest) and deletes nothing', async () => {
    await putAll(client, ['md5.txt']);
    const wrong = Buffer.alloc(16, 7).toString('base64');
    const opts = { quiet: false, headers: { 'Content-MD5': wrong } } as OSS.DeleteMultiOptions;
    await rejectsWith(client.deleteMulti(['md5.txt'], opts), 'InvalidDigest', 400);
    const garbage = { quiet: false, headers: { 'Content-MD5': 'not-base64!' } } as OSS.DeleteMultiOptions;
    await rejectsWith(client.deleteMulti(['md5.txt'], garbage), 'InvalidDigest', 400);
    assert.equal(await exists(client, 'md5.txt'), true);
    // ali-oss computes a correct Content-MD5 by itself.
    assert.deepEqual(deletedKeys(await client.deleteMulti(['md5.txt'])), ['md5.txt']);
  });

  // On a cluster the request passes the tests' TCP relay, and an early 400 to a client still sending 5 MB is
  // sometimes lost there (socket hang up, no response); the behaviour is covered on one node, and whether the
  // relay or ossd loses it is still being investigated.
  it('refuses a request body over 2 MB with EntityTooLarge', {
    skip: ONE_NODE_ONLY && 'early 400 through the test relay',
  }, async () => {
    // 1000 keys of 1000 '&' each: ~5 MB once XML-escaped; the server answers before reading it all.
    const keys = Array.from({ length: 1000 }, (_, i) => `${'&'.repeat(1000)}${i}`);
    await rejectsWith(client.deleteMulti(keys, { quiet: true }), 'EntityTooLarge', 400);
    // The server is still healthy.
    assert.equal((await client.list({ 'max-keys': 1 }, {})).res.status, 200);
  });

  it('refuses malformed or empty bodies with MalformedXML', async () => {
    await client.putBucketACL('multi', 'public-read-write');
    try {
      for (const body of [
        'not xml at all',
        '<Delete><Quiet>false</Quiet></Delete>',
        '<Delete><Object><Key></Key></Object></Delete>',
        '<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>',
        '<Other><Object><Key>a</Key></Object></Other>',
        '<!DOCTYPE x [<!ENTITY e "a">]><Delete><Object><Key>&e;</Key></Object></Delete>',
      ]) {
        const res = await fetch(`${base}/multi/?delete`, { method: 'POST', body });
        assert.equal(res.status, 400, body);
        assert.match(await res.text(), /<Code>MalformedXML<\/Code>/, body);
      }
    } finally {
      await client.putBucketACL('multi', 'private');
    }
  });

  it('answers NoSuchBucket for a missing bucket', async () => {
    await rejectsWith(server.client({ bucket: 'no-such-bucket' }).deleteMulti(['a']), 'NoSuchBucket', 404);
  });
});

describe('DeleteMultipleObjects and ACLs', () => {
  let server: TestServer;
  let owner: OSS;
  let other: OSS;
  let base: string;
  const xml = (keys: string[]) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Delete><Quiet>false</Quiet>${keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`;
  before(async () => {
    server = await startTestServer();
    owner = await withBucket(server, 'acl-multi');
    await server.services.meta.ensureAccount('3000000000000003', 'other');
    const id = randomKeyId();
    const secret = randomSecret();
    await server.services.meta.putAccessKey({ id, secret, accountId: '3000000000000003', createdAt: Date.now() });
    other = server.client({ bucket: 'acl-multi', accessKeyId: id, accessKeySecret: secret });
    base = `http://localhost:${server.port}`;
  });
  after(() => server.stop());

  it('another account and anonymous callers are refused unless the bucket is public-read-write', async () => {
    await putAll(owner, ['x1', 'x2']);
    for (const acl of ['private', 'public-read'] as const) {
      await owner.putBucketACL('acl-multi', acl);
      await rejectsWith(other.deleteMulti(['x1']), 'AccessDenied', 403);
      const res = await fetch(`${base}/acl-multi/?delete`, { method: 'POST', body: xml(['x1']) });
      assert.equal(res.status, 403);
      assert.match(await res.text(), /<Code>AccessDenied<\/Code>/);
      assert.equal(await exists(owner, 'x1'), true);
    }
    await owner.putBucketACL('acl-multi', 'public-read-write');
    assert.deepEqual(deletedKeys(await other.deleteMulti(['x1'])), ['x1']);
    const res = await fetch(`${base}/acl-multi/?delete`, { method: 'POST', body: xml(['x2']) });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<Deleted><Key>x2<\/Key><\/Deleted>/);
    assert.equal(await exists(owner, 'x1'), false);
    assert.equal(await exists(owner, 'x2'), false);
  });

  it('a private object in a public-read-write bucket cannot be bulk-deleted by others (nothing is deleted)', async () => {
    await owner.putBucketACL('acl-multi', 'public-read-write');
    await putAll(owner, ['open.txt', 'locked.txt']);
    await owner.putACL('locked.txt', 'private');
    await rejectsWith(other.deleteMulti(['open.txt', 'locked.txt']), 'AccessDenied', 403);
    const res = await fetch(`${base}/acl-multi/?delete`, { method: 'POST', body: xml(['open.txt', 'locked.txt']) });
    assert.equal(res.status, 403);
    assert.equal(await exists(owner, 'open.txt'), true);
    assert.equal(await exists(owner, 'locked.txt'), true);
    // The owner is not bound by object ACLs.
    assert.deepEqual(deletedKeys(await owner.deleteMulti(['open.txt', 'locked.txt'])), ['open.txt', 'locked.txt']);
  });
});
